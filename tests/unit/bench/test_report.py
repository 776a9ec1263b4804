"""Rendering the Markdown report and reading counters and profiles, from made-up inputs."""

from __future__ import annotations

from bench.costs import counters
from bench.profile import package_of, summarise
from bench.report import render
from bench.scenarios import http
from bench.stats import RunStats

EXPOSITION = """\
# TYPE grpc_server_handled_total counter
grpc_server_handled_total{grpc_service="shootings.v1.LookQueriesService",grpc_method="ListLooks",grpc_code="OK"} 3.0
grpc_server_handled_total{grpc_service="grpc.health.v1.Health",grpc_method="Check",grpc_code="OK"} 40.0
# TYPE db_statements_total counter
db_statements_total{origin="/shootings.v1.LookQueriesService/ListLooks"} 12.0
db_statements_total{origin="background"} 900.0
db_statements_total{origin="/api/v1/utils/health-check/"} 50.0
"""


def a_run(scenario: str, concurrency: int) -> dict:
    stats = RunStats.from_latencies(scenario, concurrency, [0.002] * 50, errors=1, seconds=0.1)
    stats.extra["processes"] = {
        "gateway": {"cpu_seconds": 0.1, "peak_rss_mb": 120.0},
        "driver": {"cpu_seconds": 0.005, "peak_rss_mb": 60.0},
    }
    return stats.to_dict()


def test_counters_leave_health_checks_and_background_out():
    calls, statements = counters(EXPOSITION)
    assert calls == {"/shootings.v1.LookQueriesService/ListLooks": 3}
    assert statements == {"/shootings.v1.LookQueriesService/ListLooks": 12}


def test_report_has_every_run_and_target_and_says_what_failed():
    result = {
        "measured_at": "2026-11-29T12:00:00+00:00",
        "machine_before": {"cpus": 2, "python": "3.11.7", "load_average": [3.1, 2.0, 1.0]},
        "runs": [a_run(http.FLOOR_CONSTANT, 32), a_run(http.HEADER_PUBLIC, 1)],
        "generation": {
            "ratio": 1.2,
            "jobs": 48,
            "synthetic_cost_seconds_per_image": 0.5,
            "rounds": {"1": {"generations_per_second": 2.0, "split": [48]}},
        },
        "leftover_processes": ["123 python: -m services.shots"],
    }
    text = render(result, baseline={})
    assert "load average before [3.1, 2.0, 1.0]" in text
    assert f"| {http.FLOOR_CONSTANT} | 32 | 500 | 2.00 |" in text
    assert "| 2.00 |" in text  # gateway CPU: 0.1 s over 50 requests = 2 ms per request
    assert "| 6 | generations/s with 2 workers / 1 worker | 1.2 | >= 1.8 | **fails** | >= 1.9 | no |" in text
    assert "| 2a |" in text and "not measured" in text
    assert "Processes left behind" in text
    assert "ceiling of ~10,000 req/s" in text  # 0.1 ms of driver CPU per request


def test_profile_summary_shares_and_packages():
    collapsed = "\n".join(
        [
            "main (gateway/app.py:1);encode (/v/lib/python3.11/site-packages/pydantic/main.py:9) 30",
            "main (gateway/app.py:1);run (/v/lib/python3.11/site-packages/sqlalchemy/x.py:3) 10",
            "main (gateway/app.py:1);select (/usr/lib/python3.11/selectors.py:5) 60",
        ]
    )
    summary = summarise(collapsed)
    assert summary["samples"] == 100
    assert summary["self"][0] == ("select (stdlib)", 60.0)
    assert dict(summary["packages"]) == {"gateway": 100.0, "stdlib": 60.0, "pydantic": 30.0, "sqlalchemy": 10.0}
    assert package_of("/x/site-packages/grpc/aio/_call.py") == "grpc"
    assert summarise("") == {"samples": 0, "self": [], "packages": []}


def test_cpu_per_process_and_idle_show_the_baseline_next_to_this_run():
    result = {
        "runs": [a_run(http.HEADER_PUBLIC, 1)],
        "idle_cpu_cores": {"gateway": 0.01, "broker": 0.02, "driver": 0.3},
    }
    baseline = {
        "label": "before issue 14",
        "cpu_ms_per_request": {f"{http.HEADER_PUBLIC} c=1": {"gateway": 4.8}},
        "idle_cpu_cores": {"gateway": 0.05, "broker": 0.3},
    }
    text = render(result, baseline=baseline)
    assert "before (before issue 14) -> after" in text
    assert f"| {http.HEADER_PUBLIC} c=1 | 0.00 | 4.80 -> 2.00 |" in text  # envoy not measured here: 0
    assert "| broker | gateway | all |" in text and "| 0.30 -> 0.02 | 0.05 -> 0.01 | 0.35 -> 0.03 |" in text
    assert "driver" not in text.split("Idle stack CPU")[1]


def test_observability_shares_count_each_sample_for_its_innermost_owner():
    from bench.observability import shares

    collapsed = "\n".join(
        [
            "main (gateway/app.py:1);start_span (/v/site-packages/opentelemetry/sdk/trace/__init__.py:9) 10",
            "main (gateway/app.py:1);call (platformkit/metrics.py:3);inc (/v/site-packages/prometheus_client/x.py:1) 5",
            "main (gateway/app.py:1);emit (/usr/lib/python3.11/logging/__init__.py:5) 5",
            # The metrics middleware wraps the request: work under the request's own code is not metrics.
            "main (gateway/app.py:1);call (platformkit/metrics.py:3);route (/v/starlette/routing.py:2);"
            "work (gateway/answers/looks.py:5) 70",
            "main (gateway/app.py:1);send (platformkit/metrics.py:3);send (/v/uvicorn/protocols/http.py:4) 10",
        ]
    )
    assert shares(collapsed) == {"tracing": 10.0, "metrics": 5.0, "logs": 5.0, "all": 20.0}
    assert shares("") == {"tracing": 0.0, "metrics": 0.0, "logs": 0.0, "all": 0.0}


def _propagation(**extra: dict) -> dict:
    figures = {"count": 200, "p50_ms": 1.0, "p99_ms": 2.0}
    return {"after_commit": figures, "after_send": figures, "broker": figures, **extra}


def test_the_broker_with_a_held_fetch_is_shown_beside_target_5s_baseline_without_changing_it():
    held = {"count": 200, "p50_ms": 2.8, "p99_ms": 6.0}
    text = render({"propagation": _propagation(broker_held_fetch=held)}, baseline={})
    assert "with a fetch held when the record comes, as consumers read: p50 2.8 ms, p99 6.0 ms" in text
    # Target 5 still divides by the baseline without a held fetch: 2.0 / 2.0.
    assert "| 5 | status roll-up p99 / broker produce-consume p99 | 1 |" in text
    assert "fetch held" not in render({"propagation": _propagation()}, baseline={})
