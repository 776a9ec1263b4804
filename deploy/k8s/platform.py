"""What the workloads share: configuration, Kafka (Strimzi), PostgreSQL (CloudNativePG), worker
autoscaling (KEDA) and network policies.

Operators: Strimzi runs Kafka in KRaft mode (a node pool of combined controller/broker nodes)
and creates every topic the code uses from ``KafkaTopic`` resources; CloudNativePG runs one
``Cluster`` per database and keeps its credentials in the ``<cluster>-app`` Secret the workloads
read; KEDA scales each worker kind on its consumer group's lag.

Network: ingress to platform pods is denied unless a policy below allows it: anyone may reach
Envoy's public port; only Envoy reaches the gateway; only the gateway, the services and the
workers reach a service's gRPC port; Prometheus (namespace ``monitoring``) reaches the metrics
ports. The operators' own pods (Kafka, PostgreSQL) are left to their operators.
"""

from __future__ import annotations

from typing import Any

from deploy.k8s.inventory import (
    EDGE_ADMIN_PORT,
    EDGE_PORT,
    GATEWAY_PORT,
    KAFKA_BOOTSTRAP,
    KAFKA_CLUSTER,
    METRICS_PORT,
    OTLP_ENDPOINT,
    PART_OF,
    Workload,
    grpc_target,
    partitions,
    topics,
)
from deploy.k8s.workloads import PLATFORM_CONFIG, labels
from devstack.processes import DATABASES
from platformkit.settings import SERVICE_NAMES
from platformkit.topics import BROKER_EPOCH

Obj = dict[str, Any]
KAFKA_REPLICAS = 3
MONITORING_NAMESPACE = "monitoring"


def platform_config() -> Obj:
    """Settings every Python process reads (ProcessSettings), one ConfigMap for all."""
    data = {
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "KAFKA_BOOTSTRAP_SERVERS": KAFKA_BOOTSTRAP,
        "OTEL_EXPORTER_OTLP_ENDPOINT": OTLP_ENDPOINT,
        # One trace in ten recorded and exported (batched); the others still carry their ids.
        "OTEL_TRACES_SAMPLER_ARG": "0.1",
        # Apache Kafka answers a waiting fetch as soon as a record arrives: long polling, and no
        # pauses between fetches when idle (the local broker needs both, platformkit.polling).
        "KAFKA_FETCH_MAX_WAIT_MS": "500",
        "KAFKA_BACKGROUND_FETCH_MAX_WAIT_MS": "500",
        "KAFKA_IDLE_POLL_MAX_MS": "0",
        "GRPC_DEADLINE_SECONDS": "10",
        "FIRST_SUPERUSER": "admin@example.com",
        **{f"{name.upper()}_GRPC_TARGET": grpc_target(name) for name in SERVICE_NAMES},
    }
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": PLATFORM_CONFIG, "labels": {"app.kubernetes.io/part-of": PART_OF}},
        "data": data,
    }


def kafka() -> list[Obj]:
    pool = {
        "apiVersion": "kafka.strimzi.io/v1beta2",
        "kind": "KafkaNodePool",
        "metadata": {"name": "combined", "labels": {"strimzi.io/cluster": KAFKA_CLUSTER}},
        "spec": {
            "replicas": KAFKA_REPLICAS,
            "roles": ["controller", "broker"],
            "storage": {
                "type": "jbod",
                "volumes": [
                    {
                        "id": 0,
                        "type": "persistent-claim",
                        "size": "20Gi",
                        "deleteClaim": False,
                        "kraftMetadata": "shared",
                    }
                ],
            },
            "resources": {"requests": {"cpu": "500m", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "2Gi"}},
        },
    }
    cluster = {
        "apiVersion": "kafka.strimzi.io/v1beta2",
        "kind": "Kafka",
        "metadata": {
            "name": KAFKA_CLUSTER,
            "annotations": {"strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled"},
        },
        "spec": {
            "kafka": {
                "version": "4.1.0",
                "listeners": [{"name": "plain", "port": 9092, "type": "internal", "tls": False}],
                "config": {
                    "offsets.topic.replication.factor": KAFKA_REPLICAS,
                    "transaction.state.log.replication.factor": KAFKA_REPLICAS,
                    "transaction.state.log.min.isr": 2,
                    "default.replication.factor": KAFKA_REPLICAS,
                    "min.insync.replicas": 2,
                    # Topics come from KafkaTopic resources only: a typo must not create one.
                    "auto.create.topics.enable": False,
                },
            },
            "entityOperator": {"topicOperator": {}},
        },
    }
    return [pool, cluster]


