"""OAuth2 password flow: trade email and password for a bearer token.

A deactivated account with the right password gets 400 "Inactive user" (as in the FastAPI
full-stack template): the caller proved who they are, so saying why costs nothing, while a
wrong email or password is always the same 401.

Failed logins are throttled per account and per client address (:mod:`gateway.login_throttle`):
beyond the limits the answer is 429 with ``Retry-After`` before any password is checked, the
same for accounts that exist and for those that do not.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from gateway import login_throttle, security
from gateway.deps import CurrentUser, SessionDep, SettingsDep
from gateway.errors import too_many_requests
from gateway.repository import users
from gateway.route_index import IndexedRouter
from gateway.schemas.login import Token
from gateway.schemas.users import UserPublic

router = IndexedRouter(tags=["login"])


def client_address(request: Request) -> str:
    """The client's address: behind the edge, the one Envoy saw (uvicorn reads it from
    ``X-Forwarded-For`` when the peer is a trusted proxy, ``FORWARDED_ALLOW_IPS``)."""
    return request.client.host[:64] if request.client else login_throttle.UNKNOWN_ADDRESS


@router.post(
    "/login/access-token",
    responses=too_many_requests("Too many failed logins for this account or from this client address"),
)
async def login_access_token(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> Token:
    """OAuth2-compatible token login: ``username`` is the email."""
    throttle: login_throttle.LoginThrottle = request.app.state.login_throttle
    account = login_throttle.account_key(form.username)
    verdict = await throttle.begin(account, client_address(request))
    if verdict.retry_after is not None:
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail=login_throttle.TOO_MANY_ATTEMPTS,
            headers={"Retry-After": str(verdict.retry_after)},
        )
    user = await users.authenticate(session, form.username, form.password)
    if user is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect email or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    await throttle.succeeded(account)
    if not user.is_active:
        raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail="Inactive user")
    lifetime = timedelta(minutes=settings.access_token_expire_minutes)
    token = security.create_access_token(user.id, settings.secret_key.get_secret_value(), lifetime)
    return Token(access_token=token, expires_in=int(lifetime.total_seconds()))


@router.post("/login/test-token")
async def test_token(user: CurrentUser) -> UserPublic:
    """The token's user: a cheap way for clients to check a token."""
    return UserPublic.model_validate(user)
