"""The gateway's own pages, in process (no lifespan, nothing connected): /docs and /redoc name
only assets the gateway serves itself, the operation ids generated clients name functions after,
and the review console's files with their security headers (503 until built)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from gateway.app import create_app
from gateway.docs import ASSETS_PATH, operation_id
from gateway.settings import GatewaySettings

# src="..." and href="..." of a page, and any absolute URL in its inline script.
ATTRIBUTE_URL = re.compile(r"""(?:src|href)=["']([^"']+)["']""")
ABSOLUTE_URL = re.compile(r"""["'](?:https?:)?//[^"']+["']""")


@pytest.fixture(scope="module")
def app_with_console() -> Callable[[Path], FastAPI]:
    def build(console_dir: Path) -> FastAPI:
        return create_app(GatewaySettings(database_url="postgresql+asyncpg://unused/unused", console_dir=console_dir))

    return build


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test")


@pytest.mark.parametrize(("page", "assets"), [("/docs", 3), ("/redoc", 2)])
async def test_docs_pages_load_only_assets_the_gateway_serves(app_with_console, tmp_path, page, assets) -> None:
    async with client(app_with_console(tmp_path)) as http:
        response = await http.get(page)
        html = response.text
        assert not ABSOLUTE_URL.search(html), f"{page} names another host"
        # What the bundles themselves would fetch (ReDoc's vendor logo) the browser refuses.
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "img-src 'self' data:" in policy
        urls = ATTRIBUTE_URL.findall(html)
        assert len(urls) == assets and all(url.startswith(ASSETS_PATH + "/") for url in urls), urls
        for url in urls:
            asset = await http.get(url)
            assert asset.status_code == 200 and len(asset.content) > 1000, url
        script = await http.get(urls[-1])
        # Chromium misreads a large bundle sent without a charset.
        content_type = script.headers["content-type"]
        assert content_type.startswith("text/javascript") and "utf-8" in content_type
        assert "SwaggerUIBundle" in script.text or "Redoc" in script.text


async def test_swagger_ui_asks_no_online_validator(app_with_console, tmp_path) -> None:
    async with client(app_with_console(tmp_path)) as http:
        html = (await http.get("/docs")).text
    assert '"validatorUrl": null' in html


def test_operation_ids_are_the_summaries_and_unique(app_with_console, tmp_path) -> None:
    document = app_with_console(tmp_path).openapi()
    operations = [op for item in document["paths"].values() for op in item.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    by_summary = {op["summary"]: op["operationId"] for op in operations}
    assert by_summary["Approve Shot"] == "approve_shot"
    assert by_summary["Update Shooting (partial)"] == "update_shooting_partial"
    assert by_summary["Read Production Requests"] == "read_production_requests"


def test_an_operation_without_summary_is_named_after_its_function() -> None:
    route = type("Route", (), {"summary": None, "name": "read_organizations"})()
    assert operation_id(route) == "read_organizations"  # type: ignore[arg-type]


async def test_console_answers_503_with_the_build_command_until_built(app_with_console, tmp_path) -> None:
    async with client(app_with_console(tmp_path / "dist")) as http:
        for path in ("/console/", "/console/console.js"):
            response = await http.get(path)
            assert response.status_code == 503 and "make console" in response.text


async def test_console_files_are_served_with_a_same_origin_policy(app_with_console, tmp_path) -> None:
    (tmp_path / "index.html").write_text('<!doctype html><script type="module" src="console.js"></script>')
    (tmp_path / "console.js").write_text("export {};")
    async with client(app_with_console(tmp_path)) as http:
        redirect = await http.get("/console")
        assert redirect.status_code in (307, 308) and redirect.headers["location"].endswith("/console/")
        page = await http.get("/console/")
        assert page.status_code == 200 and "console.js" in page.text
        assert page.headers["cache-control"] == "no-cache"
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "connect-src 'self'" in policy
        script = await http.get("/console/console.js")
        assert script.status_code == 200 and script.headers["x-content-type-options"] == "nosniff"
        assert (await http.get("/console/missing.js")).status_code == 404
