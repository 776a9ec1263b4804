"""The load driver: ``concurrency`` keep-alive HTTP/1.1 connections on loopback, each sending one
request after the other until a fixed duration or a fixed request count is reached.

A small asyncio client rather than httpx: on these 2-core machines the driver shares the CPU with
the stack it measures, and httpx spends ~10x more CPU per request than a pre-encoded request and a
minimal response parser (the bench reports the driver's own CPU per request, hence its ceiling,
next to the constant-JSON floor). It speaks only what the measured endpoints answer: a status
line, headers, then a ``Content-Length`` or chunked body. Bounded in time and count, loopback
only (the URL is refused otherwise), so it always stops by itself. :func:`one_after_another`
times writes the same way (a look's creation), so a write and a read compare client for client.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class DriverError(RuntimeError):
    """A malformed or unexpected response (the run stops: its figures would mean nothing)."""


@dataclass
class Load:
    """What to send: one GET, how many connections, for how long and at most how many times."""

    url: str
    concurrency: int
    duration: float
    max_requests: int
    headers: Mapping[str, str] = field(default_factory=dict)
    expect_status: int = 200
    # When given, each request's query string ends with ``&`` and what it answers, called once per
    # request (requests that must each be new to the server, e.g. a board no one has read).
    variant: Callable[[], str] | None = None
    # When given, connection i adds ``callers[i % len(callers)]`` to ``headers`` (one identity each).
    callers: Sequence[Mapping[str, str]] = ()


@dataclass
class LoadOutcome:
    latencies: list[float]
    errors: int
    seconds: float
    bytes_received: int


def encode_request(
    url: str, headers: Mapping[str, str], *, method: str = "GET", body: bytes | None = None
) -> tuple[str, int, bytes]:
    """Host, port and the request bytes of ``method`` on ``url`` (keep-alive, no compression),
    with ``body`` as JSON when given."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host not in LOOPBACK:
        raise ValueError(f"the bench only loads loopback addresses, not {host!r}")
    port = parts.port or 80
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}:{port}", "Accept: application/json"]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return host, port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Status code and body of the next response on ``reader``."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, _, header_block = head.partition(b"\r\n")
    try:
        status = int(status_line.split(b" ", 2)[1])
    except (IndexError, ValueError):
        raise DriverError(f"not an HTTP response: {status_line[:80]!r}") from None
    length: int | None = None
    chunked = False
    for line in header_block.split(b"\r\n"):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        return status, await _read_chunked(reader)
    if length is None:
        raise DriverError("a response without Content-Length or chunked encoding")
    return status, await reader.readexactly(length)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        chunks.append((await reader.readexactly(size + 2))[:size])
        if size == 0:
            return b"".join(chunks)


async def run(load: Load) -> LoadOutcome:
    """Run ``load`` and return every successful request's latency (seconds) and the error count.

    Requests stop being started at the deadline or once ``max_requests`` were started; the wall
    time counts until the last one in flight has answered.
    """
    host, port, _ = encode_request(load.url, load.headers)
    identities = [{**load.headers, **caller} for caller in load.callers] or [load.headers]
    latencies: list[float] = []
    errors = 0
    received = 0
    started = 0
    began = time.perf_counter()
    deadline = began + load.duration

    async def connection(headers: Mapping[str, str]) -> None:
        nonlocal errors, received, started
        request = encode_request(load.url, headers)[2]
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while started < load.max_requests and time.perf_counter() < deadline:
                started += 1
                sent = time.perf_counter()
                if load.variant is None:
                    writer.write(request)
                else:
                    writer.write(encode_request(f"{load.url}&{load.variant()}", headers)[2])
                status, body = await read_response(reader)
                if status == load.expect_status:
                    latencies.append(time.perf_counter() - sent)
                    received += len(body)
                else:
                    errors += 1
        finally:
            writer.close()

    await asyncio.gather(*(connection(identities[i % len(identities)]) for i in range(load.concurrency)))
    return LoadOutcome(latencies, errors, time.perf_counter() - began, received)


@dataclass(frozen=True)
class Answer:
    """One timed request of :func:`one_after_another`: its latency (seconds) and its body."""

    seconds: float
    body: bytes


async def one_after_another(
    url: str,
    headers: Mapping[str, str],
    bodies: Sequence[bytes],
    *,
    method: str = "POST",
    expect_status: int = 200,
    timeout: float = 120.0,
) -> list[Answer]:
    """Send each body in turn on one keep-alive connection, each once the previous one was answered,
    as a client waiting for its answer does. The same client as the loads, so a write timed here
    compares with a read timed by :func:`run`, neither paying httpx's own CPU on the cores the
    stack uses. Any other status stops it, as does an answer slower than ``timeout`` seconds: its
    figures would time failures."""
    host, port, _ = encode_request(url, headers)
    reader, writer = await asyncio.open_connection(host, port)
    answers: list[Answer] = []
    try:
        for body in bodies:
            request = encode_request(url, headers, method=method, body=body)[2]
            sent = time.perf_counter()
            writer.write(request)
            status, answer = await asyncio.wait_for(read_response(reader), timeout)
            if status != expect_status:
                raise DriverError(f"{method} {url} answered {status}, not {expect_status}")
            answers.append(Answer(time.perf_counter() - sent, answer))
    finally:
        writer.close()
    return answers
