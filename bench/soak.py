"""`make soak`: simulated users do the kanban loop for a bounded time on an isolated stack.

    PYTHONPATH=. .venv/bin/python -m bench.soak [--seconds 120] [--users 50] [--warmup SECONDS]

Starts an isolated stack (bench/environment.py: its own PostgreSQL and broker on free ports in a
temporary folder, every process of the devstack table, Envoy in front) and a local push receiver
that answers 200 (tests/support/fake_receiver.py). Each user gets an account and a small catalog
of its own (tests/support/kanban.py: a shot type with a subject base image, a product mapped to
the receiver, a shooting) and then loops until the time is up: create a look (every third one
with ``generate_outfit``), generate its shot, wait for the render, review it (a revision that sets
REVIEW), approve it and export it. Users pause between steps and poll once a second.

It records every answer (5xx and requests that got no answer must be 0) and every accepted
action; once the time is up it waits, bounded, until each one is visible (the look exists, its
proposal is styled, the generation completed with one revision, the review and approval are in
the shot's status and the look's roll-up, the export's push COMPLETED with exactly one post at
the receiver), and counts what is not as lost (must be 0). The RSS of every process is sampled
through the load: after the warm-up, the median of the last third must be within 20% of the
median of the first third, per process (the broker and PostgreSQL, whose memory is the data they
hold, are reported but not judged). Prints a table, writes bench/results/soak.json, checks
that no process is left and exits non-zero when a guarantee is violated.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from bench.environment import isolated_stack
from bench.leftovers import leftover_processes
from bench.procstats import Sampler
from bench.soak_bookkeeping import accepted, settle
from bench.soak_memory import RssSeries, rss_stability, stack_pids
from bench.soak_report import table, violations
from devstack.environment import DEFAULT_SUPERUSER
from devstack.stack import Stack
from tests.e2e.shots_support import png_data_url
from tests.support.fake_receiver import FakeReceiver
from tests.support.kanban import Studio

RESULTS = Path(__file__).resolve().parent / "results"
POLL_INTERVAL = 1.0  # a user looking at the board again
THINK = (0.2, 1.0)  # seconds a user pauses between two steps
CLIENT_TIMEOUT = 60.0
SETUP_PARALLEL = 8
OUTFIT_EVERY = 3


@dataclass
class Look:
    """One look a user made and what was accepted on it (each field set on a 200 answer)."""

    id: str
    shot: str
    outfit: bool
    generation: str | None = None
    reviewed: bool = False
    approved: bool = False
    exported_revision: str | None = None

    def status(self) -> str:
        if self.approved:
            return "APPROVED"
        if self.reviewed:
            return "REVIEW"
        return "PROPOSAL" if self.generation else "PENDING"


@dataclass
class Answers:
    """Every answer by status, and what went wrong (5xx, requests without an answer)."""

    by_status: collections.Counter[int] = field(default_factory=collections.Counter)
    server_errors: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)  # 4xx or a 200 of the wrong shape

    async def hook(self, response: httpx.Response) -> None:
        self.by_status[response.status_code] += 1
        if response.status_code >= 500:
            await response.aread()
            request = response.request
            self.server_errors.append(
                f"{request.method} {request.url.path} -> {response.status_code} {response.text[:200]}"
            )

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def count_5xx(self) -> int:
        return sum(n for status, n in self.by_status.items() if status >= 500)

    @property
    def count_4xx(self) -> int:
        return sum(n for status, n in self.by_status.items() if 400 <= status < 500)


async def think() -> None:
    await asyncio.sleep(random.uniform(*THINK))


class User:
    """One simulated user: an account, a studio, the looks it made."""

    def __init__(self, number: int, client: httpx.AsyncClient, studio: Studio) -> None:
        self.number = number
        self.client = client
        self.studio = studio
        self.looks: list[Look] = []
        self.loops = 0

    async def loop(self, deadline: float, answers: Answers) -> None:
        """The kanban loop until ``deadline``; a failed step ends the round (it was counted)."""
        while time.monotonic() < deadline:
            try:
                await self.round(deadline)
            except AssertionError as exc:  # an answer that was not 200 (counted by the hook)
                answers.unexpected.append(f"user {self.number}: {str(exc)[:300]}")
            except httpx.TransportError as exc:
                answers.unanswered.append(f"user {self.number}: {type(exc).__name__}: {exc}")
            except (KeyError, IndexError, ValueError) as exc:  # a 200 of another shape than expected
                answers.unexpected.append(f"user {self.number}: {type(exc).__name__}: {exc}")
            await think()

    async def round(self, deadline: float) -> None:
        self.loops += 1
        outfit = self.loops % OUTFIT_EVERY == 1
        created = await self.studio.new_look(generate_outfit=outfit)
        look = Look(created["id"], created["shots"][0]["id"], outfit)
        self.looks.append(look)
        await think()
        if time.monotonic() >= deadline:
            return
        look.generation = await self.studio.generate(look.shot)
        revision = await self.rendered(look.shot, deadline)
        if revision is None:
            return
        await think()
        await self.review(look.shot)
        look.reviewed = True
        await think()
        if time.monotonic() >= deadline:
            return
        await self.studio.approve(look.shot)
        look.approved = True
        current = (await self.studio.shot(look.shot))["current_revision_id"]
        exported = await self.studio.export(current)
        assert exported["exports_created"] == 1, exported
        look.exported_revision = current

    async def rendered(self, shot_id: str, deadline: float) -> str | None:
        """The shot's generated revision once it exists (None when the time is up first)."""
        while time.monotonic() < deadline:
            shot = await self.studio.shot(shot_id)
            if shot["current_revision_id"]:
                return str(shot["current_revision_id"])
            await asyncio.sleep(POLL_INTERVAL)
        return None

    async def review(self, shot_id: str) -> None:
        images = [{"source_type": "UPLOAD", "image_data": png_data_url((30, 140, 90), (64, 96))}]
        response = await self.client.post(
            f"/shots/{shot_id}/revision", json={"shot_status": "REVIEW", "images": images}
        )
        assert response.status_code == 200, f"POST review: {response.status_code} {response.text[:200]}"


