"""The soak's memory verdict (bench.soak_memory, bench.soak_report.violations), on made-up samples."""

from __future__ import annotations

from bench.soak_memory import rss_stability
from bench.soak_report import violations


def _samples(growth: dict[str, float]) -> list[tuple[float, dict[str, float]]]:
    """100 MB each at first, each process growing by its share linearly over 90 s."""
    return [(t, {name: 100 * (1 + share * t / 90) for name, share in growth.items()}) for t in range(0, 91, 2)]


def _result(rss: dict[str, dict[str, object]]) -> dict[str, object]:
    return {
        "count_5xx": 0,
        "unanswered_count": 0,
        "lost_count": 0,
        "rss": rss,
        "restarts": {},
        "leftover_processes": [],
    }


def test_a_process_of_the_platform_that_grows_leaks_and_fails_the_soak() -> None:
    verdict = rss_stability(_samples({"gateway": 0.6, "shots": 0.01}), warmup=0, end=90)
    assert not verdict["gateway"]["stable"] and verdict["gateway"]["judged"]
    assert verdict["shots"]["stable"]
    assert violations(_result(verdict)) == ["RSS not stable within 20%: gateway"]


def test_engines_that_hold_the_data_are_reported_not_judged() -> None:
    """The broker's memory storage and PostgreSQL's buffers grow with what the load wrote."""
    verdict = rss_stability(_samples({"broker": 0.6, "postgres": 0.6, "gateway": 0.0}), warmup=0, end=90)
    assert not verdict["broker"]["stable"] and not verdict["broker"]["judged"]
    assert not verdict["postgres"]["judged"]
    assert violations(_result(verdict)) == []
