"""What runs in the cluster, derived from the code's own tables.

Every Deployment of the base comes from one :class:`Workload` here, and every workload from the
tables the local stack uses: the services (``platformkit.settings.SERVICE_NAMES`` and their gRPC
ports), the worker kinds (``devstack.processes.WORKER_KINDS``), the databases
(``devstack.processes.DATABASES``) and the topics (``platformkit.topics.ALL_TOPICS``). A service or
worker added there appears here, and the manifest tests then check the rendered result against
the settings classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from devstack.processes import DATABASES, WORKER_KINDS, Database, WorkerKind
from platformkit.settings import DEFAULT_GRPC_PORTS, SERVICE_NAMES
from platformkit.topics import ALL_TOPICS, BROKER_EPOCH, Topic

PART_OF = "shooting-platform"
IMAGE_PREFIX = "shooting-platform"
ENVOY_IMAGE = "envoyproxy/envoy:v1.40.0"
GATEWAY_PORT = 8080  # inside the cluster; Envoy's 8000 is the public one
EDGE_PORT = 8000
EDGE_ADMIN_PORT = 9901
METRICS_PORT = 9100
KAFKA_CLUSTER = "platform"
KAFKA_BOOTSTRAP = f"{KAFKA_CLUSTER}-kafka-bootstrap:9092"
OTLP_ENDPOINT = "http://otel-collector:4317"
# Partitions in production: a work queue's count caps how many workers of its kind do work at once
# (KEDA never scales a kind beyond it), facts need only enough for their consumers' replicas.
WORK_QUEUE_PARTITIONS = 12
FACT_PARTITIONS = 6

Role = Literal["edge", "gateway", "service", "worker"]


@dataclass(frozen=True)
class Resources:
    cpu: str
    memory: str
    cpu_limit: str
    memory_limit: str


SMALL = Resources("100m", "128Mi", "500m", "256Mi")
SERVICE = Resources("200m", "256Mi", "1", "512Mi")
HEAVY = Resources("500m", "512Mi", "2", "1Gi")


@dataclass(frozen=True)
class Workload:
    """One Deployment: its image, command, ports, database and how it scales."""

    name: str
    role: Role
    image: str
    command: tuple[str, ...]
    resources: Resources
    database: Database | None = None
    grpc_port: int | None = None
    worker: WorkerKind | None = None
    min_replicas: int = 2
    max_replicas: int = 8
    env: dict[str, str] = field(default_factory=dict)

    @property
    def module(self) -> str | None:
        """The Python module the container runs (``python -m <module>``), if it is Python."""
        return self.command[2] if self.command[:2] == ("python", "-m") else None


def image(name: str) -> str:
    """The image built from the Dockerfile target ``name`` (overlays pin registry and tag)."""
    return f"{IMAGE_PREFIX}/{name}"


def _database(key: str) -> Database:
    return next(db for db in DATABASES if db.key == key)


def grpc_target(service: str) -> str:
    """Client-side load balancing: DNS of a headless Service lists every ready replica."""
    return f"dns:///{service}:{DEFAULT_GRPC_PORTS[service]}"


def services() -> list[Workload]:
    return [
        Workload(
            name=name,
            role="service",
            image=image(name),
            command=("python", "-m", f"services.{name}"),
            resources=SERVICE,
            database=_database(name),
            grpc_port=DEFAULT_GRPC_PORTS[name],
            env={f"{name.upper()}_GRPC_BIND": f"0.0.0.0:{DEFAULT_GRPC_PORTS[name]}"},
        )
        for name in SERVICE_NAMES
    ]


def workers() -> list[Workload]:
    """One Deployment per worker kind, in its service's image; KEDA scales it on consumer lag."""
    return [
        Workload(
            name=f"{kind.name}-worker",
            role="worker",
            image=image(kind.database),
            command=("python", "-m", kind.module),
            resources=HEAVY if kind.name == "generation" else SERVICE,
            database=_database(kind.database),
            worker=kind,
            min_replicas=1,
            max_replicas=WORK_QUEUE_PARTITIONS,
        )
        for kind in WORKER_KINDS
    ]


GATEWAY = Workload(
    name="gateway",
    role="gateway",
    image=image("gateway"),
    command=("python", "-m", "gateway"),
    resources=SERVICE,
    database=_database("gateway"),
    max_replicas=10,
    env={"GATEWAY_HOST": "0.0.0.0", "GATEWAY_PORT": str(GATEWAY_PORT)},
)
EDGE = Workload(
    name="envoy",
    role="edge",
    image=ENVOY_IMAGE,
    command=("envoy", "-c", "/etc/envoy/envoy.yaml", "--concurrency", "2", "-l", "warning"),
    resources=SMALL,
    max_replicas=6,
)


def workloads() -> list[Workload]:
    return [EDGE, GATEWAY, *services(), *workers()]


def partitions(topic: Topic) -> int:
    if topic.name == BROKER_EPOCH.name:
        return 1
    if any(kind.topic.name == topic.name for kind in WORKER_KINDS):
        return WORK_QUEUE_PARTITIONS
    return FACT_PARTITIONS


def topics() -> tuple[Topic, ...]:
    return ALL_TOPICS
