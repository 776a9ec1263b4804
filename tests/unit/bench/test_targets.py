"""Target evaluation from made-up results: ratios, directions, limits (issue 14's "must reach")
and goals, missing figures."""

from __future__ import annotations

from bench.scenarios import http
from bench.stats import RunStats
from bench.targets import evaluate


def run(scenario: str, concurrency: int, throughput: float, p50: float) -> dict:
    stats = RunStats.from_latencies(scenario, concurrency, [p50 / 1000], errors=0, seconds=1.0)
    stats.throughput = throughput
    return stats.to_dict()


def cost(calls: dict[str, int], sql: dict[str, int]) -> dict:
    return {
        "grpc_calls": sum(calls.values()),
        "grpc_methods": calls,
        "sql_statements": sum(sql.values()),
        "sql_by_origin": sql,
    }


def results(**overrides) -> dict:
    same = cost({"a/ListLooks": 1}, {"platform_shootings": 4})
    base = {
        "runs": [
            run(http.FLOOR_ROW, 32, 1000, 1.0),
            run(http.FLOOR_ROW, 1, 500, 2.0),
            run(http.HEADER_PUBLIC, 32, 600, 9.0),
            run(http.HEADER_PUBLIC, 1, 100, 5.0),
            run(http.BOARD_DIRECT, 32, 30, 900.0),
            run(http.BOARD_BYTES, 32, 200, 100.0),
        ],
        "board_costs": {"10": same, "100": same, "1000": same},
        "looks_create": {"per_look_ms": 2.0, "single_look_p50_ms": 50.0},
        "propagation": {"after_commit": {"p99_ms": 40.0}, "broker": {"p99_ms": 10.0}},
        "generation": {"ratio": 1.9},
        "memory": {"gateway": 180.0, "shootings": 210.0, "shots": 120.0},
        "idle_cpu_cores": {"gateway": 0.01, "broker": 0.1, "postgres": 0.01, "driver": 0.5, "floor": 0.2},
    }
    return {**base, **overrides}


def by_id(result: dict) -> dict:
    return {t.id: t for t in evaluate(result)}


def test_ratios_and_directions():
    targets = by_id(results())
    assert targets["2a"].measured == 0.6 and targets["2a"].holds and targets["2a"].reaches_goal  # >= 0.3, 0.5
    assert targets["2b"].measured == 2.5 and targets["2b"].holds and targets["2b"].reaches_goal  # <= 5, 3
    assert targets["3a"].measured == 0.15 and targets["3a"].holds and targets["3a"].reaches_goal is False  # 0.10, 0.25
    assert targets["3b"].holds
    assert targets["4"].measured == 0.04 and targets["4"].holds
    assert targets["5"].measured == 4.0 and targets["5"].holds is False
    assert targets["6"].holds and targets["6"].reaches_goal  # >= 1.8, 1.9
    assert targets["7a"].holds and targets["7-shots"].holds
    assert targets["7-shootings"].holds is False  # 210 MB > 200
    # The stack's own processes only (not the load driver, not the floor process): 0.12 cores.
    assert targets["idle"].measured == 0.12 and targets["idle"].holds and targets["idle"].reaches_goal is False
    assert targets["look"].measured == 10.0 and targets["look"].holds is False  # 50 ms / 5 ms > 3


def test_a_cost_that_grows_with_the_shooting_fails():
    grown = cost({"a/ListLooks": 1, "b/GetLook": 1}, {"platform_shootings": 4})
    same = cost({"a/ListLooks": 1}, {"platform_shootings": 4})
    targets = by_id(results(board_costs={"10": same, "100": same, "1000": grown}))
    assert targets["3b"].holds is False
    assert "1000: 2 gRPC" in targets["3b"].detail


def test_missing_scenarios_are_not_measured_rather_than_passing():
    targets = by_id({"runs": []})
    assert targets["2a"].holds is None and targets["3a"].measured is None
    assert targets["6"].holds is None and targets["3b"].holds is None
    assert targets["idle"].holds is None and targets["look"].measured is None


def test_limits_are_inclusive():
    at_limit = results(generation={"ratio": 1.8}, looks_create={"per_look_ms": 5.0, "single_look_p50_ms": 100.0})
    targets = by_id(at_limit)
    assert targets["6"].holds and targets["4"].holds
