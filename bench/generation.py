"""Generation throughput with 1 and 2 workers at a fixed synthetic cost per image, and the ratio.

    PYTHONPATH=. .venv/bin/python -m bench.generation [--jobs 48] [--cost 0.5] [--workers 1 2]

Isolated from any running `make run`: its own PostgreSQL and broker on free ports in a temporary
folder, the shots database migrated, the shots service in this process (its outbox relay
publishes the work items) and the workers as real processes (`python -m services.shots.worker`,
consumer group `generation-workers`) with `GENERATION_SYNTHETIC_COST_SECONDS` set. Each round
waits until the group is stable with all its workers, starts ``--jobs`` generations of one image
each in one StartGenerations call, and times until the last one is COMPLETED. Prints the figures
and writes bench/results/generation.json.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import platform
import shutil
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.partitioner import murmur2
from sqlalchemy.ext.asyncio import AsyncEngine

from devstack.child import Child
from devstack.engines import EmbeddedBroker, EmbeddedPostgres, use_private_runtime_dir
from devstack.ports import free_port
from platformkit import db, migrations
from platformkit.service import ServiceRuntime
from platformkit.topics import GENERATION_REQUESTS, ensure_topics
from protos.shots.v1 import shots_pb2 as pb
from protos.shots.v1.shots_pb2_grpc import ShotsServiceStub
from services.shots.grpc_api import SERVICE_NAMES, add_servicers
from services.shots.models import messaging
from services.shots.settings import ShotsSettings
from services.shots.worker.__main__ import GROUP
from tests.support.principals import KEYS, key_settings, signed_channel
from tests.support.services import as_user, seed_shooting

RESULTS = Path(__file__).resolve().parent / "results" / "generation.json"
JOBS = 48
COST = 0.5
OWNER = uuid.uuid4()
BASE_IMAGE = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)


def worker_env(database_url: str, bootstrap: str, state: Path, cost: float) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "KAFKA_"))},
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        "DATABASE_URL_SHOTS": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_SESSION_TIMEOUT_MS": "1500",
        "KAFKA_HEARTBEAT_INTERVAL_MS": "300",
        "GENERATION_SYNTHETIC_COST_SECONDS": str(cost),
        "STATE_DIR": str(state),
        "LOG_LEVEL": "WARNING",
        **KEYS.env_for("shots"),
    }


async def stable_group(bootstrap: str, size: int, timeout: float = 120.0) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            [answer] = await admin.describe_consumer_groups([GROUP])
            _, _, state, _, _, members = answer.groups[0]
            if state == "Stable" and len(members) == size:
                return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"the worker group never became stable with {size} members")
    finally:
        await admin.close()


def partition_of(key: str, partitions: int) -> int:
    """The partition aiokafka's default partitioner gives ``key`` (murmur2, as Kafka's Java client)."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


async def one_round(stub: ShotsServiceStub, engine: AsyncEngine, jobs: int) -> tuple[float, dict[str, Any]]:
    """Seconds from StartGenerations to the last of ``jobs`` COMPLETED, and who did what: jobs and
    partitions per worker, jobs per partition (keys hash onto partitions, so the split is rarely
    exactly even; the partitions a worker owns come from the group's assignment)."""
    shooting_id = uuid.uuid4()
    await seed_shooting(engine, shooting_id, OWNER)
    shot = pb.NewShot(id=str(uuid.uuid4()), look_id=str(uuid.uuid4()), shot_type_id=str(uuid.uuid4()))
    request = pb.CreateShotsRequest(shooting_id=str(shooting_id), shots=[shot])
    await stub.CreateShots(request, metadata=as_user(OWNER))
    inputs = pb.GenerationInputs(
        base_image_url=BASE_IMAGE, view_angle="FRONT", framing="FULL_BODY", width=64, height=96
    )
    # One spec per job (at most 10 generations per spec).
    specs = [pb.GenerationSpec(shot_id=shot.id, count=1, num_predictions=1, inputs=inputs) for _ in range(jobs)]
    began = time.monotonic()
    await stub.StartGenerations(pb.StartGenerationsRequest(specs=specs), metadata=as_user(OWNER))
    query = sa.text("SELECT count(*) FROM generations WHERE shot_id = :shot AND status = 'COMPLETED'")
    while True:
        async with engine.connect() as conn:
            done = (await conn.execute(query, {"shot": uuid.UUID(shot.id)})).scalar_one()
        if done == jobs:
            elapsed = time.monotonic() - began
            async with engine.connect() as conn:
                rows = await conn.execute(
                    sa.text(
                        "SELECT id, worker, extract(epoch FROM updated_at - min(created_at) OVER ()) "
                        "FROM generations WHERE shot_id = :shot"
                    ),
                    {"shot": uuid.UUID(shot.id)},
                )
                return elapsed, who_did_what([(str(gid), str(worker), float(done)) for gid, worker, done in rows])
        await asyncio.sleep(0.05)


