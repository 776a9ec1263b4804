"""What the live-stream tests need besides the socket client (tests/support/live.py): a second
gateway process on the running stack, its Prometheus figures, and a client socket that reads
as little as the kernel allows."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx
from prometheus_client.parser import text_string_to_metric_families

from devstack.child import Child
from devstack.environment import process_env
from devstack.health import http_true, wait_until
from devstack.ports import free_port
from devstack.processes import GATEWAY, GATEWAY_HEALTH_PATH
from devstack.stack import Stack
from tests.e2e.conftest import OUTPUT


def token_of(client: httpx.AsyncClient) -> str:
    """The bearer token a logged-in API client sends."""
    return str(client.headers["Authorization"]).removeprefix("Bearer ")


@contextmanager
def second_gateway(stack: Stack, env: Mapping[str, str]) -> Iterator[str]:
    """One more ``python -m gateway`` on the stack (same databases, services and broker), on a
    port of its own, with ``env`` on top; yields its URL. Two gateways reading one broker is
    what a scaled-out deployment runs behind Envoy."""
    assert stack.wiring is not None
    port = free_port()
    environ = process_env(GATEWAY, stack.wiring)
    environ.update(GATEWAY_HOST="127.0.0.1", GATEWAY_PORT=str(port), **env)
    child = Child.python_module("gateway-2", GATEWAY.module, environ, OUTPUT)
    child.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: http_true(url + GATEWAY_HEALTH_PATH),
            timeout=120,  # as long as the stack gives its own gateway on a loaded machine
            what="the second gateway",
            abort=lambda: None if child.running else f"exited with {child.returncode}",
        )
        yield url
    finally:
        child.stop()


async def metric(url: str, name: str, **labels: str) -> float:
    """A sample of a gateway's ``/metrics`` (0 when absent)."""
    async with httpx.AsyncClient(timeout=10) as http:
        text = (await http.get(f"{url}/metrics")).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


async def eventually_metric(url: str, name: str, minimum: float, timeout: float = 20.0, **labels: str) -> float:
    """Poll until the sample reaches ``minimum``; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while (value := await metric(url, name, **labels)) < minimum:
        if time.monotonic() > deadline:
            raise AssertionError(f"{name}{labels} stayed at {value} (< {minimum}) for {timeout:g}s")
        await asyncio.sleep(0.1)
    return value


def small_receive_buffer(url: str, size: int = 4096) -> socket.socket:
    """A TCP connection to ``url`` whose kernel receive buffer stays at ``size`` (set before the
    handshake, so no window scaling grows it): a client that stops reading backs up at once."""
    parts = urlsplit(url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
    sock.connect((parts.hostname or "127.0.0.1", parts.port or 80))
    return sock
