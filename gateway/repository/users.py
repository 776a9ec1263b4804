"""Users: lookup, listing, creation and updates, authentication, the first superuser."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import security
from gateway.models import User
from platformkit.db import any_of, array_parameter
from platformkit.direct_reads import RowReader
from platformkit.errors import Conflict, Invalid, NotFound
from platformkit.row_versions import read_version, rows_version, version_read

log = logging.getLogger(__name__)

EMAIL_TAKEN = "The user with this email already exists in the system"


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("User not found")
    return user


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email.lower()))


async def users_by_ids(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, User]:
    """Users by id in one query (for composing ``UserSummary`` objects into service answers)."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.scalars(select(User).where(User.id.in_(wanted)))
    return {user.id: user for user in rows}


_USERS = User.__table__
_USERS_VERSION = version_read(rows_version(_USERS, any_of(_USERS.c.id, array_parameter("ids", _USERS.c.id))))


async def users_version(rows: RowReader, ids: Collection[uuid.UUID]) -> str:
    """The version (:mod:`platformkit.row_versions`) of what :func:`users_by_ids` reads for
    ``ids`` (none, no statement, when there are none)."""
    return await read_version(rows, _USERS_VERSION, ids=list(ids)) if ids else ""


async def active_user(session: AsyncSession, user_id: uuid.UUID, loc: tuple[str, ...]) -> User:
    """A user a request body names (an organization member, a stylist...): 422 at ``loc`` when unknown or inactive."""
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        raise Invalid.at(loc, "User not found or inactive")
    return user


async def list_users(session: AsyncSession, skip: int, limit: int) -> tuple[list[User], int]:
    count = await session.scalar(select(func.count()).select_from(User)) or 0
    rows = await session.scalars(select(User).order_by(User.created_at, User.id).offset(skip).limit(limit))
    return list(rows), count


async def _ensure_email_free(session: AsyncSession, email: str, owner: uuid.UUID | None = None) -> None:
    existing = await get_user_by_email(session, email)
    if existing is not None and existing.id != owner:
        raise Conflict(EMAIL_TAKEN)


async def _flush(session: AsyncSession) -> None:
    """Flush, turning a concurrent insert of the same email (unique constraint) into a 409."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(EMAIL_TAKEN) from exc


async def create_user(session: AsyncSession, *, email: str, password: str, **fields: Any) -> User:
    await _ensure_email_free(session, email)
    user = User(email=email.lower(), hashed_password=await security.hash_password(password), **fields)
    session.add(user)
    await _flush(session)
    return user


async def update_user(session: AsyncSession, user: User, changes: dict[str, Any]) -> User:
    """Apply a partial update; ``password`` is hashed, ``email`` must stay unique."""
    changes = dict(changes)
    if "email" in changes:
        changes["email"] = changes["email"].lower()
        await _ensure_email_free(session, changes["email"], owner=user.id)
    if "password" in changes:
        changes["hashed_password"] = await security.hash_password(changes.pop("password"))
    for key, value in changes.items():
        setattr(user, key, value)
    await _flush(session)
    return user


async def authenticate(session: AsyncSession, email: str, password: str) -> User | None:
    """The user owning these credentials, or None. Upgrades the stored hash when pwdlib asks to."""
    user = await get_user_by_email(session, email)
    ok, new_hash = await security.verify_password(password, user.hashed_password if user else None)
    if not ok or user is None:
        return None
    if new_hash is not None:
        user.hashed_password = new_hash
        await session.commit()
    return user


async def ensure_superuser(session: AsyncSession, email: str, password: str) -> bool:
    """Create the superuser unless a user with that email exists; True when it was created.

    Idempotent and safe when several gateway replicas start at once (INSERT ... ON CONFLICT DO
    NOTHING). An existing account is left untouched, so a changed FIRST_SUPERUSER_PASSWORD never
    overwrites a password set through the API.
    """
    if await get_user_by_email(session, email) is not None:
        return False
    hashed = await security.hash_password(password)
    statement = (
        insert(User)
        .values(id=uuid.uuid4(), email=email.lower(), hashed_password=hashed, is_superuser=True, is_active=True)
        .on_conflict_do_nothing(index_elements=[User.email])
        .returning(User.id)
    )
    created = (await session.execute(statement)).scalar_one_or_none()
    await session.commit()
    return created is not None
