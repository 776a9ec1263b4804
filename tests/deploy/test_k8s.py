"""The Kubernetes manifests, offline: generated base current, overlays rendered (tests/deploy/
kustomize.py), core kinds schema-checked (kubernetes-validate), operator resources checked
structurally, and every name, port, env var, image, topic and module cross-checked with the code.
"""

from __future__ import annotations

import re

import kubernetes_validate
import pytest

from deploy.envoy.params import EdgeParams
from deploy.k8s.__main__ import stale
from deploy.k8s.inventory import EDGE_ADMIN_PORT
from devstack.processes import DATABASES, WORKER_KINDS, process_table
from platformkit.settings import DEFAULT_GRPC_PORTS, SERVICE_NAMES
from tests.deploy.code_facts import (
    RUNTIME_ENV,
    dockerfile_targets,
    env_names,
    module_exists,
    process_module,
    settings_of,
    worker_modules,
)
from tests.deploy.k8s_support import (
    CORE_API_GROUPS,
    EXTERNAL_SECRETS,
    K8S,
    KUBERNETES_VERSION,
    Obj,
    env_of,
    of_kind,
    pod_spec,
    workloads,
)
from tests.deploy.kustomize import build, containers


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
    # Envoy starts every request's trace and the processes follow it: its sampling is the one in force.
    assert float(config["OTEL_TRACES_SAMPLER_ARG"]) * 100 == edge.trace_sampling_percent
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
