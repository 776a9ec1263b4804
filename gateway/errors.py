"""How failures become HTTP answers, in one place.

- ``grpc.aio.AioRpcError`` from a service call, read with its standard rich status
  (:mod:`platformkit.rich_status`): NOT_FOUND 404, PERMISSION_DENIED 403, INVALID_ARGUMENT 422
  in FastAPI's ``{"detail": [{loc, msg, type}]}`` shape (each ``google.rpc.BadRequest`` field
  path located in the REST request by the route that sent it, :mod:`gateway.field_locations`),
  FAILED_PRECONDITION / ALREADY_EXISTS 409; for those families a ``google.rpc.ErrorInfo``
  reason wins: ``RULE_VIOLATED`` 400, ``TOO_LARGE`` 413. RESOURCE_EXHAUSTED with a
  ``google.rpc.RetryInfo`` (a service's quota) 429 with ``Retry-After`` from it; without one it is
  gRPC's own limit on a call (metadata or message size), which no retry passes: 502 like any
  fault; UNAUTHENTICATED 401;
  UNAVAILABLE / DEADLINE_EXCEEDED 503 with ``Retry-After``; anything else 502 with a generic
  message, the real one only in the log.
- ``platformkit.errors.DomainError`` raised by the gateway's own repository: the same HTTP
  meaning (NotFound 404, PermissionDenied 403, Invalid 422, Conflict 409, BadRequest 400,
  TooLarge 413).
- A transient infrastructure failure of the gateway's own (its database restarting, a
  connection refused; :func:`platformkit.transient.caused_by_transient`): 503 with
  ``Retry-After``, like an unavailable service.
- Anything unhandled: 500 ``{"detail": "Internal Server Error"}``, logged with the trace id.

Request validation keeps FastAPI's standard 422. :data:`ERROR_RESPONSES` declares these answers in
the OpenAPI document of every ``/api/v1`` operation (beside the reference's 200 and 422), so a
client or a schema-driven fuzzer knows every status it may meet and the body that comes with it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import asyncpg
import grpc
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from opentelemetry import trace
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from gateway.field_locations import rest_location
from platformkit import errors, rich_status
from platformkit.transient import caused_by_transient

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 1
UNAVAILABLE_DETAIL = "Service temporarily unavailable, retry later"
BAD_GATEWAY_DETAIL = "Upstream service error"
INTERNAL_DETAIL = "Internal Server Error"

# Codes that describe the request (the caller's business), with their default HTTP status and
# the message used when the service sent none.
_CLIENT_CODES: dict[grpc.StatusCode, tuple[int, str]] = {
    grpc.StatusCode.NOT_FOUND: (404, "Not Found"),
    grpc.StatusCode.PERMISSION_DENIED: (403, "Not enough permissions"),
    grpc.StatusCode.INVALID_ARGUMENT: (422, "Invalid input"),
    grpc.StatusCode.FAILED_PRECONDITION: (409, "Conflict"),
    grpc.StatusCode.ALREADY_EXISTS: (409, "Conflict"),
}
_RETRYABLE_CODES = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}
# ErrorInfo reasons whose HTTP status is not their code's (the reference answers these with 400 / 413).
_REASON_STATUS = {errors.BadRequest.reason: 400, errors.TooLarge.reason: 413}


class HTTPError(BaseModel):
    """The body of every error other than 422: FastAPI's ``{"detail": "..."}``."""

    detail: str


_ERROR_DESCRIPTIONS = {
    400: "Bad request: a body that cannot be read, or a rule the reference answers with 400",
    401: "Not authenticated: no bearer token, or a bad or expired one",
    403: "The caller sees the resource but may not do this",
    404: "Not found, or not visible to the caller",
    409: "Conflicts with a business rule or the resource's state",
    503: "A dependency is unavailable; retry after `Retry-After` seconds",
}
# Every /api/v1 operation may meet each of these (the mapping above applies to every service call);
# an operation's own ``responses`` win over this default.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": HTTPError, "description": description} for status, description in _ERROR_DESCRIPTIONS.items()
}


GENERATION_QUOTA = "Over the generation quota of the shooting's organization (or owner); the detail says which budget"


def too_many_requests(why: str) -> dict[int | str, dict[str, object]]:
    """The ``responses`` entry of an operation that may answer 429 (throttled, over a quota)."""
    return {
        429: {
            "model": HTTPError,
            "description": f"{why}; retry after `Retry-After` seconds",
            "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
        }
    }


