"""Ownership of a state folder: one supervisor at a time, and no orphan from a killed one.

A supervisor killed with SIGKILL cannot stop its children; they keep their ports (and the
embedded PostgreSQL its data folder). Every spawned process group is recorded here, so the next
supervisor on the same folder stops those leftovers before starting anything.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
from pathlib import Path
from typing import IO

from devstack.child import group_members, signal_group, start_time


class StateDirBusy(RuntimeError):
    pass


class StateDir:
    """Lock and process registry of one state folder (``<state>/run``)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.run_dir = self.root / "run"
        self._lock_file: IO[str] | None = None

    @property
    def registry(self) -> Path:
        return self.run_dir / "processes.json"

    def acquire(self) -> None:
        """Refuse a second supervisor on the same folder (flock: released even on SIGKILL)."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        handle = open(self.run_dir / "supervisor.lock", "a+")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise StateDirBusy(f"another supervisor is running on {self.root} (stop it, or set STATE_DIR)") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_file = handle

    def release(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def _read(self) -> dict[str, dict[str, int]]:
        try:
            return json.loads(self.registry.read_text())
        except (FileNotFoundError, ValueError):
            return {}

    def _write(self, entries: dict[str, dict[str, int]]) -> None:
        tmp = self.registry.with_suffix(".tmp")
        tmp.write_text(json.dumps(entries, indent=1))
        tmp.replace(self.registry)

    def record(self, name: str, pid: int) -> None:
        """Remember a process group leader (with its start time, so a reused pid is never killed)."""
        entries = self._read()
        entries[name] = {"pid": pid, "start_time": start_time(pid) or 0}
        self._write(entries)

    def forget(self, name: str) -> None:
        entries = self._read()
        if entries.pop(name, None) is not None:
            self._write(entries)

    def reap_leftovers(self) -> list[str]:
        """SIGKILL the groups a previous supervisor left running; returns their names."""
        reaped = []
        for name, entry in self._read().items():
            pid = entry["pid"]
            if start_time(pid) == entry["start_time"] or (start_time(pid) is None and group_members(pid)):
                signal_group(pid, signal.SIGKILL)
                reaped.append(name)
        with contextlib.suppress(FileNotFoundError):
            self.registry.unlink()
        return reaped
