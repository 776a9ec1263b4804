"""Grafana dashboards, generated (``python -m deploy.dashboards``) so every query names a metric
that :mod:`platformkit.metrics` or Envoy really exports (tests/deploy/test_dashboards.py)."""