def kafka_topics() -> list[Obj]:
    """One KafkaTopic per topic of ``platformkit.topics`` (resource names cannot hold dots or
    underscores, so the topic's name is ``spec.topicName``)."""
    found = []
    for topic in topics():
        spec: Obj = {"topicName": topic.name, "partitions": partitions(topic), "replicas": KAFKA_REPLICAS}
        if topic.name == BROKER_EPOCH.name:
            # The broker-epoch record must outlive retention (platformkit.bus).
            spec["config"] = {"retention.ms": -1, "retention.bytes": -1}
        found.append(
            {
                "apiVersion": "kafka.strimzi.io/v1beta2",
                "kind": "KafkaTopic",
                "metadata": {
                    "name": topic.name.strip("_").replace(".", "-"),
                    "labels": {"strimzi.io/cluster": KAFKA_CLUSTER},
                },
                "spec": spec,
            }
        )
    return found


def postgres_clusters() -> list[Obj]:
    """One CloudNativePG cluster per database, owned by its component's own role."""
    return [
        {
            "apiVersion": "postgresql.cnpg.io/v1",
            "kind": "Cluster",
            "metadata": {"name": f"{db.key}-db", "labels": {"app.kubernetes.io/part-of": PART_OF}},
            "spec": {
                "instances": 1,
                "imageName": "ghcr.io/cloudnative-pg/postgresql:18.1",
                "storage": {"size": "10Gi"},
                "bootstrap": {"initdb": {"database": db.name, "owner": db.key}},
                "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
                "monitoring": {"enablePodMonitor": False},
            },
        }
        for db in DATABASES
    ]


def scaled_object(workload: Workload) -> Obj:
    """KEDA scales a worker kind on its consumer group's lag on its work queue."""
    kind = workload.worker
    assert kind is not None
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": workload.name, "labels": labels(workload)},
        "spec": {
            "scaleTargetRef": {"name": workload.name},
            "minReplicaCount": workload.min_replicas,
            "maxReplicaCount": workload.max_replicas,
            "pollingInterval": 15,
            "cooldownPeriod": 120,
            "triggers": [
                {
                    "type": "kafka",
                    "metadata": {
                        "bootstrapServers": KAFKA_BOOTSTRAP,
                        "consumerGroup": kind.group,
                        "topic": kind.topic.name,
                        "lagThreshold": "10",
                        "offsetResetPolicy": "earliest",
                    },
                }
            ],
        },
    }


def _policy(name: str, pod_selector: Obj, ingress: list[Obj]) -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/part-of": PART_OF}},
        "spec": {"podSelector": pod_selector, "policyTypes": ["Ingress"], "ingress": ingress},
    }


def _from_roles(*roles: str) -> Obj:
    expression = {"key": "app.kubernetes.io/component", "operator": "In", "values": list(roles)}
    return {"podSelector": {"matchExpressions": [expression], "matchLabels": {"app.kubernetes.io/part-of": PART_OF}}}


def _monitoring(port: int) -> Obj:
    namespace = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": MONITORING_NAMESPACE}}}
    return {"from": [namespace], "ports": [{"port": port, "protocol": "TCP"}]}


def _role(role: str) -> Obj:
    return {"matchLabels": {"app.kubernetes.io/component": role, "app.kubernetes.io/part-of": PART_OF}}


def network_policies(services: list[Workload]) -> list[Obj]:
    policies = [
        _policy("default-deny-ingress", {"matchLabels": {"app.kubernetes.io/part-of": PART_OF}}, []),
        _policy(
            "edge-public",
            _role("edge"),
            [{"ports": [{"port": EDGE_PORT, "protocol": "TCP"}]}, _monitoring(EDGE_ADMIN_PORT)],
        ),
        _policy(
            "gateway-from-edge",
            _role("gateway"),
            [
                {"from": [_from_roles("edge")], "ports": [{"port": GATEWAY_PORT, "protocol": "TCP"}]},
                _monitoring(GATEWAY_PORT),
            ],
        ),
        _policy("workers-metrics", _role("worker"), [_monitoring(METRICS_PORT)]),
    ]
    for service in services:
        assert service.grpc_port is not None
        allowed = {
            "from": [_from_roles("gateway", "service", "worker")],
            "ports": [{"port": service.grpc_port, "protocol": "TCP"}],
        }
        policies.append(
            _policy(
                f"{service.name}-grpc",
                {"matchLabels": {"app.kubernetes.io/name": service.name}},
                [allowed, _monitoring(METRICS_PORT)],
            )
        )
    return policies
