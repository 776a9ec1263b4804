"""Organizations and memberships, with the visibility rule: members and admins see an
organization, everyone else gets 404 (existence is never revealed)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import Organization, OrganizationMember, User
from gateway.repository import users
from platformkit.errors import Conflict, NotFound

# Every call to a service carries the caller's memberships in its metadata (platformkit.rpc's
# MAX_METADATA_BYTES bounds it): a user joins at most this many organizations.
MAX_ORGANIZATIONS_PER_USER = 500


async def list_for_member(
    session: AsyncSession, user_id: uuid.UUID, skip: int, limit: int
) -> tuple[list[Organization], int]:
    mine = select(OrganizationMember.organization_id).where(OrganizationMember.user_id == user_id)
    count = await session.scalar(select(func.count()).select_from(mine.subquery())) or 0
    rows = await session.scalars(
        select(Organization)
        .where(Organization.id.in_(mine))
        .order_by(Organization.created_at, Organization.id)
        .offset(skip)
        .limit(limit)
    )
    return list(rows), count


async def _is_member(session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return await session.get(OrganizationMember, (organization_id, user_id)) is not None


async def get_visible(session: AsyncSession, organization_id: uuid.UUID, caller: User) -> Organization:
    """The organization if the caller is a member or an admin; 404 otherwise."""
    organization = await session.get(Organization, organization_id)
    if organization is None or not (caller.is_superuser or await _is_member(session, organization_id, caller.id)):
        raise NotFound("Organization not found")
    return organization


async def members_of(session: AsyncSession, organization_id: uuid.UUID) -> list[tuple[User, datetime]]:
    """Members with the time they joined, oldest first."""
    rows = await session.execute(
        select(User, OrganizationMember.created_at)
        .join(OrganizationMember, OrganizationMember.user_id == User.id)
        .where(OrganizationMember.organization_id == organization_id)
        .order_by(OrganizationMember.created_at, User.id)
    )
    return [(user, joined_at) for user, joined_at in rows.tuples()]


async def _ensure_room(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Refuse a join past MAX_ORGANIZATIONS_PER_USER. The user's row is locked first, so two joins
    at once cannot both take the last place."""
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())
    joined = await session.scalar(
        select(func.count()).select_from(OrganizationMember).where(OrganizationMember.user_id == user_id)
    )
    if joined >= MAX_ORGANIZATIONS_PER_USER:
        raise Conflict(f"A user belongs to at most {MAX_ORGANIZATIONS_PER_USER} organizations")


async def create(session: AsyncSession, name: str, creator: User) -> Organization:
    await _ensure_room(session, creator.id)
    organization = Organization(name=name)
    session.add(organization)
    await session.flush()
    session.add(OrganizationMember(organization_id=organization.id, user_id=creator.id))
    await session.flush()
    return organization


async def add_member(session: AsyncSession, organization: Organization, user_id: uuid.UUID) -> None:
    """Idempotent: adding a member twice leaves one membership (a retried request is harmless)."""
    await users.active_user(session, user_id, ("body", "user_id"))
    if await _is_member(session, organization.id, user_id):
        return
    await _ensure_room(session, user_id)
    await session.execute(
        insert(OrganizationMember)
        .values(organization_id=organization.id, user_id=user_id)
        .on_conflict_do_nothing(index_elements=[OrganizationMember.organization_id, OrganizationMember.user_id])
    )


async def remove_member(session: AsyncSession, organization: Organization, user_id: uuid.UUID) -> None:
    """Remove one membership; the last member stays, so the organization's data keeps an owner."""
    if not await _is_member(session, organization.id, user_id):
        raise NotFound("Member not found")
    members = await session.scalar(
        select(func.count())
        .select_from(OrganizationMember)
        .where(OrganizationMember.organization_id == organization.id)
    )
    if members == 1:
        raise Conflict("An organization keeps at least one member")
    await session.execute(
        delete(OrganizationMember).where(
            OrganizationMember.organization_id == organization.id, OrganizationMember.user_id == user_id
        )
    )
