"""The Grafana dashboard: current, valid JSON, and every platform metric it queries exists.

(The Envoy metrics it queries are checked against a running Envoy in
tests/integration/devstack/test_edge.py.)
"""

from __future__ import annotations

import json
import re

from prometheus_client import REGISTRY

import platformkit.metrics  # noqa: F401 - registers the platform's metrics
from deploy.dashboards.__main__ import PATH, render

QUERIED = re.compile(r"\b([a-z][a-z0-9_]*)(?=\{|\[|\))")
GROUPING = re.compile(r"\bby \([^)]*\)")
SUFFIXES = ("", "_total", "_bucket", "_count", "_sum")


def queried_metrics() -> set[str]:
    dashboard = json.loads(PATH.read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    names = {name for expr in exprs for name in QUERIED.findall(GROUPING.sub("", expr))}
    return names - {"rate", "sum", "max", "histogram_quantile"}


def dashboard_envoy_metrics() -> set[str]:
    return {name for name in queried_metrics() if name.startswith("envoy_")}


def test_the_dashboard_is_what_the_generator_writes() -> None:
    assert PATH.read_text() == render(), "run `make dashboards`"


def test_every_platform_metric_queried_is_exported_by_platformkit() -> None:
    exported = {family.name + suffix for family in REGISTRY.collect() for suffix in SUFFIXES}
    platform = queried_metrics() - dashboard_envoy_metrics()
    assert {"http_requests_total", "grpc_server_handled_total", "outbox_backlog", "kafka_consumer_lag"} <= platform
    assert platform <= exported, sorted(platform - exported)


def test_panels_do_not_overlap_and_have_unique_ids() -> None:
    panels = json.loads(PATH.read_text())["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    cells = [
        (x, y)
        for p in panels
        for x in range(p["gridPos"]["x"], p["gridPos"]["x"] + p["gridPos"]["w"])
        for y in range(p["gridPos"]["y"], p["gridPos"]["y"] + p["gridPos"]["h"])
    ]
    assert len(cells) == len(set(cells))
