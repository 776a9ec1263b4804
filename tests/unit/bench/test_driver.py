"""The load driver's request encoding and response parsing, against in-memory streams."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bench.driver import DriverError, Load, encode_request, one_after_another, read_response, run


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
    assert await read_response(reader) == (200, b"hello")
    assert await read_response(reader) == (404, b"{}")


async def test_chunked_body():
    reader = stream(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=1\r\nde\r\n0\r\n\r\n")
    assert await read_response(reader) == (200, b"abcde")


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


async def _serve_bodies(bodies: list[bytes], statuses: list[int]):
    """A server that records each request's body and answers the next of ``statuses``."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line)
                assert head.startswith(b"POST /looks HTTP/1.1\r\n")
                assert lines[b"Content-Type"] == b"application/json"
                bodies.append(await reader.readexactly(int(lines[b"Content-Length"])))
                status, answer = statuses.pop(0), b'{"n": %d}' % len(bodies)
                writer.write(b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n\r\n%s" % (status, len(answer), answer))
                await writer.drain()
        writer.close()

    return await asyncio.start_server(serve, "127.0.0.1", 0)


async def test_writes_one_after_another_on_one_connection():
    """Each body goes out whole after the previous answer; one answer per body, in order."""
    bodies: list[bytes] = []
    server = await _serve_bodies(bodies, [200, 200, 200])
    port = server.sockets[0].getsockname()[1]
    sent = [b'{"a": 1}', b'{"b": "\xc3\xa9"}', b"[]"]
    async with server:
        answers = await one_after_another(f"http://127.0.0.1:{port}/looks", {"Authorization": "Bearer t"}, sent)
    assert bodies == sent
    assert [answer.body for answer in answers] == [b'{"n": 1}', b'{"n": 2}', b'{"n": 3}']
    assert all(answer.seconds > 0 for answer in answers)


async def test_a_write_answered_otherwise_stops_the_timing():
    bodies: list[bytes] = []
    server = await _serve_bodies(bodies, [200, 422, 200])
    port = server.sockets[0].getsockname()[1]
    async with server:
        with pytest.raises(DriverError, match="answered 422"):
            await one_after_another(f"http://127.0.0.1:{port}/looks", {}, [b"{}", b"{}", b"{}"])
    assert len(bodies) == 2


async def test_an_answer_slower_than_the_timeout_stops_the_timing():
    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            await reader.read()
        writer.close()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        with pytest.raises(TimeoutError):
            await one_after_another(f"http://127.0.0.1:{port}/looks", {}, [b"{}"], timeout=0.05)
