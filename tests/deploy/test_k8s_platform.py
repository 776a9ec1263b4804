"""The Kubernetes manifests of the engines and the network, offline: Kafka in KRaft mode with every
topic sized for its workers, complete PostgreSQL clusters, migration Jobs, network policies, what
each overlay changes, and a renderer that refuses what it does not implement.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.k8s.inventory import EDGE_ADMIN_PORT, KAFKA_BOOTSTRAP, KAFKA_CLUSTER
from devstack.processes import DATABASES, WORKER_KINDS
from platformkit.settings import DEFAULT_GRPC_PORTS
from platformkit.topics import ALL_TOPICS, BROKER_EPOCH
from tests.deploy.k8s_support import (
    Obj,
    of_kind,
    pod_spec,
)
from tests.deploy.kustomize import KustomizeError, apply_operation, build


def test_kafka_runs_in_kraft_mode_and_has_every_topic_sized_for_its_workers(overlay: tuple[str, list[Obj]]) -> None:
    _, objects = overlay
    (kafka,) = of_kind(objects, "Kafka").values()
    (pool,) = of_kind(objects, "KafkaNodePool").values()
    assert kafka["metadata"]["name"] == KAFKA_CLUSTER and KAFKA_BOOTSTRAP.startswith(
        f"{KAFKA_CLUSTER}-kafka-bootstrap:"
    )
    assert kafka["metadata"]["annotations"] == {"strimzi.io/node-pools": "enabled", "strimzi.io/kraft": "enabled"}
    assert {listener["port"] for listener in kafka["spec"]["kafka"]["listeners"]} == {
        int(KAFKA_BOOTSTRAP.rsplit(":")[1])
    }
    assert "topicOperator" in kafka["spec"]["entityOperator"]
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == KAFKA_CLUSTER
    assert set(pool["spec"]["roles"]) == {"controller", "broker"} and pool["spec"]["replicas"] >= 1
    config = kafka["spec"]["kafka"]["config"]
    assert config["min.insync.replicas"] <= config["default.replication.factor"] <= pool["spec"]["replicas"]
    topics = {t["spec"]["topicName"]: t for t in of_kind(objects, "KafkaTopic").values()}
    assert set(topics) == {t.name for t in ALL_TOPICS}
    for topic in topics.values():
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == KAFKA_CLUSTER
        assert 1 <= topic["spec"]["replicas"] <= pool["spec"]["replicas"]
    assert topics[BROKER_EPOCH.name]["spec"]["partitions"] == 1
    assert topics[BROKER_EPOCH.name]["spec"]["config"]["retention.ms"] == -1
    for scaled in of_kind(objects, "ScaledObject").values():
        (trigger,) = scaled["spec"]["triggers"]
        kind = next(k for k in WORKER_KINDS if f"{k.name}-worker" == scaled["spec"]["scaleTargetRef"]["name"])
        assert trigger["type"] == "kafka"
        assert trigger["metadata"]["topic"] == kind.topic.name
        assert trigger["metadata"]["consumerGroup"] == kind.group
        assert trigger["metadata"]["bootstrapServers"] == KAFKA_BOOTSTRAP
        assert int(trigger["metadata"]["lagThreshold"]) > 0
        # Workers beyond the partition count would idle: the topic caps the scale-out.
        assert (
            scaled["spec"]["minReplicaCount"]
            <= scaled["spec"]["maxReplicaCount"]
            <= topics[kind.topic.name]["spec"]["partitions"]
        )


def test_postgres_clusters_are_complete(overlay: tuple[str, list[Obj]]) -> None:
    name, objects = overlay
    for cluster in of_kind(objects, "Cluster").values():
        spec = cluster["spec"]
        assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
        assert spec["instances"] == (3 if name == "prod" else 1)
        assert spec["storage"]["size"] and spec["imageName"].rsplit(":", 1)[1]
        initdb = spec["bootstrap"]["initdb"]
        db = next(d for d in DATABASES if f"{d.key}-db" == cluster["metadata"]["name"])
        assert (initdb["database"], initdb["owner"]) == (db.name, db.key)


def test_migrations_run_as_jobs_for_every_component(overlay: tuple[str, list[Obj]]) -> None:
    _, objects = overlay
    jobs = of_kind(objects, "Job")
    assert {pod_spec(job)["containers"][0]["command"][4] for job in jobs.values()} == {
        db.component for db in DATABASES if db.component
    }
    services = of_kind(objects, "Service")
    for job in jobs.values():
        labels = job["spec"]["template"]["metadata"]["labels"]
        assert pod_spec(job)["restartPolicy"] == "OnFailure"
        # A Service never routes to a migration pod.
        assert all(s["spec"]["selector"].items() - labels.items() for s in services.values())


def _allowed(policies: list[Obj], source: dict[str, str], target: dict[str, str], port: int) -> bool:
    """Whether NetworkPolicies let a pod labelled ``source`` (same namespace) reach ``target``."""

    def selects(selector: Obj, labels: dict[str, str]) -> bool:
        if not selector.get("matchLabels", {}).items() <= labels.items():
            return False
        return all(labels.get(e["key"]) in e["values"] for e in selector.get("matchExpressions", []))

    applying = [p for p in policies if selects(p["spec"]["podSelector"], target)]
    if not applying:
        return True
    for policy in applying:
        for rule in policy["spec"]["ingress"]:
            port_ok = "ports" not in rule or any(p["port"] == port for p in rule["ports"])
            peers = rule.get("from")
            source_ok = peers is None or any(
                "podSelector" in p and "namespaceSelector" not in p and selects(p["podSelector"], source) for p in peers
            )
            if port_ok and source_ok:
                return True
    return False


def test_network_policies_let_only_envoy_reach_the_gateway_and_only_peers_reach_services(
    overlay: tuple[str, list[Obj]],
) -> None:
    _, objects = overlay
    policies = list(of_kind(objects, "NetworkPolicy").values())
    pods = {name: obj["spec"]["template"]["metadata"]["labels"] for name, obj in of_kind(objects, "Deployment").items()}
    outsider = {"app": "something-else"}
    assert _allowed(policies, outsider, pods["envoy"], 8000)
    assert not _allowed(policies, outsider, pods["envoy"], EDGE_ADMIN_PORT)
    assert _allowed(policies, pods["envoy"], pods["gateway"], 8080)
    for other in ("shots", "generation-worker"):
        assert not _allowed(policies, pods[other], pods["gateway"], 8080)
    assert not _allowed(policies, outsider, pods["gateway"], 8080)
    for name, port in DEFAULT_GRPC_PORTS.items():
        assert _allowed(policies, pods["gateway"], pods[name], port)
        assert _allowed(policies, pods["generation-worker"], pods[name], port)
        assert _allowed(policies, pods["exports" if name != "exports" else "shots"], pods[name], port)
        assert not _allowed(policies, pods["envoy"], pods[name], port)
        assert not _allowed(policies, outsider, pods[name], port)
    assert not _allowed(policies, pods["gateway"], pods["push-worker"], 9100)


def test_overlay_specifics(overlay: tuple[str, list[Obj]]) -> None:
    name, objects = overlay
    config = of_kind(objects, "ConfigMap")["platform-config"]["data"]
    services = of_kind(objects, "Service")
    if name == "prod":
        assert config["ENVIRONMENT"] == "production"
        assert services["envoy"]["spec"]["type"] == "LoadBalancer"
        assert "platform-secrets" not in of_kind(objects, "Secret")
    else:
        assert "ENVIRONMENT" not in config
        # The development Secret holds exactly what the workloads read from it (secrets and each
        # process's principal signing key among them).
        referenced = {
            item["valueFrom"]["secretKeyRef"]["key"]
            for deployment in of_kind(objects, "Deployment").values()
            for container in deployment["spec"]["template"]["spec"]["containers"]
            for item in container.get("env", [])
            if item.get("valueFrom", {}).get("secretKeyRef", {}).get("name") == "platform-secrets"
        }
        assert set(of_kind(objects, "Secret")["platform-secrets"]["data"]) == referenced
        assert {"SECRET_KEY", "PRINCIPAL_PUBLIC_KEYS", "PRINCIPAL_SIGNING_KEY_SHOTS"} <= referenced
        assert {d["spec"]["replicas"] for d in of_kind(objects, "Deployment").values()} == {1}


def test_the_renderer_refuses_what_it_does_not_implement(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: []\nreplacements: []\n")
    with pytest.raises(KustomizeError, match="replacements"):
        build(tmp_path)
    obj: Obj = {"kind": "X", "metadata": {"name": "x"}, "spec": {"a": [1, 2]}}
    apply_operation(obj, {"op": "add", "path": "/spec/a/-", "value": 3})
    apply_operation(obj, {"op": "replace", "path": "/spec/a/0", "value": 0})
    apply_operation(obj, {"op": "add", "path": "/spec/b~1c", "value": True})
    assert obj["spec"] == {"a": [0, 2, 3], "b/c": True}
    with pytest.raises(KustomizeError, match="missing path"):
        apply_operation(obj, {"op": "replace", "path": "/spec/nothing", "value": 1})
