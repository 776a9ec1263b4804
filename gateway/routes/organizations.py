"""Organizations: visible to their members and to admins (404 for anyone else); any member or
an admin may add and remove members."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.deps import CurrentUser, PageDep, PrincipalsDep, SessionDep
from gateway.models import Organization
from gateway.repository import organizations
from gateway.route_index import IndexedRouter
from gateway.schemas.common import Message
from gateway.schemas.organizations import (
    MemberAdd,
    OrganizationCreate,
    OrganizationMemberPublic,
    OrganizationPublic,
    OrganizationsPublic,
    OrganizationWithMembers,
)

router = IndexedRouter(prefix="/organizations", tags=["organizations"])


async def _with_members(session: AsyncSession, organization: Organization) -> OrganizationWithMembers:
    members = [
        OrganizationMemberPublic(user_id=user.id, email=user.email, full_name=user.full_name, joined_at=joined_at)
        for user, joined_at in await organizations.members_of(session, organization.id)
    ]
    return OrganizationWithMembers(**OrganizationPublic.model_validate(organization).model_dump(), members=members)


@router.get("/")
async def read_organizations(session: SessionDep, user: CurrentUser, page: PageDep) -> OrganizationsPublic:
    """The caller's organizations (admins included: "mine", not "all")."""
    rows, count = await organizations.list_for_member(session, user.id, page.skip, page.limit)
    return OrganizationsPublic(data=[OrganizationPublic.model_validate(o) for o in rows], count=count)


@router.post("/")
async def create_organization(
    session: SessionDep, user: CurrentUser, principals: PrincipalsDep, body: OrganizationCreate
) -> OrganizationWithMembers:
    """The creator becomes the first member."""
    organization = await organizations.create(session, body.name, user)
    await principals.commit_change(session, user.id)
    return await _with_members(session, organization)


@router.get("/{organization_id}")
async def read_organization(
    session: SessionDep, user: CurrentUser, organization_id: uuid.UUID
) -> OrganizationWithMembers:
    organization = await organizations.get_visible(session, organization_id, user)
    return await _with_members(session, organization)


@router.post("/{organization_id}/members")
async def add_member(
    session: SessionDep, user: CurrentUser, principals: PrincipalsDep, organization_id: uuid.UUID, body: MemberAdd
) -> OrganizationWithMembers:
    """Idempotent: adding an existing member answers 200 with the unchanged member list."""
    organization = await organizations.get_visible(session, organization_id, user)
    await organizations.add_member(session, organization, body.user_id)
    await principals.commit_change(session, body.user_id)
    return await _with_members(session, organization)


@router.delete("/{organization_id}/members/{user_id}")
async def remove_member(
    session: SessionDep, user: CurrentUser, principals: PrincipalsDep, organization_id: uuid.UUID, user_id: uuid.UUID
) -> Message:
    """A member may also remove themselves (leave); the last member cannot be removed (409)."""
    organization = await organizations.get_visible(session, organization_id, user)
    await organizations.remove_member(session, organization, user_id)
    await principals.commit_change(session, user_id)
    return Message(message="Member removed")
