"""``python -m deploy.dashboards [--check]``: write (or check) ``deploy/dashboards/platform.json``.

One row per concern: the edge (Envoy), HTTP (gateway), gRPC (services), messaging (outbox and
consumers) and work outcomes (generation, pushes). Grafana loads the file as it is (compose
provisions it; in Kubernetes import it or mount it with your Grafana's dashboard sidecar).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from deploy import generated

PATH = Path(__file__).resolve().parent / "platform.json"
WINDOW = "[5m]"
Panel = dict[str, Any]
EDGE = 'envoy_http_conn_manager_prefix="edge"'


def _p95(metric: str, by: str) -> str:
    return f"histogram_quantile(0.95, sum by (le, {by}) (rate({metric}_bucket{WINDOW})))"


# (title, unit, PromQL with the legend label) per panel, grouped in rows.
ROWS: list[tuple[str, list[tuple[str, str, str, str]]]] = [
    (
        "Edge (Envoy)",
        [
            (
                "Requests by status class",
                "reqps",
                f"sum by (envoy_response_code_class) (rate(envoy_http_downstream_rq_xx{{{EDGE}}}{WINDOW}))",
                "{{envoy_response_code_class}}xx",
            ),
            (
                "Rate-limited requests",
                "reqps",
                f"sum(rate(envoy_http_local_rate_limit_rate_limited{WINDOW}))",
                "limited",
            ),
            (
                "Healthy gateway hosts",
                "short",
                'sum(envoy_cluster_membership_healthy{envoy_cluster_name="gateway"})',
                "healthy",
            ),
        ],
    ),
    (
        "HTTP (gateway)",
        [
            ("Requests by route", "reqps", f"sum by (route) (rate(http_requests_total{WINDOW}))", "{{route}}"),
            (
                "Errors (5xx) by route",
                "reqps",
                f'sum by (route) (rate(http_requests_total{{status=~"5.."}}{WINDOW}))',
                "{{route}}",
            ),
            ("p95 latency by route", "s", _p95("http_request_duration_seconds", "route"), "{{route}}"),
        ],
    ),
    (
        "gRPC (services)",
        [
            (
                "Calls by method",
                "reqps",
                f"sum by (grpc_method) (rate(grpc_server_handled_total{WINDOW}))",
                "{{grpc_method}}",
            ),
            (
                "Failed calls by code",
                "reqps",
                f'sum by (grpc_code) (rate(grpc_server_handled_total{{grpc_code!="OK"}}{WINDOW}))',
                "{{grpc_code}}",
            ),
            ("p95 latency by method", "s", _p95("grpc_server_handling_seconds", "grpc_method"), "{{grpc_method}}"),
        ],
    ),
    (
        "Messaging",
        [
            ("Outbox backlog", "short", "sum by (job) (outbox_backlog)", "{{job}}"),
            ("Oldest unpublished event", "s", "max by (job) (outbox_oldest_unpublished_seconds)", "{{job}}"),
            (
                "Relay lag p95",
                "s",
                "histogram_quantile(0.95, sum by (le) (rate(outbox_relay_lag_seconds_bucket[5m])))",
                "p95",
            ),
            (
                "Consumer lag by topic",
                "short",
                "sum by (consumer, topic) (kafka_consumer_lag)",
                "{{consumer}} {{topic}}",
            ),
            ("Processing p95 by topic", "s", _p95("kafka_consumer_processing_seconds", "topic"), "{{topic}}"),
            (
                "Records by outcome",
                "ops",
                f"sum by (outcome) (rate(kafka_consumer_records_total{WINDOW}))",
                "{{outcome}}",
            ),
        ],
    ),
    (
        "Work",
        [
            (
                "Generations by outcome",
                "ops",
                f"sum by (outcome) (rate(generation_outcomes_total{WINDOW}))",
                "{{outcome}}",
            ),
            ("Pushes by outcome", "ops", f"sum by (outcome) (rate(push_outcomes_total{WINDOW}))", "{{outcome}}"),
        ],
    ),
]


def panels() -> list[Panel]:
    found: list[Panel] = []
    y = 0
    for row_title, row in ROWS:
        found.append(
            {
                "type": "row",
                "title": row_title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": y},
                "id": len(found) + 1,
                "panels": [],
            }
        )
        y += 1
        width = 24 // min(len(row), 3)
        for index, (title, unit, expr, legend) in enumerate(row):
            found.append(
                {
                    "type": "timeseries",
                    "title": title,
                    "id": len(found) + 1,
                    "datasource": {"type": "prometheus", "uid": "${datasource}"},
                    "gridPos": {"h": 8, "w": width, "x": (index % 3) * width, "y": y + (index // 3) * 8},
                    "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                    "targets": [{"refId": "A", "expr": expr, "legendFormat": legend}],
                }
            )
        y += 8 * ((len(row) + 2) // 3)
    return found


def dashboard() -> dict[str, Any]:
    return {
        "title": "Shooting platform",
        "uid": "shooting-platform",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "tags": ["shooting-platform"],
        "templating": {
            "list": [{"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Data source"}]
        },
        "panels": panels(),
    }


def render() -> str:
    return json.dumps(dashboard(), indent=2) + "\n"


if __name__ == "__main__":
    sys.exit(generated.main(sys.argv[1:], lambda: {PATH: render()}, remedy="make dashboards"))
