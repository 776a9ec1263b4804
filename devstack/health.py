"""Readiness probes: gRPC health checking for services, the health-check route for the gateway.

Probes are synchronous and short (one second each) so that the supervisor can interleave them
with checking that the probed process is still alive.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc


class NotReady(RuntimeError):
    pass


def grpc_serving(address: str, service: str = "", timeout: float = 1.0) -> bool:
    """True when grpc.health.v1 at ``address`` reports ``service`` SERVING."""
    with grpc.insecure_channel(address) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout
            )
        except grpc.RpcError:
            return False
    return reply.status == health_pb2.HealthCheckResponse.SERVING


def http_true(url: str, timeout: float = 1.0) -> bool:
    """True when ``GET url`` answers 200 with the JSON body ``true``."""
    try:
        response = httpx.get(url, timeout=timeout)
    except httpx.HTTPError:
        return False
    try:
        return response.status_code == 200 and response.json() is True
    except ValueError:
        return False


def wait_until(
    ready: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    abort: Callable[[], str | None] = lambda: None,
    interval: float = 0.1,
) -> None:
    """Poll ``ready`` until true; ``abort`` returns a reason to give up early (a dead process)."""
    deadline = time.monotonic() + timeout
    while True:
        reason = abort()
        if reason:
            raise NotReady(f"{what}: {reason}")
        if ready():
            return
        if time.monotonic() >= deadline:
            raise NotReady(f"{what}: not ready after {timeout:.0f}s")
        time.sleep(interval)
