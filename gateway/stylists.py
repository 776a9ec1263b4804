"""Stylists are users of the platform (the gateway owns identity): a template's `stylist_id` must
name an active user, and headers show that user as a StylistSummary. The shootings service
stores the id as given; the check happens here, before the call."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.repository import users
from gateway.schemas.guidelines import StylistSummary


async def ensure_stylist(session: AsyncSession, stylist_id: uuid.UUID | None, loc: tuple[str, ...]) -> None:
    if stylist_id is not None:
        await users.active_user(session, stylist_id, loc)


async def stylist_summary(sessions: async_sessionmaker[AsyncSession], stylist_id: str | None) -> StylistSummary | None:
    """The stylist's summary; the database is read only when there is one."""
    if not stylist_id:
        return None
    async with sessions() as session:
        user = (await users.users_by_ids(session, [uuid.UUID(stylist_id)])).get(uuid.UUID(stylist_id))
    return StylistSummary(id=user.id, name=user.full_name or user.email) if user else None
