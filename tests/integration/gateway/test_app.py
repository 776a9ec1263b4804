"""The application frame: OpenAPI and docs, error handlers wired to the app, first superuser."""

from __future__ import annotations

import logging
from collections.abc import Callable

import grpc
import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select

from gateway.app import create_app
from gateway.models import User
from gateway.settings import GatewaySettings
from tests.integration.gateway.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, login, migrated_database, running
from tests.support.principals import key_settings

pytestmark = pytest.mark.timeout(120)


async def test_openapi_and_docs_are_served(client: httpx.AsyncClient) -> None:
    schema = await client.get("http://gateway.test/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/login/access-token",
        "/api/v1/users/",
        "/api/v1/organizations/",
        "/api/v1/utils/health-check/",
    ):
        assert path in paths
    assert (await client.get("http://gateway.test/docs")).status_code == 200


@pytest.fixture
def failing_routes(app: FastAPI) -> Callable[[str], str]:
    """Test-only routes raising a given failure the way a route calling a service would."""

    @app.get("/test/crash")
    async def crash() -> None:
        raise RuntimeError("boom")

    @app.get("/test/rpc/{code}")
    async def rpc_failure(code: str) -> None:
        trailing = grpc.aio.Metadata()
        raise grpc.aio.AioRpcError(grpc.StatusCode[code], grpc.aio.Metadata(), trailing, details="from the service")

    return lambda path: f"http://gateway.test/test/{path}"


async def test_unhandled_errors_are_a_logged_500(
    app: FastAPI, failing_routes: Callable[[str], str], caplog: pytest.LogCaptureFixture
) -> None:
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport) as http:
        with caplog.at_level(logging.ERROR, logger="gateway.errors"):
            response = await http.get(failing_routes("crash"))
    assert (response.status_code, response.json()) == (500, {"detail": "Internal Server Error"})
    assert "GET /test/crash (trace" in caplog.text
    assert "boom" in caplog.text


@pytest.mark.parametrize(
    ("code", "status", "detail"),
    [
        ("NOT_FOUND", 404, "from the service"),
        ("UNAVAILABLE", 503, "Service temporarily unavailable, retry later"),
    ],
)
async def test_service_errors_reach_the_client_mapped(
    client: httpx.AsyncClient, failing_routes: Callable[[str], str], code: str, status: int, detail: str
) -> None:
    response = await client.get(failing_routes(f"rpc/{code}"))
    assert (response.status_code, response.json()) == (status, {"detail": detail})


async def test_first_superuser_is_created_once_and_never_overwritten(
    gateway_settings: GatewaySettings, caplog: pytest.LogCaptureFixture
) -> None:
    # Two starts on one database, the second with another password in its settings.
    restarted = gateway_settings.model_copy(update={"first_superuser_password": SecretStr("changed-password")})
    with caplog.at_level(logging.INFO, logger="gateway.app"):
        for settings in (gateway_settings, restarted):
            app = create_app(settings)
            async with running(app) as http:
                await login(http, ADMIN_EMAIL, ADMIN_PASSWORD)
                async with app.state.sessions() as session:
                    superusers = (await session.scalars(select(User).where(User.email == ADMIN_EMAIL))).all()
                assert [u.is_superuser for u in superusers] == [True]
    assert caplog.text.count("created the first superuser") == 1


async def test_default_secrets_are_shouted_at_start(
    engines, new_database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("SECRET_KEY", "FIRST_SUPERUSER", "FIRST_SUPERUSER_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    settings = GatewaySettings(database_url=await migrated_database(new_database), **key_settings("gateway"))
    with caplog.at_level(logging.WARNING, logger="gateway.app"):
        async with running(create_app(settings)) as http:
            await login(http, "admin@example.com", "changethis")
    assert "SECRET_KEY is not set" in caplog.text
    assert "changethis" in caplog.text
