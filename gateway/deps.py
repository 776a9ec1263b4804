"""FastAPI dependencies routes declare as annotated parameters.

- ``SessionDep``: an ``AsyncSession`` on the gateway database (the route commits);
  ``SessionsDep``: its factory, for routes that need a session only sometimes.
- ``SettingsDep``: the process's :class:`GatewaySettings`.
- ``TokenDep``: the raw bearer token (401 "Not authenticated" when absent).
- ``CurrentUser`` / ``CurrentSuperuser``: the authenticated, active user (403 when not an admin).
- ``PrincipalDep``: the caller as a ``common.v1.Principal`` for service calls, e.g.
  ``await clients.shootings.GetShooting(req, metadata=principal_metadata(principal))``; served by
  the principal cache (:mod:`gateway.principals`), so it costs no database round trip.
- ``PrincipalsDep``: the principal cache itself; routes that change who someone is (account,
  memberships) commit through ``await principals.commit_change(session, user_id)``, which answers
  once every replica has been told (see gateway.principals).
- ``ClientsDep``: the gRPC stubs (:class:`gateway.clients.ServiceClients`).
- ``PageDep``: ``skip`` (0..2**31-1, default 0) and ``limit`` (0..1000, default 100) query parameters.
- ``OrganizationQuery`` (and its described forms ``MemberOrganizationQuery``,
  ``CatalogOrganizationQuery``): the optional ``organization_id`` query parameter.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway import security
from gateway.clients import ServiceClients
from gateway.models import User
from gateway.principals import PrincipalCache
from gateway.settings import GatewaySettings
from protos.common.v1 import common_pb2

TOKEN_URL = "/api/v1/login/access-token"
MAX_PAGE_SIZE = 1000
# The services page with int32 (common.v1.PageRequest): beyond it a skip could only fail, as a 500.
MAX_SKIP = 2**31 - 1

NOT_ENOUGH_PERMISSIONS = "Not enough permissions"

oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        yield session


async def get_sessions(request: Request) -> async_sessionmaker[AsyncSession]:
    return request.app.state.sessions  # type: ignore[no-any-return]


async def get_settings(request: Request) -> GatewaySettings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_clients(request: Request) -> ServiceClients:
    return request.app.state.clients  # type: ignore[no-any-return]


SessionDep = Annotated[AsyncSession, Depends(get_session)]
# For routes that reach the database only sometimes: a session costs its opening and closing.
SessionsDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessions)]
SettingsDep = Annotated[GatewaySettings, Depends(get_settings)]
ClientsDep = Annotated[ServiceClients, Depends(get_clients)]
TokenDep = Annotated[str, Depends(oauth2_scheme)]


def _invalid_credentials() -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Could not validate credentials",
        headers={"WWW-Authenticate": "Bearer"},
    )


def _token_user_id(token: str, settings: GatewaySettings) -> uuid.UUID:
    try:
        return security.decode_access_token(token, settings.secret_key.get_secret_value()).user_id
    except jwt.InvalidTokenError as exc:
        raise _invalid_credentials() from exc


def _inactive_user() -> HTTPException:
    return HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail="Inactive user")


async def get_current_user(session: SessionDep, token: TokenDep, settings: SettingsDep) -> User:
    """The token's user. A forged, expired or orphaned token (user deleted) is a 401; a
    deactivated account is 400 "Inactive user", as at login (see routes/login.py)."""
    user = await session.get(User, _token_user_id(token, settings))
    if user is None:
        raise _invalid_credentials()
    if not user.is_active:
        raise _inactive_user()
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_current_superuser(user: CurrentUser) -> User:
    if not user.is_superuser:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail=NOT_ENOUGH_PERMISSIONS)
    return user


CurrentSuperuser = Annotated[User, Depends(get_current_superuser)]


async def get_principals(request: Request) -> PrincipalCache:
    return request.app.state.principals  # type: ignore[no-any-return]


async def principal_of(token: str, settings: GatewaySettings, principals: PrincipalCache) -> common_pb2.Principal:
    """Who the services see, answered as :func:`get_current_user` answers (401, 400 "Inactive
    user"), from the principal cache: no database round trip while the caller's identity is
    unchanged, and a change applies to the next request (gateway.principals)."""
    identity = await principals.identity(_token_user_id(token, settings))
    if identity is None:
        raise _invalid_credentials()
    if not identity.is_active:
        raise _inactive_user()
    return identity.principal()


PrincipalsDep = Annotated[PrincipalCache, Depends(get_principals)]


async def get_principal(request: Request, token: TokenDep) -> common_pb2.Principal:
    """The settings and the cache come off the app's state, not as dependencies of their own:
    FastAPI spends about 25 us resolving each dependency, and nearly every request has this one."""
    state = request.app.state
    return await principal_of(token, state.settings, state.principals)


PrincipalDep = Annotated[common_pb2.Principal, Depends(get_principal)]


@dataclass(frozen=True)
class Page:
    skip: int
    limit: int

    def to_pb(self) -> common_pb2.PageRequest:
        """The page as every service's list calls take it."""
        return common_pb2.PageRequest(skip=self.skip, limit=self.limit)


async def get_page(
    skip: Annotated[int, Query(ge=0, le=MAX_SKIP)] = 0,
    limit: Annotated[int, Query(ge=0, le=MAX_PAGE_SIZE)] = 100,
) -> Page:
    return Page(skip=skip, limit=limit)


PageDep = Annotated[Page, Depends(get_page)]

# The optional ``organization_id`` query parameter that scopes a list (or a read) to one of the
# caller's organizations; the services check the membership (403). One parameter, declared here
# once; the catalog and exports routes carry a description in the public OpenAPI document and the
# others none, so each wording has its own name.
OrganizationQuery = Annotated[uuid.UUID | None, Query()]
MemberOrganizationQuery = Annotated[uuid.UUID | None, Query(description="The organization's (a member's)")]
CatalogOrganizationQuery = Annotated[uuid.UUID | None, Query(description="The organization's catalog (a member's)")]
