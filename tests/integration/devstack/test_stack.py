"""The supervisor with real processes (fakes of each kind) on the session's real engines."""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from devstack.health import grpc_serving, http_true
from devstack.processes import GATEWAY_HEALTH_PATH, Kind, ProcessSpec
from devstack.stack import Stack
from devstack.stack_config import StackError
from platformkit.topics import ALL_TOPICS
from tests.integration.devstack.conftest import (
    FAKE_GATEWAY,
    FAKE_WORKER,
    FAKES,
    Lines,
    assert_groups_gone,
    env_of,
    fake_config,
    fake_service,
    shared_backends,
    wait_for,
)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory, engines) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    """One healthy stack of fakes, shared by the read-only tests of this module."""
    stack = Stack(fake_config(tmp_path_factory.mktemp("running"), shared_backends(engines)))
    stack.start()
    yield stack
    stack.stop()


def sink(stack: Stack) -> Lines:
    assert isinstance(stack.sink, Lines)
    return stack.sink


def test_every_process_answers_its_health_check(running: Stack) -> None:
    wiring = running.wiring
    assert wiring is not None
    assert http_true(running.gateway_url + GATEWAY_HEALTH_PATH)
    assert grpc_serving(wiring.grpc_address("alpha")) and grpc_serving(wiring.grpc_address("beta"))
    assert running.pid("worker") > 0


def test_processes_receive_their_wiring(running: Stack) -> None:
    wiring = running.wiring
    assert wiring is not None
    alpha = env_of(running, "alpha")
    assert alpha["DATABASE_URL_ALPHA"] == wiring.database_urls["alpha"]
    assert alpha["ALPHA_GRPC_BIND"] == wiring.grpc_address("alpha")
    assert alpha["BETA_GRPC_TARGET"] == wiring.grpc_address("beta")
    gateway = env_of(running, "gateway")
    # No Envoy in this table: the gateway binds the public port itself.
    assert wiring.gateway_bind_port is None
    assert gateway["GATEWAY_PORT"] == str(wiring.gateway_port)
    assert gateway["DATABASE_URL_GATEWAY"] == wiring.database_urls["gateway"]
    assert "DATABASE_URL_ALPHA" not in gateway
    # One secret for every process, the one kept in the state folder.
    assert {env_of(running, n)["SECRET_KEY"] for n in running.names} == {
        (running.state.root / "secret_key").read_text()
    }


async def test_databases_and_topics_exist(running: Stack, engines) -> None:  # type: ignore[no-untyped-def]
    wiring = running.wiring
    assert wiring is not None
    conn = await asyncpg.connect(wiring.database_urls["beta"].replace("postgresql+asyncpg", "postgresql"))
    try:
        assert await conn.fetchval("SELECT current_database()") == running.config.databases[1].name
    finally:
        await conn.close()
    admin = AIOKafkaAdminClient(bootstrap_servers=engines.broker.bootstrap)
    await admin.start()
    try:
        assert {t.name for t in ALL_TOPICS} <= set(await admin.list_topics())
    finally:
        await admin.close()


def test_output_is_relayed_per_process_and_logged_to_files(running: Stack) -> None:
    lines = sink(running)
    for name, kind in (("alpha", "grpc service"), ("worker", "worker"), ("gateway", "gateway")):
        wait_for(lambda n=name, k=kind: any(f"fake {k} up" in line for line in lines.of(n)), f"{name} output")
        log = (running.state.root / "logs" / f"{name}.log").read_text()
        assert f"fake {kind} up" in log and f"fake {kind} warning on stderr" in log
    assert any("healthy" in line for line in lines.of("devstack"))


def test_a_crashed_process_is_restarted_and_its_orphans_reaped(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack((fake_service("alpha"), FAKE_GATEWAY))
    stack.start()
    old = stack.pid("alpha")
    os.kill(old, signal.SIGKILL)  # the leader only, as a crash: its grandchild stays in the group
    stack.wait_ready("alpha", replacing_pid=old)
    assert stack.pid("alpha") != old
    assert stack.restarts("alpha") == 1
    assert_groups_gone([old])
    assert any("alpha exited with code -9; restarting" in line for line in sink(stack).of("devstack"))


def test_without_auto_restart_a_killed_process_stays_down(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack((FAKE_WORKER, FAKE_GATEWAY), auto_restart=False)
    stack.start()
    old = stack.kill("worker", signal.SIGTERM)
    wait_for(lambda: any("auto-restart is off" in line for line in sink(stack).of("devstack")), "exit noticed")
    assert stack.returncode("worker") == -signal.SIGTERM
    assert stack.restarts("worker") == 0
    new = stack.start_process("worker")
    assert new != old and stack.returncode("worker") is None


def test_restart_replaces_the_process_group(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack((fake_service("alpha"), FAKE_WORKER, FAKE_GATEWAY))
    stack.start()
    old = stack.pid("alpha")
    new = stack.restart("alpha")
    assert new != old
    assert_groups_gone([old])
    assert stack.wiring is not None and grpc_serving(stack.wiring.grpc_address("alpha"))


def test_stop_leaves_no_process_behind(make_stack: Callable[..., Stack]) -> None:
    stubborn = ProcessSpec("stubborn", f"{FAKES}.stubborn", Kind.WORKER)
    stack = make_stack((fake_service("alpha"), FAKE_WORKER, stubborn, FAKE_GATEWAY), stop_grace=1.0)
    stack.start()
    pids = [stack.pid(n) for n in stack.names]
    stack.stop()
    assert_groups_gone(pids)
    assert not stack.state.registry.exists()


def test_a_process_dying_at_start_fails_the_start_with_its_traceback(make_stack: Callable[..., Stack]) -> None:
    crasher = ProcessSpec("crasher", f"{FAKES}.crasher", Kind.WORKER)
    stack = make_stack((fake_service("alpha"), crasher, FAKE_GATEWAY))
    with pytest.raises(StackError, match="RuntimeError: boom") as failure:
        stack.start()
    assert "crasher: exited with code 1" in str(failure.value)
    assert_groups_gone([stack.pid("alpha")])


def test_a_busy_port_is_named_with_its_setting(make_stack: Callable[..., Stack]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        stack = make_stack(gateway_port=port)
        with pytest.raises(StackError, match=f"{port} \\(GATEWAY_PORT\\)"):
            stack.start()
    with pytest.raises(StackError, match="never started"):
        stack.pid("alpha")


def test_one_supervisor_per_state_folder(make_stack: Callable[..., Stack], tmp_path: Path) -> None:
    first = make_stack((FAKE_WORKER,), state_dir=tmp_path / "shared")
    first.start()
    second = make_stack((FAKE_WORKER,), state_dir=tmp_path / "shared")
    with pytest.raises(StackError, match="another supervisor"):
        second.start()
    assert first.returncode("worker") is None


def test_a_stopped_stack_starts_again(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack((FAKE_WORKER, FAKE_GATEWAY))
    stack.start()
    first = stack.pid("worker")
    stack.stop()
    stack.start()
    assert stack.pid("worker") != first and stack.returncode("worker") is None
    assert http_true(stack.gateway_url + GATEWAY_HEALTH_PATH)
