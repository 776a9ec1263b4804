"""CPU seconds and peak RSS of every process of the stack during one scenario.

A sampler thread reads each process (PostgreSQL with its backends)
every ``interval`` seconds: CPU is the difference of user+system time between the first and the
last reading, the peak is the highest RSS seen. A thread, because the driver's event loop must not
pause for it. PostgreSQL's figure sums its backends' RSS, which counts the shared buffers once per
backend that touched them: an upper bound, labelled as such in the report.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import psutil

MB = 1024 * 1024


@dataclass
class ProcessUsage:
    cpu_seconds: float
    peak_rss_mb: float


# Processes whose children are part of them (PostgreSQL's backends); any other process is read
# alone: the bench process's children are the whole stack.
WITH_CHILDREN = frozenset({"postgres"})


def _tree(name: str, pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)] if name in WITH_CHILDREN else [root]
    except psutil.NoSuchProcess:
        return []


def _read(processes: list[psutil.Process]) -> tuple[dict[int, float], float]:
    """CPU seconds per pid and the summed RSS of the processes still alive."""
    cpu: dict[int, float] = {}
    rss = 0
    for proc in processes:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess), proc.oneshot():
            times = proc.cpu_times()
            cpu[proc.pid] = times.user + times.system
            rss += proc.memory_info().rss
    return cpu, rss / MB


def rss_mb(name: str, pid: int) -> float:
    """The RSS of one process now (PostgreSQL with its backends), in MB; 0 once it is gone."""
    return _read(_tree(name, pid))[1]


class Sampler:
    """Samples ``pids`` (name -> pid of the tree's root) until :meth:`stop`; see the module doc."""

    def __init__(self, pids: Mapping[str, int], interval: float = 0.1) -> None:
        self._pids = dict(pids)
        self._interval = interval
        self._stop = threading.Event()
        self._first: dict[str, dict[int, float]] = {}
        self._last: dict[str, dict[int, float]] = {}
        self._peak: dict[str, float] = {}
        self._thread = threading.Thread(target=self._loop, name="bench-sampler", daemon=True)

    def _sample(self) -> None:
        for name, pid in self._pids.items():
            cpu, rss = _read(_tree(name, pid))
            self._first.setdefault(name, {})
            for child, seconds in cpu.items():
                self._first[name].setdefault(child, seconds)
            self._last[name] = {**self._last.get(name, {}), **cpu}
            self._peak[name] = max(self._peak.get(name, 0.0), rss)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample()

    def start(self) -> Sampler:
        self._sample()
        self._thread.start()
        return self

    def stop(self) -> dict[str, ProcessUsage]:
        self._stop.set()
        self._thread.join()
        self._sample()
        usage = {}
        for name in self._pids:
            first, last = self._first.get(name, {}), self._last.get(name, {})
            cpu = sum(seconds - first.get(pid, seconds) for pid, seconds in last.items())
            usage[name] = ProcessUsage(round(cpu, 3), round(self._peak.get(name, 0.0), 1))
        return usage


@contextlib.contextmanager
def sampled(pids: Mapping[str, int], into: dict[str, ProcessUsage]) -> Iterator[None]:
    """Sample ``pids`` for the duration of the block and fill ``into`` with the usage."""
    sampler = Sampler(pids).start()
    try:
        yield
    finally:
        into.update(sampler.stop())


def idle_cpu(pids: Mapping[str, int], seconds: float = 5.0) -> dict[str, float]:
    """Share of one core each process uses with no request in flight (polling consumers,
    relays, health checks): what the stack costs before it serves anything."""
    sampler = Sampler(pids, interval=seconds).start()
    time.sleep(seconds)
    return {name: round(usage.cpu_seconds / seconds, 3) for name, usage in sampler.stop().items()}


def wait_quiet(pids: Mapping[str, int], cores: float, *, window: float = 1.0, timeout: float = 120.0) -> float:
    """Wait until the processes together use less than ``cores`` of CPU over ``window`` seconds
    (the events of the seeding consumed: back to the idle stack's polling plus a margin), at most
    ``timeout``; seconds waited.

    A load started while consumers still fold thousands of events into roll-ups would measure
    the seeding's tail rather than the scenario.
    """
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        sampler = Sampler(pids, interval=window).start()
        time.sleep(window)
        usage = sampler.stop()
        if sum(u.cpu_seconds for u in usage.values()) / window < cores:
            break
    return time.monotonic() - began
