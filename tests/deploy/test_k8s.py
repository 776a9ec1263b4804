"""The Kubernetes manifests, offline: generated base current, overlays rendered (tests/deploy/
kustomize.py), core kinds schema-checked (kubernetes-validate), operator resources checked
structurally, and every name, port, env var, image, topic and module cross-checked with the code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from deploy.envoy.params import EdgeParams
from deploy.k8s.__main__ import stale
from deploy.k8s.inventory import EDGE_ADMIN_PORT, KAFKA_BOOTSTRAP, KAFKA_CLUSTER
from devstack.processes import DATABASES, WORKER_KINDS, process_table
from platformkit.settings import DEFAULT_GRPC_PORTS, SERVICE_NAMES
from platformkit.topics import ALL_TOPICS, BROKER_EPOCH
from tests.deploy.code_facts import (
    RUNTIME_ENV,
    dockerfile_targets,
    env_names,
    module_exists,
    process_module,
    settings_of,
    worker_modules,
)
from tests.deploy.kustomize import KustomizeError, apply_operation, build, containers

K8S = Path("deploy/k8s").resolve()
OVERLAYS = ("dev", "prod")
KUBERNETES_VERSION = kubernetes_validate.latest_version()
CORE_API_GROUPS = {"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2", "networking.k8s.io/v1"}
# Secrets the platform reads but does not create: CloudNativePG's per-cluster credentials, and in
# production the platform secret (created from the secret manager, see the prod overlay).
EXTERNAL_SECRETS = {"prod": {"platform-secrets"}, "dev": set()}

Obj = dict[str, Any]


@pytest.fixture(scope="module", params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> tuple[str, list[Obj]]:
    return request.param, build(K8S / "overlays" / request.param)


def of_kind(objects: list[Obj], kind: str) -> dict[str, Obj]:
    return {obj["metadata"]["name"]: obj for obj in objects if obj["kind"] == kind}


def workloads(objects: list[Obj]) -> Iterator[Obj]:
    yield from (obj for obj in objects if obj["kind"] in {"Deployment", "Job"})


def pod_spec(obj: Obj) -> Obj:
    spec: Obj = obj["spec"]["template"]["spec"]
    return spec


def env_of(container: Obj) -> dict[str, Obj]:
    return {entry["name"]: entry for entry in container.get("env", [])}


def test_the_base_is_what_the_generator_writes() -> None:
    assert stale() == [], "run `make k8s-manifests`"


def test_overlays_render_with_unique_names_in_their_namespace(overlay: tuple[str, list[Obj]]) -> None:
    name, objects = overlay
    keys = [(obj["kind"], obj["metadata"]["name"]) for obj in objects]
    assert len(keys) == len(set(keys))
    assert {obj["metadata"]["namespace"] for obj in objects} == {
        "shooting-platform-dev" if name == "dev" else "shooting-platform"
    }


def test_core_kinds_pass_the_kubernetes_schemas(overlay: tuple[str, list[Obj]]) -> None:
    _, objects = overlay
    core = [obj for obj in objects if obj["apiVersion"] in CORE_API_GROUPS]
    assert {obj["kind"] for obj in core} >= {
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Job",
        "ConfigMap",
        "NetworkPolicy",
    }
    for obj in core:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_the_schema_check_catches_a_mistake() -> None:
    (deployment,) = [
        o for o in build(K8S / "overlays" / "dev") if o["metadata"]["name"] == "gateway" and o["kind"] == "Deployment"
    ]
    pod_spec(deployment)["containers"][0]["readinesProbe"] = {"tcpSocket": {"port": 8080}}  # a typo
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_every_workload_has_probes_resources_and_a_locked_down_security_context(overlay: tuple[str, list[Obj]]) -> None:
    _, objects = overlay
    for obj in workloads(objects):
        spec = pod_spec(obj)
        assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] > 0
        assert spec["automountServiceAccountToken"] is False
        for container in spec["containers"]:
            where = f"{obj['kind']} {obj['metadata']['name']}"
            for side in ("requests", "limits"):
                assert set(container["resources"][side]) == {"cpu", "memory"}, where
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            if obj["kind"] == "Deployment":
                assert "readinessProbe" in container and "livenessProbe" in container, where


def test_services_are_probed_over_grpc_health_on_their_own_port(overlay: tuple[str, list[Obj]]) -> None:
    _, objects = overlay
    deployments = of_kind(objects, "Deployment")
    for name in SERVICE_NAMES:
        (container,) = pod_spec(deployments[name])["containers"]
        assert container["readinessProbe"]["grpc"]["port"] == DEFAULT_GRPC_PORTS[name]


def test_every_deployment_has_a_budget_and_an_autoscaler(overlay: tuple[str, list[Obj]]) -> None:
    _, objects = overlay
    budgets = {
        b["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        for b in of_kind(objects, "PodDisruptionBudget").values()
    }
    cpu_scaled = {h["spec"]["scaleTargetRef"]["name"] for h in of_kind(objects, "HorizontalPodAutoscaler").values()}
    lag_scaled = {s["spec"]["scaleTargetRef"]["name"] for s in of_kind(objects, "ScaledObject").values()}
    deployments = of_kind(objects, "Deployment")
    workers = {f"{kind.name}-worker" for kind in WORKER_KINDS}
    assert budgets == set(deployments)
    assert lag_scaled == workers
    assert cpu_scaled == set(deployments) - workers
    for hpa in of_kind(objects, "HorizontalPodAutoscaler").values():
        assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_every_env_var_is_read_by_the_process_it_is_given_to(overlay: tuple[str, list[Obj]]) -> None:
    _, objects = overlay
    config_maps = of_kind(objects, "ConfigMap")
    shared_readers: dict[str, set[str]] = {}
    for obj in workloads(objects):
        for container in containers(obj):
            module = process_module(container["command"])
            if module is None:
                assert "env" not in container and "envFrom" not in container  # Envoy: configured by file
                continue
            readable = env_names(settings_of(module)) | RUNTIME_ENV
            env = env_of(container)
            composed = {ref for entry in env.values() for ref in re.findall(r"\$\((\w+)\)", entry.get("value", ""))}
            unknown = set(env) - readable - composed
            assert not unknown, f"{obj['metadata']['name']} sets {sorted(unknown)}, which {module} never reads"
            for source in container.get("envFrom", []):
                shared_readers.setdefault(source["configMapRef"]["name"], set()).update(readable)
    for name, readable in shared_readers.items():
        unknown = set(config_maps[name]["data"]) - readable
        assert not unknown, f"ConfigMap {name} holds {sorted(unknown)}, which no process reads"


def test_every_secret_and_config_map_referenced_exists(overlay: tuple[str, list[Obj]]) -> None:
    name, objects = overlay
    secrets = {s: set(obj.get("data", {})) for s, obj in of_kind(objects, "Secret").items()}
    clusters = of_kind(objects, "Cluster")
    config_maps = set(of_kind(objects, "ConfigMap"))
    for obj in workloads(objects):
        for container in containers(obj):
            for entry in container.get("env", []):
                ref = entry.get("valueFrom", {}).get("secretKeyRef")
                if ref is None:
                    continue
                if ref["name"].endswith("-app") and ref["name"].removesuffix("-app") in clusters:
                    assert ref["key"] in {"username", "password"}
                elif ref["name"] not in EXTERNAL_SECRETS[name]:
                    assert ref["key"] in secrets[ref["name"]], f"{ref} is not in the overlay's Secrets"
            for source in container.get("envFrom", []):
                assert source["configMapRef"]["name"] in config_maps
        for volume in pod_spec(obj).get("volumes", []):
            if "configMap" in volume:
                assert volume["configMap"]["name"] in config_maps


def test_every_database_url_points_at_its_own_cluster_and_database(overlay: tuple[str, list[Obj]]) -> None:
    _, objects = overlay
    clusters = of_kind(objects, "Cluster")
    assert set(clusters) == {f"{db.key}-db" for db in DATABASES}
    seen = set()
    for obj in workloads(objects):
        for container in containers(obj):
            for env_name, entry in env_of(container).items():
                if not env_name.startswith("DATABASE_URL_"):
                    continue
                db = next(d for d in DATABASES if d.env_name == env_name)
                match = re.fullmatch(
                    r"postgresql\+asyncpg://\$\(PG_USER\):\$\(PG_PASSWORD\)@([\w-]+)-rw:5432/(\w+)", entry["value"]
                )
                assert match, entry["value"]
                cluster = clusters[match.group(1)]
                assert match.group(1) == f"{db.key}-db"
                assert cluster["spec"]["bootstrap"]["initdb"]["database"] == match.group(2) == db.name
                assert env_of(container)["PG_USER"]["valueFrom"]["secretKeyRef"]["name"] == f"{db.key}-db-app"
                seen.add(db.key)
    assert seen == {db.key for db in DATABASES}


def test_images_are_built_by_the_dockerfile_and_pinned(overlay: tuple[str, list[Obj]]) -> None:
    _, objects = overlay
    targets = dockerfile_targets()
    for obj in workloads(objects):
        for container in containers(obj):
            image = container["image"]
            repository, _, tag = image.rpartition(":")
            assert tag and tag != "latest" and "/" in repository, image
            built = repository.rsplit("/", 2)
            if built[-2] == "shooting-platform":
                assert built[-1] in targets, f"{image}: no Dockerfile target {built[-1]}"
                module = process_module(container["command"])
                assert module is not None and module.startswith(targets[built[-1]]), f"{image} cannot run {module}"


def test_every_module_run_is_in_the_process_table_and_workers_match_it(overlay: tuple[str, list[Obj]]) -> None:
    _, objects = overlay
    table = {spec.module for spec in process_table({kind.name: 1 for kind in WORKER_KINDS})}
    deployments = of_kind(objects, "Deployment")
    for obj in deployments.values():
        (container,) = pod_spec(obj)["containers"]
        module = process_module(container["command"])
        if module is not None:
            assert module in table, f"{module} is not in devstack.processes"
    for module, local in worker_modules().items():
        assert not local or module_exists(module), f"{module} runs in `make run` but does not exist"
    for kind in WORKER_KINDS:
        (container,) = pod_spec(deployments[f"{kind.name}-worker"])["containers"]
        assert container["command"] == ["python", "-m", kind.module]
        assert env_of(container)[f"DATABASE_URL_{kind.database.upper()}"]
    for spec in process_table({}):
        if spec.module.startswith(("services.", "gateway")):
            assert module_exists(spec.module)


def test_ports_agree_with_the_code_and_the_envoy_config(overlay: tuple[str, list[Obj]]) -> None:
    _, objects = overlay
    deployments = of_kind(objects, "Deployment")
    config = of_kind(objects, "ConfigMap")["platform-config"]["data"]
    for name, port in DEFAULT_GRPC_PORTS.items():
        (container,) = pod_spec(deployments[name])["containers"]
        assert {p["name"]: p["containerPort"] for p in container["ports"]}["grpc"] == port
        assert env_of(container)[f"{name.upper()}_GRPC_BIND"]["value"] == f"0.0.0.0:{port}"
        assert config[f"{name.upper()}_GRPC_TARGET"] == f"dns:///{name}:{port}"
    (gateway,) = pod_spec(deployments["gateway"])["containers"]
    edge = EdgeParams()
    assert (
        env_of(gateway)["GATEWAY_PORT"]["value"] == str(edge.gateway.port) == str(gateway["ports"][0]["containerPort"])
    )
    (envoy,) = pod_spec(deployments["envoy"])["containers"]
    envoy_ports = {p["name"]: p["containerPort"] for p in envoy["ports"]}
    assert envoy_ports == {"http": edge.listen_port, "admin": edge.admin_port} and edge.admin_port == EDGE_ADMIN_PORT
    for obj in deployments.values():
        (container,) = pod_spec(obj)["containers"]
        named = {p["name"]: p["containerPort"] for p in container["ports"]}
        metrics_bind = env_of(container).get("METRICS_BIND")
        if metrics_bind is not None:
            assert metrics_bind["value"] == f"0.0.0.0:{named['metrics']}"
    for service in of_kind(objects, "Service").values():
        target = deployments[service["spec"]["selector"]["app.kubernetes.io/name"]]
        (container,) = pod_spec(target)["containers"]
        names = {p["name"] for p in container["ports"]}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= names
    # Envoy reaches the gateway by the name of its (headless) Service.
    assert edge.gateway.host in of_kind(objects, "Service")
    assert of_kind(objects, "Service")["gateway"]["spec"]["clusterIP"] == "None"


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
