"""The process table of the local stack: what runs, how it is checked, and what it needs.

Everything the supervisor does is driven by these tables, so adding a process is one line in
:func:`process_table` and adding a database one line in :data:`DATABASES`.

Workers are described once, in :data:`WORKER_KINDS` (module, database, consumer group, topic and
the ``<KIND>_WORKERS`` setting that says how many `make run` starts). The Kubernetes and compose
manifests are checked against that table (tests/deploy), so it is the one place that says which
workers exist. ``make run`` starts the kinds listed in :data:`LOCAL_WORKERS`: a worker whose module
is written joins the local stack by adding its name there.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace

from platformkit.settings import SERVICE_NAMES
from platformkit.topics import EXPORT_PUSHES, GENERATION_REQUESTS, STYLING_REQUESTS, Topic


class Kind(enum.Enum):
    """How the supervisor knows that a process is ready."""

    GRPC = "grpc"  # a gRPC server: ready once grpc.health.v1 answers SERVING on <NAME>_GRPC_BIND
    HTTP = "http"  # the gateway: ready once GET /api/v1/utils/health-check/ answers `true`
    EDGE = "edge"  # Envoy on the public port: ready once the same health check answers through it
    WORKER = "worker"  # no port: ready as soon as it runs (it consumes from the broker)


@dataclass(frozen=True)
class Database:
    """One PostgreSQL database, owned by one component.

    ``key`` names the environment variable (``DATABASE_URL_<KEY>``), ``component`` the package
    whose Alembic migrations build it (``None``: no migrations, e.g. a test database) and ``name``
    the database created on an embedded server.
    """

    key: str
    component: str | None
    name: str

    @property
    def env_name(self) -> str:
        return f"DATABASE_URL_{self.key.upper()}"


@dataclass(frozen=True)
class ProcessSpec:
    """One supervised process: ``python -m <module>`` with the environment of its ``database``.

    ``service`` is the gRPC service a GRPC process binds (``<SERVICE>_GRPC_BIND``); ``health_service``
    the name asked to grpc.health.v1 (``""``: the whole server). ``replica`` numbers the copies
    of a service or of the gateway when the table runs several (0: the only one).
    """

    name: str
    module: str
    kind: Kind
    database: str | None = None
    service: str | None = None
    health_service: str = ""
    replica: int = 0

    @property
    def replicated(self) -> str | None:
        """What the replicas of this process are replicas of (``gateway``, ``shots``, ...)."""
        if self.kind is Kind.HTTP:
            return "gateway"
        return self.service if self.kind is Kind.GRPC else None


def _service(name: str) -> ProcessSpec:
    return ProcessSpec(name, f"services.{name}", Kind.GRPC, database=name, service=name)


def worker(name: str, module: str, database: str) -> ProcessSpec:
    """A port-less consumer process; several may run the same module (consumer groups)."""
    return ProcessSpec(name, module, Kind.WORKER, database=database)


@dataclass(frozen=True)
class WorkerKind:
    """One kind of worker: what it runs, what it consumes and how many of it to start.

    ``count_env`` names the setting of `make run` (``GENERATION_WORKERS=3``); in Kubernetes the
    same kind is one Deployment scaled by KEDA on the lag of ``group`` on ``topic``.
    """

    name: str
    module: str
    database: str
    group: str
    topic: Topic

    @property
    def count_env(self) -> str:
        return f"{self.name.upper()}_WORKERS"

    def processes(self, count: int) -> tuple[ProcessSpec, ...]:
        """``count`` processes of this kind, named ``<kind>-worker-<n>`` (one consumer group)."""
        return tuple(worker(f"{self.name}-worker-{n}", self.module, self.database) for n in range(1, count + 1))


WORKER_KINDS: tuple[WorkerKind, ...] = (
    WorkerKind("generation", "services.shots.worker", "shots", "generation-workers", GENERATION_REQUESTS),
    WorkerKind("styling", "services.outfits.worker", "outfits", "styling-workers", STYLING_REQUESTS),
    WorkerKind("push", "services.exports.worker", "exports", "push-workers", EXPORT_PUSHES),
)
# The kinds `make run` starts (their module exists); one name per worker as each is written.
LOCAL_WORKERS: frozenset[str] = frozenset({"generation", "styling", "push"})

GATEWAY = ProcessSpec("gateway", "gateway", Kind.HTTP, database="gateway")
EDGE = ProcessSpec("envoy", "devstack.edge", Kind.EDGE)

DATABASES: tuple[Database, ...] = (
    Database("gateway", "gateway", "platform_gateway"),
    *(Database(name, f"services.{name}", f"platform_{name}") for name in SERVICE_NAMES),
)


def worker_counts(environ: Mapping[str, str]) -> dict[str, int]:
    """How many workers of each local kind to start (``<KIND>_WORKERS``, default 1).

    A count for a kind whose module is not written yet is refused rather than ignored: asking for
    three generation workers and silently getting none would hide the mistake.
    """
    counts = {}
    for kind in WORKER_KINDS:
        raw = environ.get(kind.count_env, "")
        try:
            count = int(raw) if raw else (1 if kind.name in LOCAL_WORKERS else 0)
        except ValueError:
            raise ValueError(f"{kind.count_env} must be a number of processes, not {raw!r}") from None
        if count < 0:
            raise ValueError(f"{kind.count_env} must not be negative")
        if count and kind.name not in LOCAL_WORKERS:
            raise ValueError(f"{kind.count_env}: the {kind.name} worker ({kind.module}) does not exist yet")
        counts[kind.name] = count
    return counts


def replicas_of(spec: ProcessSpec, count: int) -> tuple[ProcessSpec, ...]:
    """``count`` copies of a service or of the gateway, named ``<name>-<n>`` (one when ``count`` is 1)."""
    if count <= 1:
        return (spec,)
    return tuple(replace(spec, name=f"{spec.name}-{n}", replica=n) for n in range(1, count + 1))


def process_table(
    counts: Mapping[str, int] | None = None, replicas: Mapping[str, int] | None = None
) -> tuple[ProcessSpec, ...]:
    """Services, workers (``counts`` per kind, default one of each local kind), gateway, Envoy;
    ``replicas`` runs several copies of a service or of the gateway (``{"gateway": 2, "shots": 2}``),
    as a cluster does: clients balance over the services' copies, Envoy over the gateways.

    Start order: services and workers together, then the gateway once every service serves, then
    Envoy once the gateway answers.
    """
    counts = worker_counts({}) if counts is None else counts
    replicas = replicas or {}
    workers = [spec for kind in WORKER_KINDS for spec in kind.processes(counts.get(kind.name, 0))]
    services = [copy for name in SERVICE_NAMES for copy in replicas_of(_service(name), replicas.get(name, 1))]
    return (*services, *workers, *replicas_of(GATEWAY, replicas.get("gateway", 1)), EDGE)


PROCESSES: tuple[ProcessSpec, ...] = process_table()

GATEWAY_HEALTH_PATH = "/api/v1/utils/health-check/"
