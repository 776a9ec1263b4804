"""A state folder is one installation: data and secret survive a restart, and a supervisor that
died without cleaning up does not stop the next one from starting."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from devstack.backends import port_in_use
from devstack.engines import EmbeddedPostgres, use_private_runtime_dir
from devstack.ports import free_port
from devstack.stack import Stack
from devstack.statedir import StateDir
from tests.integration.devstack.conftest import (
    FAKES,
    Lines,
    assert_groups_gone,
    env_of,
    persistent_stack,
)


@pytest.fixture(autouse=True)
def own_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As `make run` does: the embedded PostgreSQL's lock folder inside this installation."""
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    use_private_runtime_dir(tmp_path / "state" / "run" / "xdg")


@pytest.fixture
def ports() -> dict[str, int]:
    return {"PG_PORT": free_port(), "BROKER_PORT": free_port(), "ALPHA_GRPC_PORT": free_port()}


def pg_url(stack: Stack) -> str:
    assert stack.wiring is not None
    return stack.wiring.database_urls["alpha"].replace("postgresql+asyncpg", "postgresql")


async def sql(stack: Stack, statement: str) -> object:
    """Run statements; returns the first value of a query (None for commands)."""
    conn = await asyncpg.connect(pg_url(stack))
    try:
        if statement.lstrip().upper().startswith("SELECT"):
            return await conn.fetchval(statement)
        return await conn.execute(statement)
    finally:
        await conn.close()


async def test_a_second_run_finds_the_data_and_secret_of_the_first(tmp_path: Path, ports: dict[str, int]) -> None:
    state = tmp_path / "state"
    first = persistent_stack(state, ports)
    first.start()
    try:
        await sql(first, "CREATE TABLE memo (note text); INSERT INTO memo VALUES ('written by run 1')")
        secret = env_of(first, "worker")["SECRET_KEY"]
    finally:
        first.stop()
    # The run owned its engines: both are stopped, their ports free again.
    assert not port_in_use(ports["PG_PORT"]) and not port_in_use(ports["BROKER_PORT"])
    assert not (state / "postgres" / "data" / "postmaster.pid").exists()

    second = persistent_stack(state, ports)
    second.start()
    try:
        assert await sql(second, "SELECT note FROM memo") == "written by run 1"
        assert env_of(second, "worker")["SECRET_KEY"] == secret
    finally:
        second.stop()


def _start_supervisor(state: Path, ports: dict[str, int]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", f"{FAKES}.supervisor", str(state), json.dumps(ports)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
        start_new_session=True,
    )
    assert proc.stdout is not None
    output = []
    for line in proc.stdout:
        output.append(line)
        if line.strip() == "READY":
            return proc
    raise AssertionError("the supervisor ended before READY:\n" + "".join(output))


def test_leftovers_of_a_killed_supervisor_are_stopped_by_the_next_run(tmp_path: Path, ports: dict[str, int]) -> None:
    state = tmp_path / "state"
    supervisor = _start_supervisor(state, ports)
    try:
        orphans = [entry["pid"] for entry in json.loads(StateDir(state).registry.read_text()).values()]
        supervisor.kill()
        supervisor.wait()
        # Nobody stopped them: the processes, the broker and PostgreSQL still hold their ports.
        assert all(port_in_use(port) for port in ports.values())
        assert len(orphans) == 3

        stack = persistent_stack(state, ports)
        stack.start()
        try:
            assert_groups_gone(orphans)
            assert isinstance(stack.sink, Lines)
            notes = stack.sink.of("devstack")
            reaped = [n.split(": ", 1)[1] for n in notes if n.startswith("stopped leftovers of an earlier run")]
            assert sorted(reaped[0].split(", ")) == ["alpha", "broker", "worker"], notes
        finally:
            stack.stop()
    finally:
        if supervisor.poll() is None:
            supervisor.send_signal(signal.SIGKILL)
        StateDir(state).reap_leftovers()
        EmbeddedPostgres(state / "postgres", ports["PG_PORT"]).stop()