async def open_user(
    number: int,
    stack: Stack,
    admin: httpx.AsyncClient,
    receiver: FakeReceiver,
    answers: Answers,
    transport: httpx.AsyncBaseTransport | None = None,
) -> User:
    email, password = f"soak-{number}-{uuid.uuid4().hex[:8]}@example.com", f"pw-{uuid.uuid4().hex}"
    body = {"email": email, "password": password, "full_name": f"Soak {number}", "is_superuser": False}
    created = await admin.post("/users/", json=body)
    assert created.status_code == 200, created.text
    client = client_of(stack, answers, transport)
    token = await client.post("/login/access-token", data={"username": email, "password": password})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return User(number, client, await Studio.open(client, receiver.url("ok")))


def client_of(stack: Stack, answers: Answers, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """A user's client; every final answer goes through ``answers`` (``transport``: how requests
    travel, e.g. a client that retries by the platform's retry policy)."""
    return httpx.AsyncClient(
        base_url=f"{stack.gateway_url}/api/v1",
        timeout=CLIENT_TIMEOUT,
        event_hooks={"response": [answers.hook]},
        transport=transport,
    )


# -- the end: is every accepted action visible? -----------------------------------------------


async def soak(stack: Stack, receiver: FakeReceiver, users_count: int, seconds: float, warmup: float) -> dict[str, Any]:
    answers = Answers()
    async with client_of(stack, answers) as admin:
        email, password = DEFAULT_SUPERUSER
        token = await admin.post("/login/access-token", data={"username": email, "password": password})
        token.raise_for_status()
        admin.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        gate = asyncio.Semaphore(SETUP_PARALLEL)

        async def one(number: int) -> User:
            async with gate:
                return await open_user(number, stack, admin, receiver, answers)

        began = time.monotonic()
        users = list(await asyncio.gather(*(one(n) for n in range(users_count))))
        setup_seconds = time.monotonic() - began
        print(f"{users_count} users and their catalogs ready in {setup_seconds:.1f} s", flush=True)
        setup_requests = answers.total

        pids = stack_pids(stack)
        series = RssSeries(pids).start()
        # Each process's share of a core through the load: the one near 1.0 is what to scale out.
        cpu = Sampler(pids, interval=1.0).start()
        began = time.monotonic()
        deadline = began + seconds
        try:
            await asyncio.gather(*(user.loop(deadline, answers) for user in users))
        finally:
            load_seconds = time.monotonic() - began
            load_requests = answers.total - setup_requests
            series.stop()
            cpu_cores = {name: round(u.cpu_seconds / load_seconds, 2) for name, u in cpu.stop().items()}
        print(f"load ran {load_seconds:.1f} s; checking that every accepted action is visible", flush=True)
        missing, settle_seconds = await settle(users, receiver, timeout=max(120.0, seconds))
        for user in users:
            await user.client.aclose()
    lost = collections.Counter(kind for kind, _ in missing)
    return {
        "users": users_count,
        "seconds": seconds,
        "warmup_seconds": warmup,
        "setup_seconds": round(setup_seconds, 1),
        "load_seconds": round(load_seconds, 1),
        "settle_seconds": round(settle_seconds, 1),
        "requests": answers.total,
        "load_requests": load_requests,
        "requests_per_second": round(load_requests / load_seconds, 1),
        "cpu_cores": dict(sorted(cpu_cores.items(), key=lambda item: -item[1])),
        "answers_by_status": {str(k): v for k, v in sorted(answers.by_status.items())},
        "count_5xx": answers.count_5xx,
        "count_4xx": answers.count_4xx,
        "server_errors": answers.server_errors[:50],
        "unanswered": answers.unanswered[:50],
        "unanswered_count": len(answers.unanswered),
        "unexpected": answers.unexpected[:50],
        "loops_completed": sum(look.exported_revision is not None for user in users for look in user.looks),
        "accepted": accepted(users),
        "lost": dict(lost),
        "lost_count": sum(lost.values()),
        "lost_examples": [f"{kind} {look}" for kind, look in missing[:20]],
        "rss": rss_stability(series.samples, warmup, load_seconds),
        "rss_samples": len(series.samples),
        "rss_series": series.samples,
    }


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM as Ctrl-C: the stack is stopped on the way out."""
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS") or 120))
    parser.add_argument("--users", type=int, default=int(os.environ.get("SOAK_USERS") or 50))
    parser.add_argument("--warmup", type=float, default=None, help="seconds left out of the RSS check (default 25%%)")
    args = parser.parse_args(argv)
    warmup = args.warmup if args.warmup is not None else 0.25 * args.seconds
    began = time.monotonic()
    result: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_before": [round(v, 2) for v in os.getloadavg()],
    }
    run_root = Path(tempfile.mkdtemp(prefix="soak-run-"))
    output: collections.deque[str] = collections.deque(maxlen=300)
    stack = isolated_stack(run_root / "stack", output)
    receiver = FakeReceiver().start()
    try:
        stack.start()
        print(f"isolated stack up at {stack.gateway_url}", flush=True)
        result.update(asyncio.run(soak(stack, receiver, args.users, args.seconds, warmup)))
        result["restarts"] = {name: n for name in stack.names if (n := stack.restarts(name))}
    except BaseException:
        sys.stderr.write("\n".join(output) + "\n")
        raise
    finally:
        stack.stop()
        receiver.stop()
    result["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    result["leftover_processes"] = leftover_processes(os.getpid(), str(run_root))
    result["soak_seconds"] = round(time.monotonic() - began, 1)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "soak.json").write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))
    problems = violations(result)
    # What the processes logged (warnings and up) says why a 5xx or a lost action happened, and
    # Envoy's access log how long each request took.
    kept_logs = RESULTS / "soak-logs"
    shutil.rmtree(kept_logs, ignore_errors=True)
    if (run_root / "stack" / "logs").is_dir():
        shutil.copytree(run_root / "stack" / "logs", kept_logs)
        print(f"the stack's logs: {kept_logs}")
    shutil.rmtree(run_root, ignore_errors=True)
    print(f"make soak took {result['soak_seconds']:.0f} s; results in {RESULTS / 'soak.json'}")
    for problem in problems:
        print(f"VIOLATED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