def who_did_what(done: list[tuple[str, str, float]]) -> dict[str, Any]:
    """Jobs, partitions and the first and last completion (seconds after the first job was
    created) per worker, jobs per partition, from (generation id, worker, completed) triples."""
    per_worker: dict[str, dict[str, Any]] = {}
    per_partition: collections.Counter[int] = collections.Counter()
    for generation_id, worker, completed in done:
        partition = partition_of(generation_id, GENERATION_REQUESTS.partitions)
        per_partition[partition] += 1
        entry = per_worker.setdefault(worker, {"jobs": 0, "partitions": set(), "done": []})
        entry["jobs"] += 1
        entry["partitions"].add(partition)
        entry["done"].append(completed)
    workers = sorted(per_worker.values(), key=lambda w: -w["jobs"])
    return {
        "split": [w["jobs"] for w in workers],
        "partitions_per_worker": [sorted(w["partitions"]) for w in workers],
        "first_last_done_seconds": [[round(min(w["done"]), 2), round(max(w["done"]), 2)] for w in workers],
        "jobs_per_partition": [per_partition[p] for p in range(GENERATION_REQUESTS.partitions)],
    }


async def measure(root: Path, jobs: int, cost: float, counts: list[int]) -> dict[str, Any]:
    use_private_runtime_dir(root / "xdg")
    pg = EmbeddedPostgres(root / "pg", free_port())
    broker = EmbeddedBroker(free_port(), log_path=root / "broker.log")
    pg.start()
    broker.start()
    try:
        pg.create_databases(["bench_shots"])
        url = pg.url("bench_shots")
        await asyncio.to_thread(migrations.upgrade, "services.shots", url)
        await ensure_topics(broker.bootstrap)
        settings = ShotsSettings(
            database_url=url, grpc_bind="127.0.0.1:0", kafka_bootstrap_servers=broker.bootstrap, **key_settings("shots")
        )
        runtime = ServiceRuntime(settings, messaging, grpc_service_names=SERVICE_NAMES, add_servicers=add_servicers)
        started = asyncio.Event()
        service = asyncio.create_task(runtime.serve(started))
        await asyncio.wait_for(started.wait(), 60)
        channel = signed_channel(f"127.0.0.1:{runtime.bound_port}", "shots")
        engine = db.create_engine(url, pool_size=2)
        rounds: dict[str, Any] = {}
        try:
            for count in counts:
                env = worker_env(url, broker.bootstrap, root, cost)
                workers = [
                    Child.python_module(f"worker-{n}", "services.shots.worker", env, lambda name, line: None)
                    for n in range(count)
                ]
                for child in workers:
                    child.start()
                try:
                    await stable_group(broker.bootstrap, count)
                    seconds, spread = await one_round(ShotsServiceStub(channel), engine, jobs)
                finally:
                    for child in workers:
                        child.stop(10)
                rate = jobs / seconds
                rounds[str(count)] = {
                    "seconds": round(seconds, 3),
                    "generations_per_second": round(rate, 3),
                    **spread,
                }
                print(
                    f"  {count} worker(s): {jobs} generations in {seconds:.2f}s = {rate:.2f}/s"
                    f" (jobs per worker {spread['split']}, partitions {spread['partitions_per_worker']},"
                    f" jobs per partition {spread['jobs_per_partition']},"
                    f" first/last done per worker {spread['first_last_done_seconds']} s)",
                    flush=True,
                )
        finally:
            await channel.close()
            await engine.dispose()
            runtime.request_stop()
            await service
        return rounds
    finally:
        broker.stop()
        pg.stop(mode="immediate")


def run(
    jobs: int = JOBS, cost: float = COST, counts: tuple[int, ...] = (1, 2), root: Path | None = None
) -> dict[str, Any]:
    """Both rounds on engines of their own (under ``root``, removed afterwards) and the ratio."""
    root = root or Path(tempfile.mkdtemp(prefix="bench-generation-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        rounds = asyncio.run(measure(root, jobs, cost, list(counts)))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    first, last = str(counts[0]), str(counts[-1])
    ratio = rounds[last]["generations_per_second"] / rounds[first]["generations_per_second"]
    print(f"  throughput ratio {last} vs {first} worker(s): {ratio:.2f}x (ideal {int(last) / int(first):.1f}x)")
    return {
        "jobs": jobs,
        "synthetic_cost_seconds_per_image": cost,
        "rounds": rounds,
        "ratio": round(ratio, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=JOBS)
    parser.add_argument("--cost", type=float, default=COST, help="synthetic seconds per image")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    result = {
        "benchmark": "generation_throughput",
        **run(args.jobs, args.cost, tuple(args.workers)),
        "measured_at": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
