"""Password hashing and access tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from gateway import security

SECRET = "unit-test-secret-key-with-enough-bytes"


async def test_hash_verifies_only_the_right_password() -> None:
    hashed = await security.hash_password("correct horse")
    assert hashed.startswith("$argon2")
    assert (await security.verify_password("correct horse", hashed))[0] is True
    assert (await security.verify_password("wrong horse", hashed))[0] is False


async def test_the_cost_is_a_setting_and_hashes_of_another_cost_still_verify_and_are_upgraded() -> None:
    try:
        security.use_password_cost(1024, 1)
        cheap = await security.hash_password("correct horse")
        assert "$m=1024,t=1," in cheap
        security.use_password_cost(65536, 3)
        strong = await security.hash_password("correct horse")
        assert "$m=65536,t=3," in strong
        ok, upgraded = await security.verify_password("correct horse", cheap)
        assert ok and upgraded is not None and "$m=65536,t=3," in upgraded
        assert await security.verify_password("correct horse", strong) == (True, None)
    finally:
        security.use_password_cost(65536, 3)


async def test_unknown_user_never_verifies() -> None:
    assert await security.verify_password("anything", None) == (False, None)


def test_token_round_trip_carries_the_user_and_expiry() -> None:
    user_id = uuid.uuid4()
    token = security.create_access_token(user_id, SECRET, timedelta(hours=1))
    payload = security.decode_access_token(token, SECRET)
    assert payload.user_id == user_id
    assert abs((payload.expires_at - datetime.now(UTC)) - timedelta(hours=1)) < timedelta(seconds=5)


def test_expired_token_is_refused() -> None:
    token = security.create_access_token(uuid.uuid4(), SECRET, timedelta(seconds=-1))
    with pytest.raises(jwt.ExpiredSignatureError):
        security.decode_access_token(token, SECRET)


def test_token_signed_with_another_key_is_refused() -> None:
    token = security.create_access_token(uuid.uuid4(), "another-secret-key-with-enough-bytes", timedelta(hours=1))
    with pytest.raises(jwt.InvalidSignatureError):
        security.decode_access_token(token, SECRET)


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "not-a-uuid", "exp": datetime.now(UTC) + timedelta(hours=1)},
        {"sub": str(uuid.uuid4())},
        {"exp": datetime.now(UTC) + timedelta(hours=1)},
    ],
)
def test_tokens_without_a_valid_subject_or_expiry_are_refused(claims: dict[str, object]) -> None:
    token = jwt.encode(claims, SECRET, algorithm=security.ALGORITHM)
    with pytest.raises(jwt.InvalidTokenError):
        security.decode_access_token(token, SECRET)


def test_unsigned_tokens_are_refused() -> None:
    token = jwt.encode({"sub": str(uuid.uuid4()), "exp": datetime.now(UTC) + timedelta(hours=1)}, None, "none")
    with pytest.raises(jwt.InvalidTokenError):
        security.decode_access_token(token, SECRET)


def test_a_verified_token_is_refused_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    """Verified tokens are remembered, their expiry is not: the next use after ``exp`` fails."""
    user_id = uuid.uuid4()
    token = security.create_access_token(user_id, SECRET, timedelta(minutes=5))
    assert security.decode_access_token(token, SECRET).user_id == user_id

    later = datetime.now(UTC) + timedelta(minutes=6)

    class _Later(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def,override]
            return later

    monkeypatch.setattr(security, "datetime", _Later)
    with pytest.raises(jwt.ExpiredSignatureError):
        security.decode_access_token(token, SECRET)


def test_a_remembered_token_is_still_refused_under_another_key() -> None:
    token = security.create_access_token(uuid.uuid4(), SECRET, timedelta(hours=1))
    security.decode_access_token(token, SECRET)
    with pytest.raises(jwt.InvalidSignatureError):
        security.decode_access_token(token, "another-secret-key-with-enough-bytes")
