"""Create, read, list, update and delete of the scoped resources (export configurations and
integrations): the same scoping and visibility rules for both, written once.

Visible means editable (as for catalog entries): the owner, the organization's members and
admins; anyone else gets 404. Lists are an organization's (members only, 403) or the caller's
personal rows. Rows never move between scopes; deletion is soft.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic

from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.principal import Caller
from platformkit.protoconv import optional_uuid, parse_uuid
from protos.exports.v1 import exports_pb2 as pb
from services.exports import repository as repo
from services.exports.domain import access
from services.exports.repository import ScopedRow

ORGANIZATION_LOC = ("organization_id",)


@dataclass(frozen=True)
class Kind(Generic[ScopedRow]):
    model: type[ScopedRow]
    label: str

    async def visible(self, session: AsyncSession, who: Caller, raw_id: str, *, lock: bool = False) -> ScopedRow:
        row = await repo.live(session, self.model, parse_uuid(raw_id, ("id",)), lock=lock)
        return access.visible(who, row, self.label)  # type: ignore[return-value]

    async def create(self, session: AsyncSession, who: Caller, values: Mapping[str, Any], request: Any) -> ScopedRow:
        """``request`` carries the body's and the query's ``organization_id``."""
        organization_id = access.creation_organization(
            who,
            optional_uuid(request, "organization_id", ORGANIZATION_LOC),
            optional_uuid(request, "query_organization_id", ("query_organization_id",)),
            ORGANIZATION_LOC,
        )
        now = datetime.now(UTC)
        row = self.model(
            id=uuid.uuid4(),
            owner_id=who.user_id,
            organization_id=organization_id,
            created_at=now,
            updated_at=now,
            **values,
        )
        session.add(row)
        await session.flush()
        return row

    async def page(
        self, session: AsyncSession, who: Caller, request: pb.ListScopedRequest
    ) -> tuple[list[ScopedRow], int]:
        organization_id = optional_uuid(request, "organization_id", ("organization_id",))
        access.list_scope(who, organization_id)
        limit = request.page.limit if request.HasField("page") else 100
        return await repo.list_scoped(
            session,
            self.model,
            owner_id=who.user_id,
            organization_id=organization_id,
            skip=request.page.skip,
            limit=limit,
        )

    async def update(self, session: AsyncSession, who: Caller, raw_id: str, values: Mapping[str, Any]) -> ScopedRow:
        row = await self.visible(session, who, raw_id, lock=True)
        changed = {name: value for name, value in values.items() if getattr(row, name) != value}
        for name, value in changed.items():
            setattr(row, name, value)
        if changed:
            row.updated_at = datetime.now(UTC)
        await session.flush()
        return row

    async def delete(self, session: AsyncSession, who: Caller, raw_id: str) -> None:
        row = await self.visible(session, who, raw_id, lock=True)
        row.deleted_at = row.updated_at = datetime.now(UTC)
