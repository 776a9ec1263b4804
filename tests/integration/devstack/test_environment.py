"""What each process is told: its own database, its bind address, every peer, the shared secret."""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path

import pytest

from devstack.environment import PRINCIPAL_KEYS_FILE, Wiring, principal_keys, process_env, secret_key
from devstack.processes import (
    DATABASES,
    EDGE,
    GATEWAY,
    LOCAL_WORKERS,
    PROCESSES,
    WORKER_KINDS,
    Kind,
    ProcessSpec,
    process_table,
    worker,
    worker_counts,
)


def wiring(tmp_path: Path) -> Wiring:
    return Wiring(
        state_dir=tmp_path,
        gateway_port=8123,
        grpc_ports={"shootings": 6001, "shots": 6002},
        database_urls={"gateway": "postgresql+asyncpg://g/db", "shots": "postgresql+asyncpg://s/db"},
        kafka_bootstrap="127.0.0.1:9999",
        secret_key="k" * 40,
    )


INHERITED = {
    "PATH": "/usr/bin",
    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317",
    "FIRST_SUPERUSER": "root@example.com",
    "FIRST_SUPERUSER_PASSWORD": "s3cret-pass",
    # A developer's own wiring must never leak into a stack's process.
    "DATABASE_URL": "postgresql://elsewhere/db",
    "DATABASE_URL_SHOOTINGS": "postgresql://elsewhere/shootings",
    "KAFKA_BOOTSTRAP_SERVERS": "elsewhere:9092",
    "SHOTS_GRPC_TARGET": "elsewhere:1",
    "GRPC_BIND": "0.0.0.0:1",
}


def test_grpc_service_gets_its_database_bind_and_every_peer(tmp_path: Path) -> None:
    spec = ProcessSpec("shots", "services.shots", Kind.GRPC, database="shots", service="shots")
    env = process_env(spec, wiring(tmp_path), INHERITED)
    assert env["DATABASE_URL_SHOTS"] == "postgresql+asyncpg://s/db"
    assert env["SHOTS_GRPC_BIND"] == "127.0.0.1:6002"
    assert env["SHOOTINGS_GRPC_TARGET"] == "127.0.0.1:6001"
    assert env["SHOTS_GRPC_TARGET"] == "127.0.0.1:6002"
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:9999"
    # Another context's database and the inherited generic names are not passed on.
    for name in ("DATABASE_URL", "DATABASE_URL_SHOOTINGS", "DATABASE_URL_GATEWAY", "GRPC_BIND"):
        assert name not in env


def test_every_process_gets_state_secret_pythonpath_and_passthrough(tmp_path: Path) -> None:
    spec = ProcessSpec("gateway", "gateway", Kind.HTTP, database="gateway")
    env = process_env(spec, wiring(tmp_path), INHERITED)
    assert env["DATABASE_URL_GATEWAY"] == "postgresql+asyncpg://g/db"
    assert (env["GATEWAY_HOST"], env["GATEWAY_PORT"]) == ("127.0.0.1", "8123")
    assert env["STATE_DIR"] == str(tmp_path)
    assert env["SECRET_KEY"] == "k" * 40
    assert env["LOG_FORMAT"] == "json"
    assert Path(env["PYTHONPATH"], "devstack", "stack.py").is_file()
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://collector:4317"
    assert env["FIRST_SUPERUSER"] == "root@example.com"
    assert env["FIRST_SUPERUSER_PASSWORD"] == "s3cret-pass"
    assert not any(k.endswith("_GRPC_BIND") for k in env)


def test_worker_gets_no_bind(tmp_path: Path) -> None:
    env = process_env(worker("generation-worker", "services.shots.worker", "shots"), wiring(tmp_path), {})
    assert env["DATABASE_URL_SHOTS"] == "postgresql+asyncpg://s/db"
    assert not any(k.endswith("_GRPC_BIND") for k in env)


