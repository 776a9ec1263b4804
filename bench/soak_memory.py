"""What the soak watches of memory: every process's RSS sampled through the run (a thread, so the
load's event loop is never in the way) and whether it stayed flat once warm."""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

from bench.procstats import rss_mb
from devstack.stack import Stack

# A process whose median RSS in the last third differs more than this from the first third leaks.
RSS_TOLERANCE = 0.20
# Engines whose memory is the data they hold: the embedded broker stores every record in memory,
# PostgreSQL's buffers fill as its tables grow. Their RSS follows the load's volume (a quiet
# machine's run writes three times a busy one's), so it is reported, not judged as a leak.
HOLDS_DATA = frozenset({"broker", "postgres"})
SAMPLE_INTERVAL = 2.0


class RssSeries:
    """A thread reading the RSS of every process every ``interval`` seconds (times from start)."""

    def __init__(self, pids: dict[str, int], interval: float = SAMPLE_INTERVAL) -> None:
        self.pids = pids
        self.interval = interval
        self.samples: list[tuple[float, dict[str, float]]] = []
        self._stop = threading.Event()
        self._began = 0.0
        self._thread = threading.Thread(target=self._loop, name="soak-rss", daemon=True)

    def _loop(self) -> None:
        while True:
            at = time.monotonic() - self._began
            self.samples.append((at, {name: round(rss_mb(name, pid), 1) for name, pid in self.pids.items()}))
            if self._stop.wait(self.interval):
                return

    def start(self) -> RssSeries:
        self._began = time.monotonic()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def rss_stability(samples: list[tuple[float, dict[str, float]]], warmup: float, end: float) -> dict[str, Any]:
    """Per process: the median RSS of the first and the last third after the warm-up, their
    ratio, and whether it is within the tolerance."""
    third = (end - warmup) / 3
    first = [s for t, s in samples if warmup <= t < warmup + third]
    last = [s for t, s in samples if end - third <= t <= end]
    verdict: dict[str, Any] = {}
    for name in samples[0][1] if samples else {}:
        a = [s[name] for s in first if s.get(name)]
        b = [s[name] for s in last if s.get(name)]
        if not a or not b:
            verdict[name] = {
                "first_mb": None,
                "last_mb": None,
                "change": None,
                "stable": False,
                "judged": True,
                "samples": 0,
            }
            continue
        before, after = statistics.median(a), statistics.median(b)
        change = after / before - 1
        verdict[name] = {
            "first_mb": round(before, 1),
            "last_mb": round(after, 1),
            "change": round(change, 4),
            "stable": abs(change) <= RSS_TOLERANCE,
            "judged": name not in HOLDS_DATA,
            "samples": min(len(a), len(b)),
        }
    return verdict


def stack_pids(stack: Stack) -> dict[str, int]:
    """Every process of the stack by name, with the engines (PostgreSQL counts its backends)."""
    pids = {name: stack.pid(name) for name in stack.names}
    pg = stack.config.backends.postgres
    assert pg is not None
    pids["postgres"] = int((pg.data_dir / "postmaster.pid").read_text().split()[0])
    broker = stack.config.backends.broker
    if broker is not None and broker.process is not None:
        pids["broker"] = broker.process.pid
    return pids
