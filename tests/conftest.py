"""Fixtures shared by the whole suite.

Integration and end-to-end tests run against real engines that the suite starts itself on free
loopback ports in a temporary folder, so a running `make run` is never touched:
``engines`` gives one PostgreSQL server and one Kafka-protocol broker for the session, and
``new_database`` creates a fresh, uniquely named database on that server.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.engines import EmbeddedBroker, EmbeddedPostgres
from devstack.ports import free_port
from tests.support.scheduling import SuiteScheduling, order_longest_first


@dataclass
class Engines:
    root: Path
    pg: EmbeddedPostgres
    broker: EmbeddedBroker


@pytest.fixture(scope="session")
def engines() -> Iterator[Engines]:
    root = Path(tempfile.mkdtemp(prefix="platform-tests-"))
    os.environ["XDG_RUNTIME_DIR"] = str(root)
    pg = EmbeddedPostgres(root / "pg", free_port())
    pg.start()
    broker = EmbeddedBroker(free_port(), log_path=root / "broker.log")
    broker.start()
    try:
        yield Engines(root, pg, broker)
    finally:
        broker.stop()
        pg.stop(mode="immediate")
        # A gigabyte per worker and run (the cluster, the broker's data): left behind, a few
        # days of runs fill a disk.
        shutil.rmtree(root, ignore_errors=True)


_db_counter = itertools.count()


@pytest.fixture(scope="session")
def new_database(engines: Engines) -> Callable[[str], str]:
    """Create a fresh database and return its asyncpg URL."""

    def create(prefix: str = "db") -> str:
        name = f"{prefix}_{os.getpid()}_{next(_db_counter)}"
        engines.pg.create_databases([name])
        return engines.pg.url(name)

    return create


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    order_longest_first(items)


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> SuiteScheduling | None:
    """`make test`'s workers share the suite by unit, longest first (tests/support/scheduling.py)."""
    return SuiteScheduling(config, log) if config.getoption("dist") == "loadfile" else None
