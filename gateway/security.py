"""Password hashing (argon2 via pwdlib) and access tokens (HS256 JWT via PyJWT).

Hashing costs tens of milliseconds of CPU on purpose, so the async helpers run it in a worker
thread instead of stalling every other request on the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

ALGORITHM = "HS256"

_password_hash = PasswordHash((Argon2Hasher(),))
# Verified against when the email is unknown, so a miss costs as much time as a wrong password
# and response times do not reveal which addresses have accounts. Made on first use.
_dummy_hash: str | None = None


def use_password_cost(memory_kib: int, iterations: int) -> None:
    """Hash new passwords with this argon2id cost (settings PASSWORD_HASH_MEMORY_KIB and
    PASSWORD_HASH_ITERATIONS); a stored hash of another cost still verifies and is upgraded."""
    global _password_hash, _dummy_hash
    _password_hash = PasswordHash((Argon2Hasher(memory_cost=memory_kib, time_cost=iterations),))
    _dummy_hash = None


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _password_hash.hash("dummy password for timing")
    return _dummy_hash


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_password_hash.hash, password)


async def verify_password(password: str, hashed: str | None) -> tuple[bool, str | None]:
    """Whether ``password`` matches, and a new hash when the stored one uses outdated parameters.

    ``hashed=None`` (unknown user) always fails, after the same amount of work.
    """
    if hashed is None:
        await asyncio.to_thread(lambda: _password_hash.verify(password, _dummy()))
        return False, None
    return await asyncio.to_thread(_password_hash.verify_and_update, password, hashed)


def create_access_token(subject: uuid.UUID, secret_key: str, expires_delta: timedelta) -> str:
    expire = datetime.now(UTC) + expires_delta
    return jwt.encode({"sub": str(subject), "exp": expire}, secret_key, algorithm=ALGORITHM)


@dataclass(frozen=True)
class TokenPayload:
    user_id: uuid.UUID
    expires_at: datetime


# Verified tokens, so that a client's every request does not check the same signature again (it
# was 5% of a header request's gateway CPU). Bounded: an evicted token is simply verified anew.
VERIFIED_TOKENS_CACHED = 4096


def decode_access_token(token: str, secret_key: str) -> TokenPayload:
    """The token's claims; raises ``jwt.InvalidTokenError`` when it is malformed, forged or expired.

    The signature and claims of a token are checked once; its expiry on every call, as PyJWT
    checks it (expired from the ``exp`` second on)."""
    payload = _verified(token, secret_key)
    if datetime.now(UTC) >= payload.expires_at:
        raise jwt.ExpiredSignatureError("Signature has expired")
    return payload


@functools.lru_cache(maxsize=VERIFIED_TOKENS_CACHED)
def _verified(token: str, secret_key: str) -> TokenPayload:
    # Only answers are cached: a token that fails raises, and is checked again next time.
    claims = jwt.decode(token, secret_key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
    try:
        user_id = uuid.UUID(claims["sub"])
    except (ValueError, TypeError, AttributeError) as exc:
        raise jwt.InvalidTokenError("sub is not a user id") from exc
    return TokenPayload(user_id=user_id, expires_at=datetime.fromtimestamp(claims["exp"], UTC))