def test_extra_env_wins(tmp_path: Path) -> None:
    w = replace(wiring(tmp_path), extra={"KAFKA_BOOTSTRAP_SERVERS": "fake:1", "X": "y"})
    env = process_env(worker("w", "m", "shots"), w, {})
    assert (env["KAFKA_BOOTSTRAP_SERVERS"], env["X"]) == ("fake:1", "y")


def test_secret_key_is_generated_once_and_private(tmp_path: Path) -> None:
    first = secret_key(tmp_path, {})
    path = tmp_path / "secret_key"
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_key(tmp_path, {}) == first
    assert secret_key(tmp_path / "other", {}) != first


def test_secret_key_from_environment_wins_and_is_not_written(tmp_path: Path) -> None:
    assert secret_key(tmp_path, {"SECRET_KEY": "from-env"}) == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_each_process_signs_with_its_own_key_kept_in_the_state_folder(tmp_path: Path) -> None:
    keys = principal_keys(tmp_path)
    assert stat.S_IMODE((tmp_path / PRINCIPAL_KEYS_FILE).stat().st_mode) == 0o600
    assert principal_keys(tmp_path) == keys  # a restarted stack verifies with the same keys
    w = replace(wiring(tmp_path), principal_keys=keys)
    inherited = {**INHERITED, "PRINCIPAL_SIGNING_KEY": "a developer's own", "PRINCIPAL_PUBLIC_KEYS": "x:y"}
    signers = {
        "gateway": GATEWAY,
        "shots": ProcessSpec("shots", "services.shots", Kind.GRPC, database="shots", service="shots"),
        "shots-worker": worker("generation-worker-1", "services.shots.worker", "shots"),
    }
    for name, spec in signers.items():
        signer = name.removesuffix("-worker")  # a worker signs as its service
        env = process_env(spec, w, inherited)
        assert env["PRINCIPAL_SIGNING_KEY"] == keys.private[signer]
        assert env["PRINCIPAL_PUBLIC_KEYS"] == keys.public
    assert "PRINCIPAL_SIGNING_KEY" not in process_env(EDGE, w, inherited)


def test_process_table_covers_every_database_and_service() -> None:
    assert {db.key for db in DATABASES} == {"gateway", "shootings", "shots", "outfits", "exports"}
    assert {db.name for db in DATABASES} == {f"platform_{db.key}" for db in DATABASES}
    grpc = {p.service for p in PROCESSES if p.kind is Kind.GRPC}
    assert grpc == {"shootings", "shots", "outfits", "exports"}
    assert [p.module for p in PROCESSES if p.kind is Kind.HTTP] == ["gateway"]
    assert [p.module for p in PROCESSES if p.kind is Kind.EDGE] == ["devstack.edge"]
    assert {p.database for p in PROCESSES if p.kind is not Kind.EDGE} <= {db.key for db in DATABASES}
    assert len({p.name for p in PROCESSES}) == len(PROCESSES)


def test_behind_envoy_the_gateway_binds_loopback_and_envoy_gets_the_public_port(tmp_path: Path) -> None:
    w = replace(wiring(tmp_path), gateway_host="0.0.0.0", gateway_bind_port=8124, edge_admin_port=9911)
    gateway = process_env(GATEWAY, w, {})
    assert (gateway["GATEWAY_HOST"], gateway["GATEWAY_PORT"]) == ("127.0.0.1", "8124")
    edge = process_env(EDGE, w, {"EDGE_UPSTREAM": "elsewhere:1"})
    assert (edge["GATEWAY_HOST"], edge["GATEWAY_PORT"]) == ("0.0.0.0", "8123")
    assert (edge["EDGE_UPSTREAM"], edge["EDGE_ADMIN_PORT"]) == ("127.0.0.1:8124", "9911")
    assert w.gateway_bind_url == "http://127.0.0.1:8124"


