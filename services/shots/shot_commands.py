"""Shot commands for a caller: update (E40 and the overview PATCH), delete (E41), approve/reject.

A change of anything but the status is announced as ``shot.updated`` with the shot's new
version; status changes go through :func:`change_status` (``shot.status_changed``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.errors import Conflict, Invalid, NotFound
from platformkit.event_types import EventType
from platformkit.outbox import add_event
from platformkit.topics import SHOTS_EVENTS
from services.shots import queries
from services.shots.convert import shot_state
from services.shots.domain import revisions as rules
from services.shots.domain.access import Caller
from services.shots.events import SOURCE
from services.shots.models import Revision, RevisionImage, Shot, messaging
from services.shots.repository import delete_shots
from services.shots.status_changes import announce, change_status

_COUNTERS = ("rework_available", "rework_used")


async def _visible(session: AsyncSession, caller: Caller, shot_id: uuid.UUID) -> Shot:
    shot = await queries.visible_shot(session, caller, shot_id, lock=True)
    if shot is None:
        raise NotFound("Shot not found")
    return shot


async def update_shot(session: AsyncSession, caller: Caller, shot_id: uuid.UUID, changes: dict[str, object]) -> Shot:
    """Partial (absent keys unchanged); R135: the status follows the current revision only."""
    shot = await _visible(session, caller, shot_id)
    for name in _COUNTERS:
        if name in changes and changes[name] is None:
            raise Invalid.at((name,), "may be omitted but not null")
    touched = False
    for name in (*_COUNTERS, "shot_type_id"):
        if name in changes and getattr(shot, name) != changes[name]:
            setattr(shot, name, changes[name])
            touched = True
    if touched:
        await announce(session, shot, EventType.SHOT_UPDATED)
    if "current_revision_id" in changes:
        revision_id = changes["current_revision_id"]
        if revision_id is None:
            await change_status(session, shot.id, rules.INITIAL_STATUS, clear_revision=True)
        else:
            revision = await session.get(Revision, revision_id)
            if revision is None or revision.shot_id != shot.id:
                raise Invalid.at(("current_revision_id",), "Not a revision of this shot")
            await change_status(session, shot.id, revision.shot_status, current_revision_id=revision.id)
    await session.refresh(shot)
    return shot


async def delete_shot(session: AsyncSession, caller: Caller, shot_id: uuid.UUID) -> tuple[Shot, queries.ShotView]:
    """E41 (R136): the shot as it was; its revisions go with it and their media are detached."""
    shot = await _visible(session, caller, shot_id)
    [view] = await queries.shot_views(session, [shot])
    [removed] = await delete_shots(session, [shot.id], queries.entitled(caller))  # detaches its media
    await add_event(
        session,
        messaging,
        topic=SHOTS_EVENTS,
        event_type=EventType.SHOT_DELETED,
        aggregate_id=str(removed.id),
        payload=shot_state(removed, deleted=True),
        source=SOURCE,
    )
    return removed, view


async def review_shot(
    session: AsyncSession, caller: Caller, shot_id: uuid.UUID, decision: str, notes: str | None
) -> Shot:
    """Approve or reject: the current revision's status in place (no new revision); approving
    needs a current revision with at least one image that names a picture (409), what download
    and export need. A review's note is added after the author's notes, never over them."""
    if decision not in rules.REVIEW_DECISIONS:
        raise Invalid.at(("decision",), "APPROVED or REJECTED")
    shot = await _visible(session, caller, shot_id)
    revision = await session.get(Revision, shot.current_revision_id) if shot.current_revision_id else None
    if revision is None:
        raise Conflict("The shot has no current revision to review")
    if decision == "APPROVED":
        pictures = await session.scalar(
            sa.select(sa.func.count())
            .select_from(RevisionImage)
            .where(
                RevisionImage.shot_revision_id == revision.id,
                sa.or_(RevisionImage.image_media_id.is_not(None), sa.func.coalesce(RevisionImage.image_url, "") != ""),
            )
        )
        if not pictures:
            raise Conflict("The current revision has no image to approve")
    revision.shot_status = decision
    revision.notes = rules.with_review(revision.notes, decision, notes)
    revision.updated_at = datetime.now(UTC)
    await change_status(session, shot.id, decision)
    await session.refresh(shot)
    return shot
