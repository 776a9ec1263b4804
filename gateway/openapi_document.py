"""What the gateway's OpenAPI document says beyond what its routes declare.

``Idempotency-Key`` (an optional header) on every ``POST`` and ``PATCH`` under ``/api/v1``,
which the idempotency middleware handles before any route runs, with the 422 it may answer.

The reference's own parameters and bodies are untouched (the conformance check stays exact).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from gateway.idempotency import keys

API_PREFIX = "/api/v1/"
# Printable ASCII without leading or trailing spaces (HTTP strips those from header values).
_SENT_KEY_PATTERN = r"^[\x21-\x7E](?:[\x20-\x7E]{0,253}[\x21-\x7E])?$"

IDEMPOTENCY_PARAMETER: dict[str, Any] = {
    "name": keys.HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Makes a retry safe: the same key from the same user with the same method, path and body "
        "within 24 hours answers the first answer again (status and body, with `Idempotent-Replayed: "
        "true`) without doing the work twice; the key with a different request is 422; a repeat while "
        "the first is still running is 409 with `Retry-After`. Ignored without a bearer token."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": keys.MAX_LENGTH, "pattern": _SENT_KEY_PATTERN},
}

_VALIDATION_ERROR = {
    "description": "Validation Error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}},
}


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (FastAPI's document) with the additions above, changed in place."""
    for path, item in schema.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        for method, operation in item.items():
            if method.upper() in keys.METHODS:
                operation.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)
                operation.setdefault("responses", {}).setdefault("422", _VALIDATION_ERROR)
    _ensure_validation_schemas(schema)
    return schema


def _ensure_validation_schemas(schema: dict[str, Any]) -> None:
    """FastAPI adds ``HTTPValidationError`` only when some route validates input; every document
    of this gateway has such routes, so this only guards a document without them."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "HTTPValidationError" not in components:
        raise RuntimeError("the OpenAPI document has no HTTPValidationError schema to reference")


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` build the completed document (once, then cached as FastAPI does)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
