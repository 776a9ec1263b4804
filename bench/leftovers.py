"""The bench must leave no process behind: this lists any that survived it.

Two kinds can survive a careless stop: a descendant of the bench process (a supervised process
or a worker) and a daemon started from the bench's temporary folders (PostgreSQL detaches from
its ``pg_ctl``, so it is nobody's child). Both are found here; the runner reports them in the
results and exits non-zero.
"""

from __future__ import annotations

import contextlib

import psutil


def leftover_processes(pid: int, marker: str) -> list[str]:
    """``pid name: command`` of every live descendant of ``pid`` and every process whose command
    line names ``marker``, the run's own folder (the bench process itself excepted; other
    sessions' benches on a shared machine have folders of their own)."""
    found = {}
    with contextlib.suppress(psutil.NoSuchProcess):
        for child in psutil.Process(pid).children(recursive=True):
            found[child.pid] = child
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(proc.info.get("cmdline") or [])
        if proc.pid != pid and marker in cmdline:
            found[proc.pid] = proc
    lines = []
    for proc in found.values():
        with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
            if proc.status() != psutil.STATUS_ZOMBIE:
                lines.append(f"{proc.pid} {proc.name()}: {' '.join(proc.cmdline())[:200]}")
    return sorted(lines)
