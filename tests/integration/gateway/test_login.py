"""Login, token checks and the authentication messages."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import httpx
import jwt
import pytest

from gateway import security
from gateway.settings import GatewaySettings
from tests.integration.gateway.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, USER_PASSWORD, NewUser

pytestmark = pytest.mark.timeout(120)


async def test_login_returns_a_bearer_token_for_one_hour(client: httpx.AsyncClient) -> None:
    response = await client.post("/login/access-token", data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 200
    token = response.json()
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 3600
    claims = jwt.decode(token["access_token"], options={"verify_signature": False})
    assert abs(claims["exp"] - time.time() - 3600) < 30

    me = await client.post("/login/test-token", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == ADMIN_EMAIL
    assert me.json()["role"]["name"] == "ADMIN"


async def test_email_is_case_insensitive(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/login/access-token", data={"username": ADMIN_EMAIL.upper(), "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("username", "password"), [(ADMIN_EMAIL, "wrong-password"), ("nobody@example.com", ADMIN_PASSWORD)]
)
async def test_wrong_credentials_are_one_401(client: httpx.AsyncClient, username: str, password: str) -> None:
    response = await client.post("/login/access-token", data={"username": username, "password": password})
    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect email or password"}


async def test_missing_token_is_not_authenticated(client: httpx.AsyncClient) -> None:
    response = await client.get("/users/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Not authenticated"}
    assert response.headers["www-authenticate"] == "Bearer"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _me_with(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/login/test-token", headers=_bearer(token))


async def test_expired_token_is_refused(
    client: httpx.AsyncClient, gateway_settings: GatewaySettings, new_user: NewUser
) -> None:
    account = await new_user()
    secret = gateway_settings.secret_key.get_secret_value()
    fresh = security.create_access_token(uuid.UUID(account.id), secret, timedelta(minutes=1))
    expired = security.create_access_token(uuid.UUID(account.id), secret, timedelta(seconds=-1))
    assert (await _me_with(client, fresh)).status_code == 200
    response = await _me_with(client, expired)
    assert response.status_code == 401
    assert response.json() == {"detail": "Could not validate credentials"}


@pytest.mark.parametrize("make_token", ["garbage", "forged", "unknown_user"])
async def test_bad_tokens_cannot_be_validated(
    client: httpx.AsyncClient, gateway_settings: GatewaySettings, make_token: str
) -> None:
    secret = gateway_settings.secret_key.get_secret_value()
    token = {
        "garbage": "not.a.jwt",
        "forged": security.create_access_token(
            uuid.uuid4(), "some-other-secret-key-of-enough-length", timedelta(hours=1)
        ),
        "unknown_user": security.create_access_token(uuid.uuid4(), secret, timedelta(hours=1)),
    }[make_token]
    response = await _me_with(client, token)
    assert response.status_code == 401
    assert response.json() == {"detail": "Could not validate credentials"}


async def test_deleted_users_token_stops_working(
    client: httpx.AsyncClient, admin_headers: dict[str, str], new_user: NewUser
) -> None:
    account = await new_user()
    assert (await client.delete(f"/users/{account.id}", headers=admin_headers)).status_code == 200
    response = await client.get("/users/me", headers=account.headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Could not validate credentials"}


async def test_inactive_user_can_neither_log_in_nor_use_a_token(
    client: httpx.AsyncClient, admin_headers: dict[str, str], new_user: NewUser
) -> None:
    account = await new_user()
    deactivated = await client.patch(f"/users/{account.id}", json={"is_active": False}, headers=admin_headers)
    assert deactivated.status_code == 200

    login = await client.post("/login/access-token", data={"username": account.email, "password": USER_PASSWORD})
    assert login.status_code == 400
    assert login.json() == {"detail": "Inactive user"}
    me = await client.get("/users/me", headers=account.headers)
    assert me.status_code == 400
    assert me.json() == {"detail": "Inactive user"}


async def test_non_admin_is_told_not_enough_permissions(client: httpx.AsyncClient, new_user: NewUser) -> None:
    account = await new_user()
    response = await client.get("/users/", headers=account.headers)
    assert response.status_code == 403
    assert response.json() == {"detail": "Not enough permissions"}
