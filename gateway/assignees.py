"""Assignees are users of the platform (the gateway owns identity): a look's `assignee_id` must name
an active user (422 otherwise, D0.5), and full looks show that user as a UserSummary. The
shootings service stores the id as given; the check happens here, before the call."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.repository import users
from gateway.schemas.users import UserSummary
from protos.shootings.v1 import looks_pb2 as pb


async def ensure_assignee(session: AsyncSession, assignee_id: uuid.UUID | None, loc: tuple[str, ...]) -> None:
    if assignee_id is not None:
        await users.active_user(session, assignee_id, loc)


async def assignee_summaries(session: AsyncSession, looks: Iterable[pb.Look]) -> dict[str, dict[str, Any]]:
    """``{user id: UserSummary's fields}`` of every assignee the looks name, in one query."""
    ids = {uuid.UUID(look.assignee_id) for look in looks if look.HasField("assignee_id")}
    found = await users.users_by_ids(session, ids)
    return {str(i): UserSummary.model_validate(u).model_dump(mode="json") for i, u in found.items()}
