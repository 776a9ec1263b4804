"""Percentiles and the run summary the bench tables are built from."""

from __future__ import annotations

import pytest

from bench.stats import RunStats, percentile, thin


def test_nearest_rank_percentiles_are_observed_values():
    samples = list(range(1, 101))  # 1..100
    assert percentile(samples, 50) == 50
    assert percentile(samples, 99) == 99
    assert percentile(samples, 100) == 100
    assert percentile([5.0, 1.0, 3.0], 50) == 3.0  # order of the input does not matter
    assert percentile([7.0], 99) == 7.0


def test_p99_of_200_samples_is_the_second_largest():
    samples = [float(i) for i in range(200)]
    assert percentile(samples, 99) == 197.0  # rank ceil(0.99 * 200) = 198


@pytest.mark.parametrize("q", [0, -1, 101])
def test_percentile_refuses_out_of_range(q):
    with pytest.raises(ValueError):
        percentile([1.0], q)


def test_percentile_refuses_no_samples():
    with pytest.raises(ValueError):
        percentile([], 50)


def test_thin_keeps_both_tails_and_the_count():
    samples = [float(i) for i in range(10_000)]
    kept = thin(samples, keep=101)
    assert len(kept) == 101 and kept[0] == 0.0 and kept[-1] == 9999.0
    assert kept == sorted(kept)
    assert thin([3.0, 1.0], keep=5) == [1.0, 3.0]


def test_run_stats_in_milliseconds_and_throughput_over_wall_time():
    latencies = [0.001] * 98 + [0.010, 0.020]
    stats = RunStats.from_latencies("x", 32, latencies, errors=2, seconds=0.5)
    assert stats.requests == 100 and stats.errors == 2
    assert stats.throughput == 200.0
    assert stats.p50_ms == 1.0 and stats.p99_ms == 10.0
    assert stats.mean_ms == pytest.approx(1.28)
    assert RunStats.from_dict(stats.to_dict()) == stats


def test_run_without_success_is_an_error_not_a_zero():
    with pytest.raises(ValueError, match="no successful request"):
        RunStats.from_latencies("x", 1, [], errors=5, seconds=1.0)
