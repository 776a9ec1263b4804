"""Times one E8 request that creates 1,000 looks (50 products x 20 subjects) with 3,000 shots.

    PYTHONPATH=. .venv/bin/python -m bench.looks_create [--products 50] [--subjects 20] [--shot-types 3]

Starts an isolated stack the way the end-to-end `stack` fixture does (its own PostgreSQL and
broker in a temporary state folder, free ports, every process of the devstack table), so it
never touches a running `make run`. It builds the brief through the public API, times the one
creation request end to end (HTTP through the gateway, the shootings service, the batched
CreateShots call, the commit and the composed answer), prints the figure and writes it to
bench/results/looks_create.json. The platform's output goes to the state folder's logs and is
printed only when something fails.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.workloads import build_bulk_brief
from devstack.backends import Backends
from devstack.engines import EmbeddedBroker, EmbeddedPostgres, free_port, use_private_runtime_dir
from devstack.environment import DEFAULT_SUPERUSER
from devstack.stack import Stack, StackConfig
from platformkit.settings import DEFAULT_GRPC_PORTS

RESULTS = Path(__file__).resolve().parent / "results" / "looks_create.json"
SHOWN_ON_FAILURE = 200


def isolated_stack(state_dir: Path, sink: collections.deque[str]) -> Stack:
    """Engines of its own (owned: started and stopped with the stack) on free ports."""
    # The embedded PostgreSQL keeps a lock under XDG_RUNTIME_DIR: ours, not the machine's (STACK-NOTES).
    os.environ.pop("XDG_RUNTIME_DIR", None)
    use_private_runtime_dir(state_dir / "run" / "xdg")
    email, password = DEFAULT_SUPERUSER
    backends = Backends(
        postgres=EmbeddedPostgres(state_dir / "postgres", free_port()),
        broker=EmbeddedBroker(free_port(), log_path=state_dir / "logs" / "broker.log"),
        owned=True,
    )
    return Stack(
        StackConfig(
            state_dir=state_dir,
            backends=backends,
            gateway_port=free_port(),
            grpc_ports={name: free_port() for name in DEFAULT_GRPC_PORTS},
            sink=lambda name, line: sink.append(f"{name} | {line}"),
            startup_timeout=120.0,
            extra_env={"FIRST_SUPERUSER": email, "FIRST_SUPERUSER_PASSWORD": password, "LOG_LEVEL": "WARNING"},
        )
    )


async def measure(gateway_url: str, products: int, subjects: int, shot_types: int) -> dict[str, Any]:
    email, password = DEFAULT_SUPERUSER
    async with httpx.AsyncClient(base_url=f"{gateway_url}/api/v1", timeout=600) as client:
        token = await client.post("/login/access-token", data={"username": email, "password": password})
        token.raise_for_status()
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        brief = await build_bulk_brief(client, products=products, subjects=subjects, shot_types=shot_types)
        began = time.perf_counter()
        response = await client.post(f"/shootings/{brief.shooting_id}/production-requests", json=brief.creation_body())
        seconds = time.perf_counter() - began
        response.raise_for_status()
        looks = response.json()["production_requests"]
    shots = sum(len(look["shots"]) for look in looks)
    if (len(looks), shots) != (brief.expected_looks, brief.expected_shots):
        raise RuntimeError(
            f"expected {brief.expected_looks} looks and {brief.expected_shots} shots, got {len(looks)}/{shots}"
        )
    return {
        "benchmark": "looks_create",
        "request": "POST /api/v1/shootings/{shooting_id}/production-requests",
        "products": products,
        "subjects": subjects,
        "shot_types": shot_types,
        "looks": len(looks),
        "shots": shots,
        "seconds": round(seconds, 3),
        "response_bytes": len(response.content),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "system": platform.platform()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--subjects", type=int, default=20)
    parser.add_argument("--shot-types", type=int, default=3)
    args = parser.parse_args(argv)
    state_dir = Path(tempfile.mkdtemp(prefix="bench-looks-create-"))
    output: collections.deque[str] = collections.deque(maxlen=SHOWN_ON_FAILURE)
    stack = isolated_stack(state_dir, output)
    try:
        started = stack.start()
        result = asyncio.run(measure(stack.gateway_url, args.products, args.subjects, args.shot_types))
    except BaseException:
        sys.stderr.write("\n".join(output) + "\n")
        raise
    finally:
        stack.stop()
    shutil.rmtree(state_dir, ignore_errors=True)
    result["stack_start_seconds"] = round(started, 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"E8: {result['looks']} looks with {result['shots']} shots in one request: {result['seconds']:.2f} s "
        f"({result['response_bytes'] / 1e6:.1f} MB answer) -> {RESULTS}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
