"""Login, token checks and the authentication messages."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
import jwt
import pytest
from fastapi import FastAPI

from gateway import security
from gateway.app import create_app
from gateway.settings import GatewaySettings
from tests.integration.gateway.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, API, USER_PASSWORD, NewUser

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


# -- throttling: several apps on one database stand for several gateway replicas -----------------


@asynccontextmanager
async def throttled_gateway(settings: GatewaySettings, **limits: object) -> AsyncIterator[FastAPI]:
    """The gateway with other login limits, on ``settings``' database (started, then stopped)."""
    app = create_app(settings.model_copy(update=limits))
    async with app.router.lifespan_context(app):
        yield app


def client_from(app: FastAPI, address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app, client=(address, 40000)), base_url=API)


async def log_in(client: httpx.AsyncClient, email: str, password: str = "wrong-password-1") -> httpx.Response:
    return await client.post("/login/access-token", data={"username": email, "password": password})


@asynccontextmanager
async def three_tries_per_account(settings: GatewaySettings, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client at ``address`` of a gateway that allows three failures per account."""
    async with (
        throttled_gateway(settings, login_max_failures_per_account=3) as app,
        client_from(app, address) as client,
    ):
        yield client


async def test_failed_logins_for_one_account_are_throttled_alike_whether_it_exists_or_not(
    gateway_settings: GatewaySettings, new_user: NewUser
) -> None:
    existing = (await new_user()).email
    async with three_tries_per_account(gateway_settings, "203.0.113.10") as client:
        for email in (existing, "nobody-here@example.com"):
            assert [(await log_in(client, email)).status_code for _ in range(3)] == [401, 401, 401]
            refused = await log_in(client, email)
            assert refused.status_code == 429
            assert refused.json() == {"detail": "Too many failed login attempts; retry later"}
            assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
        # Even the right password waits: the throttle answers before any password is checked.
        assert (await log_in(client, existing, USER_PASSWORD)).status_code == 429


async def test_a_successful_login_resets_the_accounts_count(
    gateway_settings: GatewaySettings, new_user: NewUser
) -> None:
    email = (await new_user()).email
    async with three_tries_per_account(gateway_settings, "203.0.113.11") as client:
        statuses = [(await log_in(client, email)).status_code for _ in range(2)]
        statuses.append((await log_in(client, email, USER_PASSWORD)).status_code)
        statuses += [(await log_in(client, email)).status_code for _ in range(4)]
    assert statuses == [401, 401, 200, 401, 401, 401, 429]


async def test_failures_from_one_address_are_throttled_across_accounts_and_replicas(
    gateway_settings: GatewaySettings,
) -> None:
    limits = {"login_max_failures_per_account": 100, "login_max_failures_per_address": 4}
    async with (
        throttled_gateway(gateway_settings, **limits) as one,
        throttled_gateway(gateway_settings, **limits) as two,
    ):
        async with client_from(one, "198.51.100.7") as first, client_from(two, "198.51.100.7") as second:
            # Two replicas, one count: failures on either add up.
            statuses = [
                (await log_in(c, f"guess{n}@example.com")).status_code for n, c in enumerate([first, second] * 2)
            ]
            assert statuses == [401, 401, 401, 401]
            assert (await log_in(second, "another@example.com")).status_code == 429
            assert (await log_in(first, ADMIN_EMAIL, ADMIN_PASSWORD)).status_code == 429
        async with client_from(one, "198.51.100.8") as elsewhere:
            assert (await log_in(elsewhere, ADMIN_EMAIL, ADMIN_PASSWORD)).status_code == 200


async def test_guesses_sent_in_parallel_all_count(gateway_settings: GatewaySettings, new_user: NewUser) -> None:
    email = (await new_user()).email
    async with (
        throttled_gateway(gateway_settings, login_max_failures_per_account=5) as app,
        client_from(app, "203.0.113.12") as client,
    ):
        answers = await asyncio.gather(*(log_in(client, email) for _ in range(12)))
    assert sorted(a.status_code for a in answers) == [401] * 5 + [429] * 7
