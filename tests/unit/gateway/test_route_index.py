"""The routers' path index (gateway.route_index) only ever skips what FastAPI would not match:
for every operation of the API (and paths of none), every mounted route answers the same match,
full, partial (another method) or none, with the index and without it. No I/O."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.routing import Match

from gateway.app import create_app
from gateway.route_index import IndexedRouter, any_route_pattern
from gateway.settings import GatewaySettings

_PARAMETER = re.compile(r"\{[^}]+\}")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
NOWHERE = ["/api/v1/nowhere", "/api/v1/shootings/a/b/c/d", "/api/v1/shots/", "/", "/api/v1/"]


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app(GatewaySettings(database_url="postgresql+asyncpg://unused/unused"))


def _paths(app: Any) -> list[str]:
    """Each operation's path with its parameters filled in."""
    return [_PARAMETER.sub("p-1", path) for path in app.openapi()["paths"]] + NOWHERE


def _answers(app: Any, path: str, method: str) -> list[Match]:
    scope = {"type": "http", "path": path, "method": method, "root_path": "", "headers": [], "query_string": b""}
    return [route.matches(dict(scope))[0] for route in app.router.routes]


def test_every_route_answers_the_same_with_and_without_the_index(app, monkeypatch):
    cases = [(path, method) for path in _paths(app) for method in METHODS]
    indexed = {case: _answers(app, *case) for case in cases}
    monkeypatch.setattr(IndexedRouter, "_any_route", lambda self: None)
    assert {case: _answers(app, *case) for case in cases} == indexed
    # And the index did turn paths away: most routers hold none of a given path.
    assert sum(answers.count(Match.NONE) for answers in indexed.values()) > len(cases) * 10


def test_a_router_with_anything_but_api_routes_has_no_index(app):
    mixed = [route for route in app.router.routes if not hasattr(route, "path_regex")]
    assert any_route_pattern([*mixed[:1]]) is None
    assert any_route_pattern([]) is None
