"""The load driver's request encoding and response parsing, against in-memory streams."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bench.driver import DriverError, Load, encode_request, read_response, run


def stream(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return reader


def test_request_bytes_keep_the_query_and_headers():
    host, port, request = encode_request("http://127.0.0.1:8123/a/b?limit=100", {"Authorization": "Bearer t"})
    assert (host, port) == ("127.0.0.1", 8123)
    assert request.startswith(b"GET /a/b?limit=100 HTTP/1.1\r\nHost: 127.0.0.1:8123\r\n")
    assert b"Authorization: Bearer t\r\n" in request and request.endswith(b"\r\n\r\n")


@pytest.mark.parametrize("url", ["http://10.0.0.1/x", "http://example.com/x"])
def test_only_loopback_is_loaded(url):
    with pytest.raises(ValueError, match="loopback"):
        encode_request(url, {})


async def test_content_length_then_the_next_response_on_the_same_connection():
    reader = stream(
        b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhelloHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}"
    )
    assert await read_response(reader) == (200, 5)
    assert await read_response(reader) == (404, 2)


async def test_chunked_body():
    reader = stream(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=1\r\nde\r\n0\r\n\r\n")
    assert await read_response(reader) == (200, 5)


async def test_a_body_without_length_is_refused():
    with pytest.raises(DriverError, match="Content-Length"):
        await read_response(stream(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc"))


async def test_garbage_is_refused():
    with pytest.raises(DriverError, match="not an HTTP response"):
        await read_response(stream(b"SSH-2.0-OpenSSH\r\n\r\n"))


async def test_each_connection_speaks_as_its_own_caller():
    """``callers``: connection i adds the i-th headers (cycled), over the load's shared ones."""
    connections: list[set[tuple[bytes, bytes]]] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen: set[tuple[bytes, bytes]] = set()
        connections.append(seen)
        with contextlib.suppress(asyncio.IncompleteReadError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line)
                seen.add((lines[b"Authorization"], lines[b"X-Shared"]))
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    callers = [{"Authorization": "Bearer a"}, {"Authorization": "Bearer b"}]
    load = Load(f"http://127.0.0.1:{port}/x", 3, 0.2, 1000, {"X-Shared": "s", "Authorization": "-"}, callers=callers)
    async with server:
        outcome = await run(load)
    assert outcome.errors == 0 and outcome.latencies
    a, b = (b"Bearer a", b"s"), (b"Bearer b", b"s")
    assert sorted(connections, key=sorted) == [{a}, {a}, {b}]
