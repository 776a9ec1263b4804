"""Scenario 8: what tracing, metrics and logs cost per request with the production defaults.

A stack of its own (isolated, its engines owned) runs with the settings production runs with:
spans exported over OTLP/gRPC (to a receiver in this process, batched by the SDK), one new trace
in ten recorded (``OTEL_TRACES_SAMPLER_ARG=0.1``, the Kubernetes ConfigMap) and INFO logs. The
header is loaded (c=4) while py-spy samples the gateway and the shootings service (on-CPU Python
only). A sample is CPU that tracing, metrics or logging cost when, walking its stack from the
innermost frame outwards, the first frame of the platform's own code or of those libraries is
theirs (native and library work under them included). The innermost owner decides because the
HTTP metrics middleware and the gRPC interceptors wrap every request: their frames are on every
stack, above the work they time, so "a frame anywhere on the stack" would count the whole request.
Their share of the samples is their share of the request's CPU.

    PYTHONPATH=. .venv/bin/python -m bench.observability
"""

from __future__ import annotations

import asyncio
import collections
import re
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench import driver
from bench.environment import isolated_stack
from bench.profile import record
from devstack.environment import DEFAULT_SUPERUSER
from tests.support.otlp import OtlpReceiver

PRODUCTION_DEFAULTS = {"OTEL_TRACES_SAMPLER_ARG": "0.1", "LOG_LEVEL": "INFO"}
SECONDS = 10
CONCURRENCY = 4
PROCESSES = ("gateway", "shootings")
# A frame's source file -> what it costs for; the first match wins.
KINDS = (
    ("tracing", re.compile(r"/opentelemetry/|platformkit/rpc_tracing\.py")),
    ("metrics", re.compile(r"/prometheus_client/|platformkit/metrics\.py")),
    ("logs", re.compile(r"/logging/__init__\.py|platformkit/logs\.py")),
)
# The platform's own code and the servers and frameworks it runs in: a sample whose innermost
# owner is here is the request's own work (uvicorn writing an answer that the metrics middleware
# passes on is the answer's cost, not the metrics').
OWN_CODE = re.compile(r"(^|/)(gateway|services|platformkit|uvicorn|starlette|fastapi|grpc|asyncio)/")
_FILE = re.compile(r"\(([^:()]+)(?::\d+)?\)$")


def owner(files: list[str]) -> str | None:
    """The kind of the innermost frame that is observability or the platform's own code (None:
    the request's own work, or a sample outside any request)."""
    for file in reversed(files):
        for kind, pattern in KINDS:
            if pattern.search(file):
                return kind
        if OWN_CODE.search(file):
            return None
    return None


def shares(collapsed: str) -> dict[str, float]:
    """Percent of the samples of each kind (each sample counts for its innermost owner)."""
    counted: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        total += int(count_text)
        files = [m.group(1) for frame in stack.split(";") if (m := _FILE.search(frame))]
        kind = owner(files)
        if kind is not None:
            counted[kind] += int(count_text)
            counted["all"] += int(count_text)
    return {kind: round(100 * counted[kind] / total, 1) if total else 0.0 for kind in (*(k for k, _ in KINDS), "all")}


async def _measure(stack: Any, receiver: OtlpReceiver, folder: Path) -> dict[str, Any]:
    api = f"{stack.gateway_url}/api/v1"
    async with httpx.AsyncClient(base_url=api, timeout=60) as client:
        email, password = DEFAULT_SUPERUSER
        token = (await client.post("/login/access-token", data={"username": email, "password": password})).json()
        client.headers["Authorization"] = f"Bearer {token['access_token']}"
        created = await client.post("/shootings/", json={"name": "Observability", "due_date": "2027-01-15T10:00:00Z"})
        created.raise_for_status()
    header = f"{api}/shootings/{created.json()['id']}/header"
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    await driver.run(driver.Load(header, CONCURRENCY, 2, 10**6, auth))  # warm
    outputs = {name: folder / f"observability-{name}.txt" for name in PROCESSES}
    load = driver.Load(header, CONCURRENCY, SECONDS + 2, 10**6, auth)
    await asyncio.gather(driver.run(load), *(record(stack.pid(n), outputs[n], SECONDS) for n in PROCESSES))
    return {
        "settings": PRODUCTION_DEFAULTS,
        "spans_exported": len(receiver.spans),
        "share_percent": {name: shares(path.read_text()) for name, path in outputs.items()},
    }


def run(root: Path | None = None) -> dict[str, Any]:
    root = root or Path(tempfile.mkdtemp(prefix="bench-observability-"))
    receiver = OtlpReceiver().start()
    sink: collections.deque[str] = collections.deque(maxlen=200)
    env = {**PRODUCTION_DEFAULTS, "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint}
    stack = isolated_stack(root, sink, env)
    try:
        with stack:
            result = asyncio.run(_measure(stack, receiver, root))
    finally:
        receiver.stop()
    worst = max(s["all"] for s in result["share_percent"].values())
    print(f"  observability share of the header's CPU (production defaults): {result['share_percent']}", flush=True)
    return {**result, "worst_share_percent": worst}


if __name__ == "__main__":
    print(run())
