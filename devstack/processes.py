"""The process table of the local stack: what runs, how it is checked, and what it needs.

Everything the supervisor does is driven by these two tables, so adding a process (a worker
scaled on its own, say) is one line in :data:`PROCESSES` and adding a database one line in
:data:`DATABASES`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from platformkit.settings import SERVICE_NAMES


class Kind(enum.Enum):
    """How the supervisor knows that a process is ready."""

    GRPC = "grpc"  # a gRPC server: ready once grpc.health.v1 answers SERVING on <NAME>_GRPC_BIND
    HTTP = "http"  # the gateway: ready once GET /api/v1/utils/health-check/ answers `true`
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
    the name asked to grpc.health.v1 (``""``: the whole server).
    """

    name: str
    module: str
    kind: Kind
    database: str | None = None
    service: str | None = None
    health_service: str = ""


def _service(name: str) -> ProcessSpec:
    return ProcessSpec(name, f"services.{name}", Kind.GRPC, database=name, service=name)


def worker(name: str, module: str, database: str) -> ProcessSpec:
    """A port-less consumer process; several may run the same module (consumer groups)."""
    return ProcessSpec(name, module, Kind.WORKER, database=database)


DATABASES: tuple[Database, ...] = (
    Database("gateway", "gateway", "platform_gateway"),
    *(Database(name, f"services.{name}", f"platform_{name}") for name in SERVICE_NAMES),
)

# Start order: services and workers together, then the gateway once every service serves.
PROCESSES: tuple[ProcessSpec, ...] = (
    *(_service(name) for name in SERVICE_NAMES),
    ProcessSpec("gateway", "gateway", Kind.HTTP, database="gateway"),
    # Workers, one line each, e.g.:
    # worker("generation-worker", "services.shots.worker", "shots"),
)

GATEWAY_HEALTH_PATH = "/api/v1/utils/health-check/"
