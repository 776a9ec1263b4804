"""Engine selection: external URLs win per database, embedded engines serve the rest."""

from __future__ import annotations

import socket
from pathlib import Path

from devstack.backends import Backends, ensure_external_database, port_in_use
from devstack.ports import free_port
from devstack.processes import DATABASES, Database
from devstack.run import backends_from_env


def test_without_urls_everything_is_embedded_and_owned(tmp_path: Path) -> None:
    backends = backends_from_env({"PG_PORT": "6001", "BROKER_PORT": "6002"}, tmp_path)
    assert backends.owned and backends.postgres is not None and backends.broker is not None
    assert backends.postgres.data_dir == tmp_path.resolve() / "postgres" / "data"
    assert backends.kafka_bootstrap == "127.0.0.1:6002"
    assert backends.database_url(DATABASES[0]) == "postgresql+asyncpg://postgres@127.0.0.1:6001/platform_gateway"
    assert backends.owned_ports() == {6001: "PG_PORT", 6002: "BROKER_PORT"}


def test_external_urls_start_no_embedded_engine(tmp_path: Path) -> None:
    environ = {db.env_name: f"postgresql+asyncpg://u:p@db.example/{db.key}" for db in DATABASES}
    environ["KAFKA_BOOTSTRAP_SERVERS"] = "kafka.example:9092"
    backends = backends_from_env(environ, tmp_path)
    assert backends.postgres is None and backends.broker is None
    assert backends.owned_ports() == {}
    assert backends.kafka_bootstrap == "kafka.example:9092"
    assert backends.database_url(DATABASES[1]) == "postgresql+asyncpg://u:p@db.example/shootings"


def test_a_single_external_database_keeps_the_others_embedded(tmp_path: Path) -> None:
    backends = backends_from_env({"DATABASE_URL_SHOTS": "postgresql+asyncpg://x/shots"}, tmp_path)
    shots = next(db for db in DATABASES if db.key == "shots")
    assert backends.database_url(shots) == "postgresql+asyncpg://x/shots"
    assert backends.postgres is not None
    assert backends.database_url(DATABASES[0]).endswith("/platform_gateway")


async def test_an_external_database_is_created_when_missing(engines) -> None:  # type: ignore[no-untyped-def]
    url = engines.pg.url(f"external_{free_port()}")
    assert await ensure_external_database(url) is True
    assert await ensure_external_database(url) is False


def test_ensure_databases_creates_embedded_and_external_ones(engines) -> None:  # type: ignore[no-untyped-def]
    suffix = free_port()
    embedded = Database("alpha", None, f"embedded_{suffix}")
    external = Database("beta", None, "ignored")
    external_url = engines.pg.url(f"ext_{suffix}")
    backends = Backends(postgres=engines.pg, external_urls={"beta": external_url}, owned=False)
    assert backends.ensure_databases([embedded, external]) == ["beta"]
    names = engines.pg.psql("SELECT datname FROM pg_database").split()
    assert f"embedded_{suffix}" in names and f"ext_{suffix}" in names


def test_port_in_use_sees_a_listener() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert port_in_use(port)
    assert not port_in_use(port)
