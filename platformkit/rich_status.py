"""Domain errors as gRPC's standard rich status, and back.

A service answers a :class:`platformkit.errors.DomainError` with its gRPC code and a
``google.rpc.Status`` in the ``grpc-status-details-bin`` trailer, the form every gRPC ecosystem
reads (``grpcio-status``, ``grpc-gateway``, Envoy, ``grpcurl``). Its details say, in the
service's own terms:

- ``google.rpc.BadRequest``: one field violation per bad value, ``field`` the path into the
  request message (:mod:`platformkit.field_paths`), ``description`` the message, ``reason`` the
  kind of problem in FastAPI's vocabulary (``missing``, ``uuid_parsing``, ``value_error``...);
- ``google.rpc.ErrorInfo``: the reason of a kind that shares its code with another
  (``RULE_VIOLATED``, ``TOO_LARGE`` beside a plain FAILED_PRECONDITION conflict);
- ``google.rpc.RetryInfo``: with RESOURCE_EXHAUSTED, how long until the request would fit.

Nothing here knows HTTP: the gateway maps codes and paths to REST (:mod:`gateway.errors`).
"""

from __future__ import annotations

from typing import TypeVar

import grpc
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import DecodeError, Message
from google.rpc import error_details_pb2, status_pb2

from platformkit import errors
from platformkit.field_paths import from_text, to_text

# The trailer gRPC reserves for a serialized google.rpc.Status.
STATUS_DETAILS_KEY = "grpc-status-details-bin"
# ErrorInfo.domain: the platform whose vocabulary the reasons belong to.
ERROR_DOMAIN = "shooting-platform"

CODES: dict[type[errors.DomainError], grpc.StatusCode] = {
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    errors.Invalid: grpc.StatusCode.INVALID_ARGUMENT,
    errors.Conflict: grpc.StatusCode.FAILED_PRECONDITION,
    # Preconditions too; their ErrorInfo reason tells them from a conflict.
    errors.BadRequest: grpc.StatusCode.FAILED_PRECONDITION,
    errors.TooLarge: grpc.StatusCode.FAILED_PRECONDITION,
    errors.Unavailable: grpc.StatusCode.UNAVAILABLE,
    errors.TooManyRequests: grpc.StatusCode.RESOURCE_EXHAUSTED,
}

Detail = TypeVar("Detail", bound=Message)


def code_of(exc: errors.DomainError) -> grpc.StatusCode:
    return CODES.get(type(exc), grpc.StatusCode.FAILED_PRECONDITION)


def to_status(exc: errors.DomainError) -> status_pb2.Status:
    """The rich status a service answers ``exc`` with."""
    status = status_pb2.Status(code=code_of(exc).value[0], message=exc.message)
    if isinstance(exc, errors.Invalid):
        violations = [
            error_details_pb2.BadRequest.FieldViolation(field=to_text(v.loc), description=v.msg, reason=v.type)
            for v in exc.violations
        ]
        status.details.add().Pack(error_details_pb2.BadRequest(field_violations=violations))
    if exc.reason is not None:
        status.details.add().Pack(error_details_pb2.ErrorInfo(reason=exc.reason, domain=ERROR_DOMAIN))
    if isinstance(exc, errors.TooManyRequests):
        status.details.add().Pack(error_details_pb2.RetryInfo(retry_delay=Duration(seconds=exc.retry_after)))
    return status


def trailing_metadata(exc: errors.DomainError) -> tuple[tuple[str, bytes], ...]:
    return ((STATUS_DETAILS_KEY, to_status(exc).SerializeToString()),)


def read_status(exc: grpc.aio.AioRpcError | grpc.Call) -> status_pb2.Status:
    """The rich status a failed call carried; an empty one when it had none (or an unreadable one)."""
    for key, value in exc.trailing_metadata() or ():
        if key == STATUS_DETAILS_KEY and isinstance(value, bytes):
            try:
                return status_pb2.Status.FromString(value)
            except DecodeError:
                break
    return status_pb2.Status()


def detail(status: status_pb2.Status, kind: type[Detail]) -> Detail | None:
    """The status's first detail of ``kind``, if it has one."""
    for packed in status.details:
        if packed.Is(kind.DESCRIPTOR):
            found = kind()
            packed.Unpack(found)
            return found
    return None


def field_violations(status: status_pb2.Status) -> list[errors.Violation]:
    """The status's field violations, their paths parsed back."""
    bad_request = detail(status, error_details_pb2.BadRequest)
    if bad_request is None:
        return []
    return [
        errors.Violation(from_text(v.field), v.description, v.reason or "value_error")
        for v in bad_request.field_violations
    ]


def error_reason(status: status_pb2.Status) -> str | None:
    info = detail(status, error_details_pb2.ErrorInfo)
    return info.reason if info is not None and info.reason else None


def is_quota(status: status_pb2.Status) -> bool:
    """Whether a RESOURCE_EXHAUSTED is a service's quota (it says when to retry) rather than gRPC's
    own refusal of a call too large for a limit (metadata, message size), which carries no details."""
    return detail(status, error_details_pb2.RetryInfo) is not None


def retry_after_seconds(status: status_pb2.Status) -> int | None:
    info = detail(status, error_details_pb2.RetryInfo)
    return info.retry_delay.seconds if info is not None and info.retry_delay.seconds > 0 else None
