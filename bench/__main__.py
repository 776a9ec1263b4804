"""`make bench`: every scenario of issues 9 and 14 on one isolated stack, side by side, then the report.

    PYTHONPATH=. .venv/bin/python -m bench [--duration 8] [--quick] [--no-profile] [--no-generation]
        [--no-observability]

Starts an isolated stack (own PostgreSQL and broker on free ports in a temporary folder, every
process of the devstack table, Envoy in front, BENCH_ENDPOINTS=1) and the floor process, seeds
through the public API, then runs scenarios 1-5 and 7 against it, profiles the slowest load
scenario, stops everything, runs scenario 6 (generation workers, on engines of its own), checks
that no process is left and writes bench/results/latest.{json,md,png}. Scenario 8 (the cost of
tracing, metrics and logs with the production defaults) runs on a stack of its own too. Every target is a ratio
of two figures of this one run (bench/targets.py); nothing here is an absolute time budget.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from bench import generation, observability, report
from bench.environment import BenchEnvironment
from bench.leftovers import leftover_processes
from bench.loads import LoadSettings
from bench.procstats import idle_cpu, wait_quiet
from bench.profile import profile_slowest
from bench.scenarios import http, looks, propagation
from bench.scenarios.context import Context
from devstack.environment import DEFAULT_SUPERUSER

RESULTS = Path(__file__).resolve().parent / "results"


async def _login(client: httpx.AsyncClient) -> str:
    email, password = DEFAULT_SUPERUSER
    answer = await client.post("/login/access-token", data={"username": email, "password": password})
    answer.raise_for_status()
    token = str(answer.json()["access_token"])
    client.headers["Authorization"] = f"Bearer {token}"
    return token


# Above the idle stack's own CPU (consumers polling the broker), what still counts as quiet.
QUIET_MARGIN_CORES = 0.2


async def _settle(env: BenchEnvironment, idle: dict[str, float]) -> None:
    """Wait for the stack to be back to its idle CPU, so a scenario does not measure the tail of
    the seeding (consumers folding thousands of look and shot events into projections)."""
    pids = {name: pid for name, pid in env.pids().items() if name not in ("driver", "floor")}
    quiet = sum(share for name, share in idle.items() if name in pids) + QUIET_MARGIN_CORES
    waited = await asyncio.to_thread(wait_quiet, pids, quiet)
    print(f"  (stack back to idle CPU, under {quiet:.2f} cores, after {waited:.1f} s)", flush=True)


async def platform_scenarios(env: BenchEnvironment, settings: LoadSettings, profile: bool) -> dict[str, Any]:
    """Scenarios 1-5 and 7 (and the profile) on the running environment."""
    async with httpx.AsyncClient(base_url=f"{env.public_url}/api/v1", timeout=600) as client:
        ctx = Context(env, client, await _login(client), settings)
        idle = await asyncio.to_thread(idle_cpu, env.pids())
        print(f"idle stack CPU (share of one core): {idle}", flush=True)
        began = time.monotonic()
        brief = await looks.seed_catalog(ctx)
        boards = looks.Boards()
        await looks.create_boards(ctx, brief, boards)
        print(f"seeded the catalog and the 10/100-look boards in {time.monotonic() - began:.1f} s", flush=True)
        # Like every other scenario, creation is timed on a stack that finished the seeding's
        # work (the boards' events fold into projections for seconds after their answers).
        await _settle(env, idle)
        print("scenario 4: creating looks", flush=True)
        looks_result = await looks.run(ctx, brief, boards)
        await _settle(env, idle)
        print("scenarios 1-2: floor and shooting header", flush=True)
        runs = await http.floor_and_header(ctx, boards.shootings[http.BOARD_LOOKS])
        print("scenario 3: kanban board", flush=True)
        runs += await http.board(ctx, boards.shootings[http.BOARD_LOOKS])
        costs = await http.board_costs(ctx, boards.shootings)
        print("scenario 5: status propagation", flush=True)
        await _settle(env, idle)
        propagation_result = await propagation.run(ctx, brief)
        profiles = await profile_slowest(ctx, runs) if profile else {}
    return {
        "idle_cpu_cores": idle,
        "runs": [run.to_dict() for run in runs],
        "board_costs": costs,
        "memory": http.peak_memory(runs),
        "looks_create": looks_result,
        "propagation": propagation_result,
        "profile": profiles,
    }


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "system": platform.platform(),
        "load_average": [round(v, 2) for v in os.getloadavg()],
    }


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM as Ctrl-C: the stack's ``with`` block then stops every process it started."""
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=8.0, help="seconds of each measured load run")
    parser.add_argument("--quick", action="store_true", help="2-second runs, fewer generation jobs (a smoke run)")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--no-generation", action="store_true")
    parser.add_argument("--no-observability", action="store_true")
    args = parser.parse_args(argv)
    settings = LoadSettings(duration=2.0 if args.quick else args.duration)
    began = time.monotonic()
    result: dict[str, Any] = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    result["machine_before"] = machine()
    # One folder for the whole run: the leftover check looks for processes that name it.
    run_root = Path(tempfile.mkdtemp(prefix="bench-run-"))
    env = BenchEnvironment(run_root / "stack")
    try:
        with env:
            print(f"stack and floor up in {env.started_seconds:.1f} s", flush=True)
            result["stack_start_seconds"] = round(env.started_seconds, 1)
            result.update(asyncio.run(platform_scenarios(env, settings, not args.no_profile)))
    except BaseException:
        sys.stderr.write("\n".join(env.output) + "\n")
        raise
    if not args.no_observability:
        print("scenario 8: tracing, metrics and logs with the production defaults", flush=True)
        (run_root / "observability").mkdir()
        result["observability"] = observability.run(root=run_root / "observability")
    if not args.no_generation:
        print("scenario 6: generation workers", flush=True)
        result["generation"] = generation.run(jobs=24 if args.quick else generation.JOBS, root=run_root / "generation")
    result["machine_after"] = machine()
    result["load_settings"] = {"duration": settings.duration, "concurrencies": list(settings.concurrencies)}
    result["leftover_processes"] = leftover_processes(os.getpid(), str(run_root))
    shutil.rmtree(run_root, ignore_errors=True)
    result["bench_seconds"] = round(time.monotonic() - began, 1)
    table = report.write(result, RESULTS)
    print(table)
    print(f"make bench took {result['bench_seconds']:.0f} s; results in {RESULTS}/latest.{{json,md,png}}")
    if result["leftover_processes"]:
        print(f"LEFT BEHIND: {result['leftover_processes']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
