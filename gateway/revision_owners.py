"""Revision owners (issue 15): every revision answer shows who made it as the reference's
UserSummary. The shots service keeps the owner's id (the uploader or creator, or the user who
requested the generation for AI revisions); identity lives here, so the summaries of every
revision an answer shows come from one users query (none without revisions)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.answers.shots import PushView
from gateway.repository.users import users_by_ids
from gateway.schemas.users import UserSummary
from protos.shots.v1 import shots_pb2


def revisions_of(shots: Iterable[shots_pb2.Shot]) -> list[shots_pb2.Revision]:
    return [revision for shot in shots for revision in shot.revisions]


async def with_owners(session: AsyncSession, view: PushView, revisions: Iterable[shots_pb2.Revision]) -> PushView:
    """``view`` knowing the owner of each of ``revisions``."""
    ids = {uuid.UUID(r.owner_id) for r in revisions if r.HasField("owner_id")}
    if not ids:
        return view
    users = await users_by_ids(session, ids)
    return replace(
        view, owners={str(i): UserSummary.model_validate(user).model_dump(mode="json") for i, user in users.items()}
    )
