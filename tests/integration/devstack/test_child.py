"""Spawning: own process group, output relayed with the process name, nothing outlives stop()."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from devstack.child import Child, group_members
from devstack.stack_config import console_sink
from tests.integration.devstack.conftest import Lines, assert_groups_gone

FAKES = "tests.integration.devstack.fakes"


def child_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "STATE_DIR": str(tmp_path), "PYTHONPATH": os.getcwd(), "PYTHONUNBUFFERED": "1"}


def wait_for_line(lines: Lines, name: str, text: str) -> None:
    deadline = time.monotonic() + 20
    while not any(text in line for line in lines.of(name)):
        assert time.monotonic() < deadline, f"{text!r} never came from {name}: {lines.of(name)}"
        time.sleep(0.02)


def test_stop_takes_the_whole_group_including_grandchildren(tmp_path: Path) -> None:
    lines = Lines()
    child = Child.python_module("worker", f"{FAKES}.worker", child_env(tmp_path), lines)
    child.start()
    wait_for_line(lines, "worker", "fake worker up")
    assert os.getpgid(child.pid) == child.pid != os.getpgid(0)
    assert len(group_members(child.pid)) == 2  # the worker and the grandchild it spawned
    code = child.stop(grace=5)
    assert code == -signal.SIGTERM
    assert_groups_gone([child.pid])


def test_a_child_ignoring_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    lines = Lines()
    child = Child.python_module("stubborn", f"{FAKES}.stubborn", child_env(tmp_path), lines)
    child.start()
    wait_for_line(lines, "stubborn", "fake stubborn worker up")
    assert child.stop(grace=0.5) == -signal.SIGKILL
    assert_groups_gone([child.pid])


def test_every_line_of_stdout_and_stderr_reaches_the_sink_and_the_log_file(tmp_path: Path) -> None:
    lines = Lines()
    log = tmp_path / "crasher.log"
    child = Child.python_module("crasher", f"{FAKES}.crasher", child_env(tmp_path), lines, log_file=log)
    child.start()
    child.wait_gone(20)
    assert child.returncode == 1
    output = lines.of("crasher")
    assert any('"msg": "fake crasher up"' in line for line in output)
    assert "fake crasher warning on stderr" in output
    assert output[-1] == "RuntimeError: boom: the fake crashed on purpose"
    assert log.read_text().splitlines() == output
    assert list(child.tail)[-1] == output[-1]


def test_console_sink_prefixes_each_line_with_the_padded_name(capsys: pytest.CaptureFixture[str]) -> None:
    sink = console_sink(["shootings", "gateway"])
    sink("gateway", '{"msg": "up"}')
    sink("shootings", "plain")
    assert capsys.readouterr().out.splitlines() == ['gateway   | {"msg": "up"}', "shootings | plain"]


def test_the_same_interpreter_runs_children() -> None:
    child = Child.python_module("x", "json.tool", {}, Lines())
    assert child.argv == [sys.executable, "-m", "json.tool"]
