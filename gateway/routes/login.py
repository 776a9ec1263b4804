"""OAuth2 password flow: trade email and password for a bearer token.

A deactivated account with the right password gets 400 "Inactive user" (as in the FastAPI
full-stack template): the caller proved who they are, so saying why costs nothing, while a
wrong email or password is always the same 401.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm

from gateway import security
from gateway.deps import CurrentUser, SessionDep, SettingsDep
from gateway.repository import users
from gateway.schemas.login import Token
from gateway.schemas.users import UserPublic

router = APIRouter(tags=["login"])


@router.post("/login/access-token")
async def login_access_token(
    session: SessionDep, settings: SettingsDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Token:
    """OAuth2-compatible token login: ``username`` is the email."""
    user = await users.authenticate(session, form.username, form.password)
    if user is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect email or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not user.is_active:
        raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail="Inactive user")
    lifetime = timedelta(minutes=settings.access_token_expire_minutes)
    token = security.create_access_token(user.id, settings.secret_key.get_secret_value(), lifetime)
    return Token(access_token=token, expires_in=int(lifetime.total_seconds()))


@router.post("/login/test-token")
async def test_token(user: CurrentUser) -> UserPublic:
    """The token's user: a cheap way for clients to check a token."""
    return UserPublic.model_validate(user)