_DOMAIN_STATUS: dict[type[errors.DomainError], int] = {
    errors.NotFound: 404,
    errors.PermissionDenied: 403,
    errors.Invalid: 422,
    errors.Conflict: 409,
    errors.BadRequest: 400,
    errors.TooLarge: 413,
}


def validation_body(violations: Iterable[tuple[Sequence[str], str, str]]) -> dict[str, list[dict[str, object]]]:
    """FastAPI's request-validation shape, so clients parse every 422 the same way."""
    return {"detail": [{"loc": list(loc), "msg": msg, "type": type_} for loc, msg, type_ in violations]}


def _client_error(status: int, message: str, violations: list[tuple[Sequence[str], str, str]] | None) -> JSONResponse:
    if violations is not None:
        return JSONResponse(validation_body(violations), status_code=status)
    return JSONResponse({"detail": message}, status_code=status)


def rpc_error_response(exc: grpc.aio.AioRpcError, route: APIRoute | None = None) -> JSONResponse:
    """The HTTP answer for a failed service call made by ``route`` (pure: no I/O besides logging)."""
    code = exc.code()
    message = exc.details() or ""
    if code in _CLIENT_CODES:
        status, fallback = _CLIENT_CODES[code]
        details = rich_status.read_status(exc)
        violations = None
        if code is grpc.StatusCode.INVALID_ARGUMENT:
            violations = [
                (rest_location(v.loc, route), v.msg, v.type) for v in rich_status.field_violations(details)
            ] or [(["body"], message or fallback, "value_error")]
        status = _REASON_STATUS.get(rich_status.error_reason(details), status)
        return _client_error(status, message or fallback, violations)
    if code is grpc.StatusCode.RESOURCE_EXHAUSTED:
        details = rich_status.read_status(exc)
        if rich_status.is_quota(details):
            retry_after = rich_status.retry_after_seconds(details)
            return too_many_requests_response(message or "Too many requests", retry_after or 1)
    if code is grpc.StatusCode.UNAUTHENTICATED:
        log.warning("a service refused the call as unauthenticated: %s", message)
        return JSONResponse({"detail": "Not authenticated"}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    if code in _RETRYABLE_CODES:
        log.warning("service call failed with %s: %s", code.name, message)
        return _unavailable()
    log.error("service call failed with %s: %s (%s)", code.name, message, exc.debug_error_string())
    return JSONResponse({"detail": BAD_GATEWAY_DETAIL}, status_code=502)


def too_many_requests_response(detail: str, retry_after: int) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=429, headers={"Retry-After": str(retry_after)})


def _unavailable() -> JSONResponse:
    return JSONResponse(
        {"detail": UNAVAILABLE_DETAIL}, status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
    )


def domain_error_response(exc: errors.DomainError) -> JSONResponse:
    if isinstance(exc, errors.Unavailable):
        return _unavailable()
    if isinstance(exc, errors.TooManyRequests):
        return too_many_requests_response(exc.message, exc.retry_after)
    status = next((s for kind, s in _DOMAIN_STATUS.items() if isinstance(exc, kind)), 409)
    violations = None
    if isinstance(exc, errors.Invalid):
        violations = [(v.loc, v.msg, v.type) for v in exc.violations] or [(["body"], exc.message, "value_error")]
    return _client_error(status, exc.message, violations)


def _trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


async def _on_rpc_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, grpc.aio.AioRpcError)
    route = request.scope.get("route")
    return rpc_error_response(exc, route if isinstance(route, APIRoute) else None)


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DomainError)
    return domain_error_response(exc)


async def _on_infrastructure_error(request: Request, exc: Exception) -> JSONResponse:
    """Database and network errors: 503 when they are transient, else what any bug gets.

    Registered per class rather than folded into the catch-all: Starlette answers the catch-all
    handler and then re-raises, which the server logs as a crash a second time.
    """
    if caused_by_transient(exc):
        log.warning(
            "%s %s: a dependency is unavailable: %s: %s", request.method, request.url.path, type(exc).__name__, exc
        )
        return _unavailable()
    return await _on_unhandled(request, exc)


async def _on_unhandled(request: Request, exc: Exception) -> JSONResponse:
    log.error(
        "unhandled error in %s %s (trace %s)",
        request.method,
        request.url.path,
        _trace_id(),
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return JSONResponse({"detail": INTERNAL_DETAIL}, status_code=500)


def register_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(grpc.aio.AioRpcError, _on_rpc_error)
    app.add_exception_handler(errors.DomainError, _on_domain_error)
    for infrastructure in (SQLAlchemyError, asyncpg.PostgresError, OSError):
        app.add_exception_handler(infrastructure, _on_infrastructure_error)
    app.add_exception_handler(Exception, _on_unhandled)
