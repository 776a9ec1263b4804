"""The single-host compose stack, parsed and cross-checked with the code (no Docker here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy.envoy.params import EdgeParams
from devstack.processes import DATABASES, WORKER_KINDS, process_table
from platformkit.settings import DEFAULT_GRPC_PORTS, SERVICE_NAMES
from platformkit.topics import ALL_TOPICS, BROKER_EPOCH
from tests.deploy.code_facts import RUNTIME_ENV, base_images, dockerfile_targets, env_names, settings_of

COMPOSE = Path("deploy/compose").resolve()
Obj = dict[str, Any]


@pytest.fixture(scope="module")
def services() -> dict[str, Obj]:
    compose = yaml.safe_load((COMPOSE / "compose.yaml").read_text())
    found: dict[str, Obj] = compose["services"]
    return found


def platform_services(services: dict[str, Obj]) -> dict[str, Obj]:
    """The containers that run our Python code (``python -m ...``)."""
    return {name: s for name, s in services.items() if s.get("command", [None])[:2] == ["python", "-m"]}


def module_of(service: Obj) -> str:
    return str(service["command"][2])


def substituted(value: str) -> str:
    """``${NAME:-default}`` as compose resolves it without NAME set."""
    return re.sub(r"\$\{\w+(?::-([^}]*))?[^}]*\}", lambda m: m.group(1) or "unset", value)


def test_every_component_of_the_code_runs_and_nothing_else(services: dict[str, Obj]) -> None:
    modules = {module_of(s) for s in platform_services(services).values()}
    table = {spec.module for spec in process_table({kind.name: 1 for kind in WORKER_KINDS}) if spec.database}
    assert modules == table
    for kind in WORKER_KINDS:
        worker = services[f"{kind.name}-worker"]
        assert module_of(worker) == kind.module
        assert worker["deploy"]["replicas"] == f"${{{kind.count_env}:-1}}"  # the same knob as `make run`
        assert worker["profiles"] == ["workers"]


def test_env_is_read_by_each_process(services: dict[str, Obj]) -> None:
    for name, service in platform_services(services).items():
        readable = env_names(settings_of(module_of(service))) | RUNTIME_ENV
        unknown = set(service["environment"]) - readable
        assert not unknown, f"{name} sets {sorted(unknown)}"
    migrate = services["migrate"]
    assert set(migrate["environment"]) == {db.env_name for db in DATABASES}


def test_database_urls_name_the_databases_postgres_creates(services: dict[str, Obj]) -> None:
    created = set(re.findall(r"CREATE DATABASE (\w+);", (COMPOSE / "postgres-init.sql").read_text()))
    assert created == {db.name for db in DATABASES}
    for name, service in [*platform_services(services).items(), ("migrate", services["migrate"])]:
        for key, value in service["environment"].items():
            if key.startswith("DATABASE_URL_"):
                db = next(d for d in DATABASES if d.env_name == key)
                assert substituted(value).endswith(f"@postgres:5432/{db.name}"), f"{name}: {key}"
                assert value.startswith("postgresql+asyncpg://")


def test_ports_and_addresses_agree_with_the_code_and_the_envoy_config(services: dict[str, Obj]) -> None:
    edge = EdgeParams()
    for name in SERVICE_NAMES:
        port = DEFAULT_GRPC_PORTS[name]
        env = services[name]["environment"]
        assert env[f"{name.upper()}_GRPC_BIND"] == f"0.0.0.0:{port}"
        for other in platform_services(services).values():
            assert other["environment"][f"{name.upper()}_GRPC_TARGET"] == f"dns:///{name}:{port}"
    gateway = services[edge.gateway.host]
    assert gateway["environment"]["GATEWAY_PORT"] == str(edge.gateway.port)
    assert gateway["environment"]["GATEWAY_HOST"] == "0.0.0.0"
    envoy = services["envoy"]
    assert envoy["ports"] == [f"{edge.listen_port}:{edge.listen_port}"]
    assert "../envoy/envoy.yaml:/etc/envoy/envoy.yaml:ro" in envoy["volumes"]
    assert (COMPOSE / "../envoy/envoy.yaml").resolve().is_file()
    assert edge.otlp_collector is not None and edge.otlp_collector.host in services
    for service in platform_services(services).values():
        collector = service["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
        assert collector == f"http://{edge.otlp_collector.host}:{edge.otlp_collector.port}"
        assert service["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"


def test_every_topic_is_created_with_room_for_the_workers(services: dict[str, Obj]) -> None:
    script = services["kafka-init"]["command"][0]
    created = {name: int(count) for name, count in re.findall(r"([\w.]+):(\d+)", script.split(";")[0])}
    created[BROKER_EPOCH.name] = int(re.search(r"--topic _platform\.epoch --partitions (\d+)", script).group(1))  # type: ignore[union-attr]
    assert set(created) == {t.name for t in ALL_TOPICS}
    assert created[BROKER_EPOCH.name] == 1 and "retention.ms=-1" in script
    for kind in WORKER_KINDS:
        assert created[kind.topic.name] >= 12 > 1


def test_images_are_dockerfile_targets_and_third_party_images_are_pinned(services: dict[str, Obj]) -> None:
    targets = dockerfile_targets()
    for name, service in services.items():
        image = substituted(service["image"])
        repository, _, tag = image.rpartition(":")
        assert tag and tag != "latest", f"{name}: {image}"
        if repository.startswith("shooting-platform/"):
            target = repository.split("/", 1)[1]
            assert target in targets
            if "build" in service:
                assert service["build"]["target"] == target
            if name != "migrate":
                assert module_of(service).startswith(targets[target])
    for image in base_images():
        assert ":" in image and not image.endswith(":latest")


def test_every_process_is_scraped_and_traced(services: dict[str, Obj]) -> None:
    prometheus = yaml.safe_load((COMPOSE / "prometheus.yml").read_text())
    scraped = {
        name
        for job in prometheus["scrape_configs"]
        for group in job.get("dns_sd_configs", []) + job.get("static_configs", [])
        for name in group.get("names", []) + [t.split(":")[0] for t in group.get("targets", [])]
    }
    assert scraped == {*platform_services(services), "envoy"}
    collector = yaml.safe_load((COMPOSE / "otel-collector.yaml").read_text())
    assert collector["exporters"]["otlp/jaeger"]["endpoint"].split(":")[0] in services
    for name, service in platform_services(services).items():
        if name != "gateway":
            assert service["environment"]["METRICS_BIND"] == "0.0.0.0:9100"
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
