"""One measured load: warm up, then a bounded run at each concurrency while every process of the
stack is sampled; the figures, the CPU each process spent and its peak RSS go into a RunStats.

The driver's own CPU is read with ``time.thread_time()`` of the event loop's thread, so the
sampler thread's work is not charged to it; ``driver_ceiling`` turns it into the most requests
per second the driver could send if the server cost nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass

from bench import driver
from bench.procstats import ProcessUsage, sampled
from bench.stats import RunStats


@dataclass(frozen=True)
class LoadSettings:
    """How long and how hard each scenario is loaded (the same for all, so rows compare)."""

    duration: float = 8.0
    max_requests: int = 40_000
    warmup: float = 1.0
    concurrencies: tuple[int, ...] = (1, 32)


async def measure(
    scenario: str,
    url: str,
    settings: LoadSettings,
    pids: Mapping[str, int],
    headers: Mapping[str, str] | None = None,
    variant: Callable[[], str] | None = None,
    callers: Sequence[Mapping[str, str]] = (),
) -> list[RunStats]:
    """``scenario`` loaded at each concurrency of ``settings``; one RunStats per concurrency."""
    runs = []
    for concurrency in settings.concurrencies:

        def load_for(seconds: float, concurrency: int = concurrency) -> driver.Load:
            return driver.Load(
                url, concurrency, seconds, settings.max_requests, headers or {}, variant=variant, callers=callers
            )

        await driver.run(load_for(settings.warmup))
        load = load_for(settings.duration)
        usage: dict[str, ProcessUsage] = {}
        cpu_before = time.thread_time()
        with sampled(pids, usage):
            outcome = await driver.run(load)
        driver_cpu = time.thread_time() - cpu_before
        stats = RunStats.from_latencies(scenario, concurrency, outcome.latencies, outcome.errors, outcome.seconds)
        usage["driver"] = ProcessUsage(round(driver_cpu, 3), usage["driver"].peak_rss_mb if "driver" in usage else 0)
        stats.extra["processes"] = {name: asdict(u) for name, u in usage.items()}
        stats.extra["url"] = url
        stats.extra["response_bytes"] = outcome.bytes_received // max(len(outcome.latencies), 1)
        runs.append(stats)
        print(
            f"  {scenario:<38} c={concurrency:<3} {stats.throughput:>8.1f} req/s  p50 {stats.p50_ms:7.2f} ms"
            f"  p99 {stats.p99_ms:7.2f} ms  errors {stats.errors}",
            flush=True,
        )
    return runs


def cpu_ms_per_request(stats: RunStats, process: str) -> float:
    """Milliseconds of CPU ``process`` spent per answered request during the run."""
    usage = stats.extra.get("processes", {}).get(process)
    if not usage or not stats.requests:
        return 0.0
    return float(usage["cpu_seconds"]) * 1000 / stats.requests


def driver_ceiling(stats: RunStats) -> float:
    """Requests per second the driver alone could sustain on one core (its CPU per request)."""
    per_request = cpu_ms_per_request(stats, "driver")
    return 1000 / per_request if per_request else 0.0
