"""The engines a stack talks to: embedded ones it may own, or external ones given by URL.

Each database resolves on its own: an external ``DATABASE_URL_<KEY>`` wins, any other database
lives on the embedded PostgreSQL. Kafka likewise: ``KAFKA_BOOTSTRAP_SERVERS`` or the embedded
broker. ``owned`` says whether this stack starts and stops the embedded engines (`make run`) or
borrows engines someone else runs (the test session's).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from devstack.engines import EmbeddedBroker, EmbeddedPostgres
from devstack.processes import Database


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something listens on the port (SO_REUSEADDR: a TIME_WAIT leftover is not a listener)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


@dataclass
class Backends:
    postgres: EmbeddedPostgres | None = None
    broker: EmbeddedBroker | None = None
    external_urls: Mapping[str, str] = field(default_factory=dict)
    external_kafka: str | None = None
    owned: bool = True

    def database_url(self, db: Database) -> str:
        if db.key in self.external_urls:
            return self.external_urls[db.key]
        if self.postgres is None:
            raise ValueError(f"no URL for database {db.key!r}: set {db.env_name} or use the embedded PostgreSQL")
        return self.postgres.url(db.name)

    @property
    def kafka_bootstrap(self) -> str:
        if self.external_kafka:
            return self.external_kafka
        if self.broker is None:
            raise ValueError("no broker: set KAFKA_BOOTSTRAP_SERVERS or use the embedded broker")
        return self.broker.bootstrap

    def owned_ports(self) -> dict[int, str]:
        """Ports this stack will bind for its engines, with the setting that moves each."""
        if not self.owned:
            return {}
        ports = {}
        if self.postgres is not None:
            ports[self.postgres.port] = "PG_PORT"
        if self.broker is not None and not self.external_kafka:
            ports[self.broker.port] = "BROKER_PORT"
        return ports

    def reap_leftovers(self) -> None:
        """Stop an embedded PostgreSQL still running on our data folder.

        Only called under the state folder's lock, so such a server was left by a supervisor that
        died (SIGKILL) and still holds the port this stack is about to check and use.
        """
        if self.owned and self.postgres is not None and (self.postgres.data_dir / "postmaster.pid").exists():
            self.postgres.stop()

    def start(self) -> None:
        if not self.owned:
            return
        if self.postgres is not None:
            self.postgres.start()
        if self.broker is not None and not self.external_kafka:
            if self.broker.log_path is not None:
                self.broker.log_path.parent.mkdir(parents=True, exist_ok=True)
            self.broker.start()

    def stop(self) -> None:
        if not self.owned:
            return
        if self.broker is not None:
            self.broker.stop()
        if self.postgres is not None:
            self.postgres.stop()

    def ensure_databases(self, databases: Iterable[Database]) -> list[str]:
        """Create the missing databases; returns the keys of those that are external."""
        embedded = [db.name for db in databases if db.key not in self.external_urls]
        external = [db for db in databases if db.key in self.external_urls]
        if embedded:
            assert self.postgres is not None
            self.postgres.create_databases(embedded)
        for db in external:
            asyncio.run(ensure_external_database(self.external_urls[db.key]))
        return [db.key for db in external]


async def ensure_external_database(url: str) -> bool:
    """Create the database a URL names when the server lacks it (needs CREATEDB); True if created."""
    import asyncpg
    from sqlalchemy.engine import make_url

    target = make_url(url).set(drivername="postgresql")
    try:
        conn = await asyncpg.connect(target.render_as_string(hide_password=False))
    except asyncpg.InvalidCatalogNameError:
        admin = await asyncpg.connect(target.set(database="postgres").render_as_string(hide_password=False))
        try:
            await admin.execute(f'CREATE DATABASE "{target.database}"')
        finally:
            await admin.close()
        return True
    await conn.close()
    return False
