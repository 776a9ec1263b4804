"""Users: admins manage everyone; every user reads and edits their own profile under /me."""

from __future__ import annotations

import uuid

from fastapi import HTTPException, status

from gateway import security
from gateway.clients import ServiceClients
from gateway.deps import (
    NOT_ENOUGH_PERMISSIONS,
    ClientsDep,
    CurrentSuperuser,
    CurrentUser,
    PageDep,
    PrincipalDep,
    PrincipalsDep,
    SessionDep,
)
from gateway.repository import users
from gateway.route_index import IndexedRouter
from gateway.schemas.common import Message
from gateway.schemas.users import UpdatePassword, UserCreate, UserPublic, UsersPublic, UserUpdate, UserUpdateMe
from platformkit.errors import Invalid
from platformkit.rpc import principal_metadata
from protos.common.v1 import common_pb2
from protos.exports.v1 import exports_pb2

router = IndexedRouter(prefix="/users", tags=["users"])


async def ensure_usable_configuration(
    clients: ServiceClients, principal: common_pb2.Principal, configuration_id: uuid.UUID
) -> None:
    """The exports service, which owns configurations, says whether the caller may use it."""
    request = exports_pb2.ResolveExportConfigurationsRequest(ids=[str(configuration_id)], any_visible=True)
    reply = await clients.exports.ResolveExportConfigurations(request, metadata=principal_metadata(principal))
    if str(configuration_id) not in reply.usable_ids:
        raise Invalid.at(("body", "export_configuration_id"), "Unknown export configuration, or not one you can use")


@router.get("/")
async def read_users(session: SessionDep, _: CurrentSuperuser, page: PageDep) -> UsersPublic:
    rows, count = await users.list_users(session, page.skip, page.limit)
    return UsersPublic(data=[UserPublic.model_validate(u) for u in rows], count=count)


@router.post("/")
async def create_user(session: SessionDep, _: CurrentSuperuser, body: UserCreate) -> UserPublic:
    user = await users.create_user(session, **body.model_dump())
    await session.commit()
    return UserPublic.model_validate(user)


# /me routes are declared before /{user_id} so that "me" is never read as an id.
@router.get("/me")
async def read_user_me(user: CurrentUser) -> UserPublic:
    return UserPublic.model_validate(user)


@router.patch("/me")
async def update_user_me(
    session: SessionDep,
    user: CurrentUser,
    body: UserUpdateMe,
    clients: ClientsDep,
    principal: PrincipalDep,
    principals: PrincipalsDep,
) -> UserPublic:
    """Change one's own name, email (409 when taken) or default export configuration (one the
    caller can see, personal or of one of their organizations: 422 otherwise; null clears it)."""
    if body.export_configuration_id is not None:
        await ensure_usable_configuration(clients, principal, body.export_configuration_id)
    await users.update_user(session, user, body.model_dump(exclude_unset=True))
    await principals.commit_change(session, user.id)
    return UserPublic.model_validate(user)


@router.patch("/me/password")
async def update_password_me(session: SessionDep, user: CurrentUser, body: UpdatePassword) -> Message:
    """Needs the current password, so a stolen token alone cannot take over the account."""
    ok, _ = await security.verify_password(body.current_password, user.hashed_password)
    if not ok:
        raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail="Incorrect password")
    if body.current_password == body.new_password:
        raise HTTPException(
            status_code=status.HTTP_400_BAD_REQUEST, detail="New password cannot be the same as the current one"
        )
    await users.update_user(session, user, {"password": body.new_password})
    await session.commit()
    return Message(message="Password updated successfully")


@router.get("/{user_id}")
async def read_user(session: SessionDep, caller: CurrentUser, user_id: uuid.UUID) -> UserPublic:
    """Admins read anyone; a user may read themselves."""
    if user_id != caller.id and not caller.is_superuser:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail=NOT_ENOUGH_PERMISSIONS)
    return UserPublic.model_validate(await users.get_user(session, user_id))


@router.patch("/{user_id}")
async def update_user(
    session: SessionDep, _: CurrentSuperuser, principals: PrincipalsDep, user_id: uuid.UUID, body: UserUpdate
) -> UserPublic:
    user = await users.get_user(session, user_id)
    await users.update_user(session, user, body.model_dump(exclude_unset=True))
    await principals.commit_change(session, user_id)
    return UserPublic.model_validate(user)


@router.delete("/{user_id}")
async def delete_user(
    session: SessionDep, caller: CurrentSuperuser, principals: PrincipalsDep, user_id: uuid.UUID
) -> Message:
    """Deletes the account and its memberships. Data owned in services keeps the id."""
    user = await users.get_user(session, user_id)
    if user.id == caller.id:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN, detail="Super users are not allowed to delete themselves"
        )
    await session.delete(user)
    await principals.commit_change(session, user_id)
    return Message(message="User deleted successfully")
