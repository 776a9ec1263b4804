"""One supervised child: spawned in its own process group, output relayed line by line.

Own process group (a new session) for two reasons: a Ctrl-C at the terminal reaches only the
supervisor, which then stops children in order instead of every process dying at once; and
stopping a child signals the whole group, so whatever the child spawned itself (a reloader, a
subprocess) goes with it.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

LineSink = Callable[[str, str], None]
"""Receives (process name, one output line without its newline)."""

TAIL_LINES = 40


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (which may hold spaces and parens)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return raw[raw.rindex(")") + 2 :].split()


def start_time(pid: int) -> int | None:
    """Kernel start time of a process: with the pid, it identifies a process despite pid reuse."""
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of a process group, from /proc.

    Zombies are left out: an orphaned grandchild that already exited waits for PID 1 to reap it
    and can no longer run anything.
    """
    members = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields and fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def signal_group(pgid: int, sig: int) -> bool:
    """Signal every process of a group; False when the group is already empty."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    return True


class Child:
    """A ``python -m <module>`` process (or any argv) whose output goes to a sink."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        sink: LineSink,
        *,
        log_file: Path | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self.sink = sink
        self.log_file = log_file
        self.cwd = cwd
        self.tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self.started_at = 0.0
        self._popen: subprocess.Popen[bytes] | None = None
        self._relay: threading.Thread | None = None

    @classmethod
    def python_module(cls, name: str, module: str, env: Mapping[str, str], sink: LineSink, **kw: object) -> Child:
        """The same interpreter as the supervisor, so the venv and its packages are the same."""
        return cls(name, [sys.executable, "-m", module], env, sink, **kw)  # type: ignore[arg-type]

    @property
    def pid(self) -> int:
        if self._popen is None:
            raise RuntimeError(f"{self.name} was never started")
        return self._popen.pid

    @property
    def returncode(self) -> int | None:
        """None while running; the exit code (negative: killed by that signal) once exited."""
        return None if self._popen is None else self._popen.poll()

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def start(self) -> None:
        log = open(self.log_file, "ab") if self.log_file else None  # noqa: SIM115 - closed by the relay
        self._popen = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started_at = time.monotonic()
        assert self._popen.stdout is not None
        self._relay = threading.Thread(
            target=self._pump, args=(self._popen.stdout, log), name=f"relay-{self.name}", daemon=True
        )
        self._relay.start()

    def _pump(self, stream: IO[bytes], log: IO[bytes] | None) -> None:
        """Runs until every process holding the pipe (grandchildren included) has closed it."""
        try:
            for raw in iter(stream.readline, b""):
                if log:
                    log.write(raw)
                    log.flush()
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                self.tail.append(line)
                # A failing sink (a closed terminal, `make run | head`) must not stop the draining:
                # a child whose pipe fills up blocks on its next log line.
                with contextlib.suppress(Exception):
                    self.sink(self.name, line)
        finally:
            stream.close()
            if log:
                log.close()

    def signal(self, sig: int) -> None:
        """Signal the child's whole group (it leads it: pgid == pid)."""
        signal_group(self.pid, sig)

    def stop(self, grace: float = 10.0) -> int | None:
        """SIGTERM the group, wait up to ``grace`` for it to empty, then SIGKILL what is left."""
        if self._popen is None:
            return None
        self.signal(signal.SIGTERM)
        return self.wait_gone(grace)

    def wait_gone(self, grace: float) -> int | None:
        """Wait for the leader and every group member to exit; SIGKILL the group after ``grace``."""
        assert self._popen is not None
        deadline = time.monotonic() + grace
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._popen.wait(max(0.0, deadline - time.monotonic()))
        while group_members(self.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if group_members(self.pid) or self._popen.poll() is None:
            signal_group(self.pid, signal.SIGKILL)
            self._popen.wait()
            # SIGKILL is delivered asynchronously to the other members; see them actually gone.
            settle = time.monotonic() + 5.0
            while group_members(self.pid) and time.monotonic() < settle:
                time.sleep(0.02)
        self.join_relay()
        return self._popen.returncode

    def join_relay(self, timeout: float = 5.0) -> None:
        """Wait until the last output line went to the sink (the pipe closes once the group is gone)."""
        if self._relay is not None:
            self._relay.join(timeout)
