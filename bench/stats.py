"""Latency statistics of one load run, with no I/O so the unit tests can pin them down.

Percentiles use the nearest-rank definition (the smallest sample with at least q% of the samples
at or below it): with few samples it never invents a value between two observed ones, so a p99
over 200 status changes is one of the 200 latencies, not an interpolation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

# Enough points to draw a latency distribution; a run keeps at most this many in its JSON.
KEPT_SAMPLES = 2000


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile ``q`` (0 < q <= 100) of ``samples`` (any order; not empty)."""
    if not samples:
        raise ValueError("no samples")
    if not 0 < q <= 100:
        raise ValueError(f"percentile must be in (0, 100], not {q}")
    ordered = sorted(samples)
    rank = math.ceil(q / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def thin(samples: Sequence[float], keep: int = KEPT_SAMPLES) -> list[float]:
    """At most ``keep`` samples spread evenly over the sorted list (the distribution's shape,
    both tails included), so the JSON stays small whatever the run's length."""
    ordered = sorted(samples)
    if len(ordered) <= keep:
        return ordered
    step = (len(ordered) - 1) / (keep - 1)
    return [ordered[round(i * step)] for i in range(keep)]


@dataclass
class RunStats:
    """What one load run (one scenario at one concurrency) measured; latencies in milliseconds."""

    scenario: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    throughput: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    samples_ms: list[float] = field(default_factory=list, repr=False)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_latencies(
        cls, scenario: str, concurrency: int, latencies_s: Sequence[float], errors: int, seconds: float
    ) -> RunStats:
        """``latencies_s`` are the successful requests' latencies in seconds; ``seconds`` the
        wall time of the run, which the throughput is counted over."""
        if not latencies_s:
            raise ValueError(f"{scenario} at concurrency {concurrency}: no successful request")
        ms = [s * 1000 for s in latencies_s]
        return cls(
            scenario=scenario,
            concurrency=concurrency,
            requests=len(ms),
            errors=errors,
            seconds=round(seconds, 3),
            throughput=round(len(ms) / seconds, 1) if seconds > 0 else 0.0,
            p50_ms=round(percentile(ms, 50), 3),
            p95_ms=round(percentile(ms, 95), 3),
            p99_ms=round(percentile(ms, 99), 3),
            mean_ms=round(sum(ms) / len(ms), 3),
            samples_ms=[round(v, 3) for v in thin(ms)],
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunStats:
        return cls(**data)
