"""db_statements_total: each statement counts under the RPC or HTTP route that sent it, anything
else under ``background`` (what `make bench` reads a request's SQL cost from)."""

from __future__ import annotations

import asyncio
import contextvars

from platformkit import metrics


def count(origin: str) -> float:
    return metrics.DB_STATEMENTS.labels(origin)._value.get()


def test_statements_outside_any_request_are_background():
    before = count(metrics.BACKGROUND)
    contextvars.Context().run(metrics.count_statement)
    assert count(metrics.BACKGROUND) == before + 1


def test_an_rpc_origin_stays_with_its_task():
    method = "/bench.v1.Test/Origin"

    async def rpc() -> None:
        metrics._origin.set(method)
        metrics.count_statement()
        metrics.count_statement()

    async def other() -> None:
        metrics.count_statement()

    async def both() -> None:
        await asyncio.gather(rpc(), other())

    before_rpc, before_background = count(method), count(metrics.BACKGROUND)
    contextvars.Context().run(asyncio.run, both())
    assert count(method) == before_rpc + 2
    assert count(metrics.BACKGROUND) == before_background + 1


def test_an_http_origin_is_the_route_template_not_the_path():
    class Route:
        path_format = "/api/v1/shootings/{shooting_id}/header"

    scope = {"type": "http", "path": "/api/v1/shootings/123/header", "route": Route()}

    def request() -> None:
        metrics._origin.set(scope)
        metrics.count_statement()

    before = count(Route.path_format)
    contextvars.Context().run(request)
    assert count(Route.path_format) == before + 1
