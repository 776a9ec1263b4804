"""The caller of an RPC in domain terms: who they are, whether they are an admin, and which
organizations they belong to. Every service's access rules take it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from protos.common.v1 import common_pb2


@dataclass(frozen=True)
class Caller:
    user_id: uuid.UUID
    is_superuser: bool
    organization_ids: frozenset[uuid.UUID]

    def is_member(self, organization_id: uuid.UUID | None) -> bool:
        return organization_id is not None and organization_id in self.organization_ids

    @classmethod
    def from_principal(cls, principal: common_pb2.Principal) -> Caller:
        return cls(
            user_id=uuid.UUID(principal.user_id),
            is_superuser=principal.is_superuser,
            organization_ids=frozenset(uuid.UUID(o) for o in principal.organization_ids),
        )


def caller(principal: common_pb2.Principal) -> Caller:
    return Caller.from_principal(principal)
