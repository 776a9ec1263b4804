"""Loopback ports for the processes a stack starts, safe when several stacks start at once.

Asking the kernel for a free port (bind to port 0, close, hand the number on) leaves a window
before the process that gets the number binds it, and the kernel hands the same ephemeral range
to every outgoing connection and to every other test worker meanwhile: two pytest workers, each
starting a stack, once collided on a metrics port. So ports come from below the kernel's
ephemeral range (no client socket is ever given one of those) and each is reserved by a lock on
the byte of that number in one lock file of the user's (a POSIX record lock, which the reserving
process holds until it exits), so another process on the machine (another test worker, a
`make run`) skips it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import socket
import tempfile
from pathlib import Path

# Below the default ephemeral range (32768-60999); used whole when a machine's range leaves no room.
LOWEST = 15000
FALLBACK_HIGHEST = 65000
ATTEMPTS = 500

# The lock file, open for the life of the process: closing any descriptor of it would release
# every record lock this process holds on it.
_lock_file: int | None = None
# Ports this process handed out (its own locks never conflict with one another).
_given: set[int] = set()


def _candidates() -> range:
    with contextlib.suppress(OSError, ValueError):
        first_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
        if first_ephemeral - LOWEST >= 2000:
            return range(LOWEST, first_ephemeral)
    return range(LOWEST, FALLBACK_HIGHEST)


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _lock_file_descriptor() -> int:
    global _lock_file
    if _lock_file is None:
        path = Path(tempfile.gettempdir()) / f"platform-ports-{os.getuid()}.lock"
        _lock_file = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    return _lock_file


def free_port() -> int:
    """A loopback port nothing listens on and no other process of this machine has reserved."""
    lock = _lock_file_descriptor()
    candidates = _candidates()
    for _ in range(ATTEMPTS):
        port = random.choice(candidates)
        if port in _given:
            continue
        try:
            fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, port, os.SEEK_SET)
        except OSError:  # held by another process
            continue
        if _bindable(port):
            _given.add(port)
            return port
        fcntl.lockf(lock, fcntl.LOCK_UN, 1, port, os.SEEK_SET)
    raise RuntimeError(f"no free loopback port after {ATTEMPTS} attempts in {candidates}")
