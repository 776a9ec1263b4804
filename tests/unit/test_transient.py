"""Transient failures answered as "unavailable, retry later" on the request paths.

- :func:`platformkit.transient.caused_by_transient` looks through the chain: a request whose
  database went away fails again on the rollback, and that second error is what surfaces.
- A gRPC handler failing transiently answers UNAVAILABLE, once: the channel's retry policy (for
  calls that never reached a server) must not repeat a call that ran (gRFC A6 pushback).
- The gateway answers its own transient failures 503 with Retry-After, other errors 500.
"""

from __future__ import annotations

import asyncpg
import grpc
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import exc as sa_exc

from gateway.errors import register_exception_handlers
from platformkit.rpc import create_server
from platformkit.transient import caused_by_transient
from tests.support.principals import signed_channel, verifier

SHUTTING_DOWN = asyncpg.CannotConnectNowError("the database system is shutting down")


def failed_rollback() -> Exception:
    """What a session raises when its rollback meets the connection the first error killed."""
    try:
        try:
            raise SHUTTING_DOWN
        except asyncpg.CannotConnectNowError:
            raise sa_exc.InternalError("ROLLBACK", {}, RuntimeError("cannot switch to state 15")) from None
    except sa_exc.InternalError as exc:
        return exc


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (SHUTTING_DOWN, True),
        (failed_rollback(), True),
        (ConnectionRefusedError(111, "Connection refused"), True),
        (sa_exc.InternalError("SELECT 1", {}, RuntimeError("bug")), False),
        (ValueError("bad data"), False),
    ],
)
def test_a_transient_cause_anywhere_in_the_chain_counts(error: Exception, transient: bool) -> None:
    assert caused_by_transient(error) is transient


async def test_a_handler_failing_transiently_answers_unavailable_and_is_not_retried() -> None:
    calls: list[bytes] = []

    async def handler(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        calls.append(request)
        if request == b"db-down":
            raise failed_rollback()
        raise ValueError("a bug")

    server, _ = create_server([], verifier("shots"))
    method = grpc.unary_unary_rpc_method_handler(handler)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("test.Faulty", {"Call": method}),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = signed_channel(f"127.0.0.1:{port}", "shots", deadline_seconds=5)
    try:
        call = channel.unary_unary("/test.Faulty/Call")
        with pytest.raises(grpc.aio.AioRpcError) as unavailable:
            await call(b"db-down")
        with pytest.raises(grpc.aio.AioRpcError) as bug:
            await call(b"bug")
    finally:
        await channel.close()
        await server.stop(None)
    assert unavailable.value.code() is grpc.StatusCode.UNAVAILABLE
    assert bug.value.code() is grpc.StatusCode.UNKNOWN
    assert calls == [b"db-down", b"bug"]  # each ran once: no retry of a call that reached the server


async def test_the_gateway_answers_its_own_transient_failures_503_with_retry_after() -> None:
    app = FastAPI()
    register_exception_handlers(app)

    @app.get("/down")
    async def down() -> None:
        raise failed_rollback()

    @app.get("/refused")
    async def refused() -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    @app.get("/bug")
    async def bug() -> None:
        raise FileNotFoundError("a bug, not an outage")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        for path in ("/down", "/refused"):
            response = await client.get(path)
            assert response.status_code == 503 and response.headers["retry-after"] == "1", path
            assert response.json() == {"detail": "Service temporarily unavailable, retry later"}
        assert (await client.get("/bug")).status_code == 500
