"""A gateway in-process on a freshly migrated database of the suite's PostgreSQL server.

The broker is the suite's real one; the services are not running, and their targets point at
free ports where nothing listens (never at a `make run` stack that might be up).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from devstack.ports import free_port
from gateway.app import create_app
from gateway.settings import GatewaySettings
from platformkit import migrations
from platformkit.settings import SERVICE_NAMES
from tests.support.passwords import CHEAP_HASHING
from tests.support.principals import key_settings

ADMIN_EMAIL = "root@example.com"
ADMIN_PASSWORD = "root-password-123"
USER_PASSWORD = "user-password-123"
API = "http://gateway.test/api/v1"

_emails = itertools.count()


async def migrated_database(new_database: Callable[[str], str]) -> str:
    url = new_database("gateway")
    # Alembic's env runs its own event loop (asyncio.run): keep it off the test loop's thread.
    await asyncio.to_thread(migrations.upgrade, "gateway", url)
    return url


@pytest.fixture
async def gateway_settings(engines, new_database) -> GatewaySettings:
    targets = {f"{name}_grpc_target": f"127.0.0.1:{free_port()}" for name in SERVICE_NAMES}
    return GatewaySettings(
        database_url=await migrated_database(new_database),
        secret_key="integration-test-secret-key-0123456789",
        first_superuser=ADMIN_EMAIL,
        first_superuser_password=ADMIN_PASSWORD,
        kafka_bootstrap_servers=engines.broker.bootstrap,
        grpc_deadline_seconds=2.0,
        health_check_timeout_seconds=1.5,
        db_pool_size=2,
        **targets,
        **key_settings("gateway"),
        **CHEAP_HASHING,
    )


def api_client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=API)


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan entered (startup done), and a client talking to it in-process."""
    async with app.router.lifespan_context(app), api_client(app) as http:
        yield http


@pytest.fixture
async def app(gateway_settings: GatewaySettings) -> AsyncIterator[FastAPI]:
    application = create_app(gateway_settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(app) as http:
        yield http


async def login(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await client.post("/login/access-token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def admin_headers(client: httpx.AsyncClient) -> dict[str, str]:
    return await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)


@dataclass
class Account:
    id: str
    email: str
    headers: dict[str, str]


NewUser = Callable[..., Awaitable[Account]]


@pytest.fixture
def new_user(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> NewUser:
    """Create a user through the admin API and log them in."""

    async def create(**fields: object) -> Account:
        body = {"email": f"user{next(_emails)}@example.com", "password": USER_PASSWORD, **fields}
        response = await client.post("/users/", json=body, headers=admin_headers)
        assert response.status_code == 200, response.text
        created = response.json()
        return Account(created["id"], created["email"], await login(client, created["email"], USER_PASSWORD))

    return create
