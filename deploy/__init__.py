"""Deployment assets. The Python here only generates configuration (``python -m deploy.envoy``);
nothing under ``deploy/`` is imported by a running service."""