def test_replicas_bind_ports_of_their_own_and_clients_and_envoy_reach_every_copy(tmp_path: Path) -> None:
    table = process_table(replicas={"gateway": 2, "shots": 2})
    assert [p.name for p in table if p.service == "shots"] == ["shots-1", "shots-2"]
    assert [p.name for p in table if p.kind is Kind.HTTP] == ["gateway-1", "gateway-2"]
    assert [p.name for p in table if p.service == "shootings"] == ["shootings"]
    w = replace(
        wiring(tmp_path),
        gateway_bind_port=8124,
        edge_admin_port=9911,
        replica_ports={"gateway": (7001, 7002), "shots": (7011, 7012)},
    )
    shots_2 = next(p for p in table if p.name == "shots-2")
    env = process_env(shots_2, w, {})
    assert env["SHOTS_GRPC_BIND"] == "127.0.0.1:7012"
    # Every process balances over both copies (gRPC round_robin over an ipv4: list).
    assert env["SHOTS_GRPC_TARGET"] == "ipv4:127.0.0.1:7011,127.0.0.1:7012"
    assert env["SHOOTINGS_GRPC_TARGET"] == "127.0.0.1:6001"
    gateway_1 = next(p for p in table if p.name == "gateway-1")
    assert process_env(gateway_1, w, {})["GATEWAY_PORT"] == "7001"
    assert process_env(EDGE, w, {})["EDGE_UPSTREAM"] == "127.0.0.1:7001,127.0.0.1:7002"


def test_metrics_bind_is_given_per_process_and_never_inherited(tmp_path: Path) -> None:
    w = replace(wiring(tmp_path), metrics_ports={"shots": 9555})
    shots = ProcessSpec("shots", "services.shots", Kind.GRPC, database="shots", service="shots")
    assert process_env(shots, w, {"METRICS_BIND": "0.0.0.0:1"})["METRICS_BIND"] == "127.0.0.1:9555"
    assert "METRICS_BIND" not in process_env(GATEWAY, w, {"METRICS_BIND": "0.0.0.0:1", "SHOTS_METRICS_BIND": "x"})


def test_worker_counts_name_one_process_per_worker_in_one_table() -> None:
    generation = next(kind for kind in WORKER_KINDS if kind.name == "generation")
    names = [p.name for p in generation.processes(3)]
    assert names == ["generation-worker-1", "generation-worker-2", "generation-worker-3"]
    assert {p.module for p in generation.processes(3)} == {"services.shots.worker"}
    table = process_table({"generation": 3})
    assert [p.name for p in table if p.module == generation.module] == names
    # Envoy is last: it is checked through the public port once the gateway answers.
    assert table[-2:] == (GATEWAY, EDGE)


def test_worker_counts_are_read_from_the_environment_and_checked() -> None:
    assert {kind.count_env for kind in WORKER_KINDS} == {"GENERATION_WORKERS", "STYLING_WORKERS", "PUSH_WORKERS"}
    defaults = worker_counts({})
    assert defaults == {kind.name: (1 if kind.name in LOCAL_WORKERS else 0) for kind in WORKER_KINDS}
    with pytest.raises(ValueError, match="GENERATION_WORKERS must be a number"):
        worker_counts({"GENERATION_WORKERS": "three"})
    with pytest.raises(ValueError, match="must not be negative"):
        worker_counts({"PUSH_WORKERS": "-1"})
    assert worker_counts({kind.count_env: "0" for kind in WORKER_KINDS}) == dict.fromkeys(defaults, 0)


def test_only_workers_that_are_written_can_be_asked_for() -> None:
    for kind in WORKER_KINDS:
        if kind.name in LOCAL_WORKERS:
            assert worker_counts({kind.count_env: "2"})[kind.name] == 2
        else:
            with pytest.raises(ValueError, match=f"{kind.module}.*does not exist yet"):
                worker_counts({kind.count_env: "2"})
