"""Queries on the gateway's identity tables. Failures are ``platformkit.errors`` (the same
vocabulary the services use), which :mod:`gateway.errors` turns into HTTP answers; callers own
the transaction and commit."""
