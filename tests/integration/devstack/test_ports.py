"""Ports handed to a stack's processes: never the kernel's ephemeral range, never one another
process of the machine holds (two test workers start stacks at the same time)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from devstack.ports import free_port


def test_ports_are_below_the_ephemeral_range_and_unique_within_a_process() -> None:
    first_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    assert all(15000 <= port < first_ephemeral for port in ports)


def test_a_port_reserved_by_a_living_process_is_never_handed_to_another() -> None:
    # Another process reserves many ports and stays alive while this one reserves its own.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from devstack.ports import free_port; "
            "print(' '.join(str(free_port()) for _ in range(1000)), flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        theirs = {int(port) for port in holder.stdout.readline().split()}
        assert len(theirs) == 1000
        mine = {free_port() for _ in range(1000)}
        assert not mine & theirs
    finally:
        holder.communicate("", timeout=30)
