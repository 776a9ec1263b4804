"""`python -m devstack.run` (what `make run` executes) with the real gateway and services:
healthy, stopped by a signal with nothing left running, and a second run finds the first's data."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from devstack.environment import DEFAULT_SUPERUSER, is_wiring_name
from devstack.health import http_true
from devstack.ports import free_port
from devstack.processes import DATABASES, GATEWAY_HEALTH_PATH, PROCESSES, Kind
from platformkit.settings import SERVICE_NAMES
from tests.integration.devstack.conftest import wait_for

# What `make run` starts, and the models its databases are migrated from: every one must import.
COMPONENT_MODULES = sorted(
    {p.module for p in PROCESSES} | {f"{db.component}.models" for db in DATABASES if db.component}
)


def _entry_point(module: str) -> str:
    """What ``python -m <module>`` runs: a package's ``__main__``, else the module itself."""
    spec = importlib.util.find_spec(module)
    assert spec is not None, f"{module} does not exist"
    return f"{module}.__main__" if spec.submodule_search_locations is not None else module


@pytest.mark.parametrize("module", COMPONENT_MODULES)
def test_every_component_imports(module: str) -> None:
    """A component that fails to import fails here with its own error, rather than as a run that
    never gets healthy (and never as a skip, which would hide a broken ``make run``)."""
    importlib.import_module(_entry_point(module))


@dataclass
class Run:
    """One `python -m devstack.run` and every line it printed (drained continuously)."""

    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def said(self, text: str) -> bool:
        return any(line.startswith("devstack") and text in line for line in self.lines)

    def stop(self, sig: int) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(60)


@pytest.fixture
def run_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not is_wiring_name(k) and k != "XDG_RUNTIME_DIR"}
    env.update(
        STATE_DIR=str(tmp_path / "state"),
        GATEWAY_PORT=str(free_port()),
        GATEWAY_INTERNAL_PORT=str(free_port()),
        ENVOY_ADMIN_PORT=str(free_port()),
        PG_PORT=str(free_port()),
        BROKER_PORT=str(free_port()),
        PYTHONPATH=os.getcwd(),
        FIRST_SUPERUSER=DEFAULT_SUPERUSER[0],
        FIRST_SUPERUSER_PASSWORD=DEFAULT_SUPERUSER[1],
    )
    env.update({f"{name.upper()}_GRPC_PORT": str(free_port()) for name in SERVICE_NAMES})
    return env


@pytest.fixture
def start_run(run_env: dict[str, str]) -> Iterator[Callable[[], Run]]:
    runs: list[Run] = []

    def start() -> Run:
        proc = subprocess.Popen(
            [sys.executable, "-m", "devstack.run"],
            env=run_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        run = Run(proc)
        runs.append(run)
        threading.Thread(target=run.drain, daemon=True).start()
        wait_for(lambda: run.said("Ctrl-C stops all") or proc.poll() is not None, "the banner", timeout=180)
        assert proc.poll() is None, "\n".join(run.lines[-40:])
        return run

    yield start
    for run in runs:
        if run.proc.poll() is None:
            run.stop(signal.SIGTERM)


NUL = b"\0"


def processes_of(state_dir: Path) -> list[str]:
    """Every live process started for this state folder: its path is in their command line
    (PostgreSQL's -D) or environment (STATE_DIR, XDG_RUNTIME_DIR of the children and the broker)."""
    found = []
    needle = str(state_dir).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue
            cmdline = (entry / "cmdline").read_bytes()
            if needle in cmdline or needle in (entry / "environ").read_bytes():
                found.append(f"{entry.name}: {cmdline.replace(NUL, b' ').decode(errors='replace')}")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return found


def test_run_serves_stops_on_signals_and_keeps_its_data(start_run: Callable[[], Run], run_env: dict[str, str]) -> None:
    state_dir = Path(run_env["STATE_DIR"])
    gateway = f"http://127.0.0.1:{run_env['GATEWAY_PORT']}"
    email, password = DEFAULT_SUPERUSER

    first = start_run()
    assert http_true(gateway + GATEWAY_HEALTH_PATH)
    docs = httpx.get(f"{gateway}/docs")
    assert docs.status_code == 200 and docs.headers["server"] == "envoy"  # the public port is Envoy's
    assert httpx.get(f"http://127.0.0.1:{run_env['GATEWAY_INTERNAL_PORT']}/metrics").status_code == 200
    assert httpx.get(f"{gateway}/metrics").status_code == 404
    assert first.said(f"gateway   {gateway}") and first.said(f"API docs  {gateway}/docs") and first.said(email)
    assert {line.split(" | ")[0].strip() for line in first.lines} >= {p.name for p in PROCESSES}
    api = f"{gateway}/api/v1"
    token = httpx.post(f"{api}/login/access-token", data={"username": email, "password": password}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    kept = {"username": "kept@example.com", "password": "kept-password-1"}
    body = {"email": kept["username"], "password": kept["password"]}
    created = httpx.post(f"{api}/users/", json=body, headers=headers)
    assert created.status_code == 200, created.text
    running = "\n".join(processes_of(state_dir))
    python = [f"-m {p.module}" for p in PROCESSES if p.kind is not Kind.EDGE]
    for marker in ("postgres -D", "tansu broker", "envoy -c", *python):
        assert marker in running
    assert first.stop(signal.SIGTERM) == 0
    assert processes_of(state_dir) == []

    second = start_run()
    # The token of the first run is still valid (same secret key) and its user still exists.
    assert httpx.post(f"{api}/login/test-token", headers=headers).json()["email"] == email
    again = httpx.post(f"{api}/login/access-token", data=kept)
    assert again.status_code == 200, again.text
    assert second.stop(signal.SIGINT) == 0
    assert second.said("SIGINT received, stopping everything")
    assert processes_of(state_dir) == []
