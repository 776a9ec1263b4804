"""Changing a shot's status: the one write approve, reject and revision changes go through.

A shot's status is its current revision's ``shot_status`` (D0.6). Whatever moves it (approve or
reject in place, a new or restored current revision) calls :func:`change_status` in the same
transaction, so the shot row, its version and the ``shot.status_changed`` event the shootings
roll-ups feed on can never disagree: the event is in the outbox if and only if the change
committed, and it carries the new version, so consumers never apply an older state over it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.event_types import EventType
from platformkit.outbox import add_event
from platformkit.topics import SHOTS_EVENTS
from services.shots.convert import shot_state
from services.shots.events import SOURCE
from services.shots.models import Shot, messaging


async def change_status(
    session: AsyncSession,
    shot_id: uuid.UUID,
    status: str,
    *,
    current_revision_id: uuid.UUID | None = None,
    clear_revision: bool = False,
) -> Shot | None:
    """Set the shot's status (and, when given, its current revision), bump its version and
    announce it; None when the shot does not exist. A change to the status it already has (and
    the same revision) writes nothing and announces nothing. The caller owns the transaction and
    has checked that ``status`` is a status of the shooting's type. ``clear_revision`` leaves the
    shot without a current revision (its last revision was deleted)."""
    shot = await session.scalar(sa.select(Shot).where(Shot.id == shot_id).with_for_update())
    if shot is None:
        return None
    revision = None if clear_revision else (current_revision_id or shot.current_revision_id)
    if shot.status == status and shot.current_revision_id == revision:
        return shot
    shot.status = status
    shot.current_revision_id = revision
    await announce(session, shot, EventType.SHOT_STATUS_CHANGED)
    return shot


async def announce(session: AsyncSession, shot: Shot, event_type: EventType) -> None:
    """Bump the shot's version and publish its new state (``shot.status_changed``,
    ``shot.updated``) in the caller's transaction."""
    shot.version += 1
    shot.updated_at = datetime.now(UTC)
    await session.flush()
    await publish_state(session, shot, event_type)


async def publish_state(
    session: AsyncSession, shot: Shot, event_type: EventType, *, revision_id: uuid.UUID | None = None
) -> None:
    """Publish the shot's state as it is, without a new version, in the caller's transaction.

    Revision facts (``shot.revision_created``/``shot.revision_deleted``, naming ``revision_id``)
    go out this way: what they change of the shot itself (status, current revision) was
    announced as ``shot.status_changed`` just before, so they repeat that version and the
    roll-ups, which ignore these types, lose nothing."""
    state = shot_state(shot)
    if revision_id is not None:
        state.revision_id = str(revision_id)
    await add_event(
        session,
        messaging,
        topic=SHOTS_EVENTS,
        event_type=event_type,
        aggregate_id=str(shot.id),
        payload=state,
        source=SOURCE,
    )
