"""Which failures are transient: "not now" (a database restarting, a peer unreachable, a
serialization conflict) rather than "never" (a bug, bad data).

Consumers retry transient failures for as long as they last (:mod:`platformkit.consumer`); request
paths answer them as "unavailable, retry later" (gRPC UNAVAILABLE, HTTP 503 with Retry-After)
instead of an internal error, since nothing is wrong with the request itself.
"""

from __future__ import annotations

import grpc
from aiokafka.errors import KafkaError
from sqlalchemy import exc as sa_exc

from platformkit import rich_status

_TRANSIENT_SQLSTATES = ("08", "53", "57P", "40001", "40P01")  # connection, resources, shutdown, conflicts
# A handler calling another service: these codes say "not now", not "never". RESOURCE_EXHAUSTED
# only as a quota, which says when to retry; without that it is gRPC's own refusal of a call over a
# metadata or message limit, which the same call meets again however long it waits.
_TRANSIENT_GRPC_CODES = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})


class TransientError(Exception):
    """Raised by a handler to say "retry me until it works" (e.g. a dependency is down)."""


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the same work later can succeed without anyone fixing anything."""
    if isinstance(
        exc, TransientError | ConnectionError | TimeoutError | sa_exc.DisconnectionError | sa_exc.TimeoutError
    ):
        return True
    if isinstance(exc, sa_exc.DBAPIError) and (
        exc.connection_invalidated or isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError)
    ):
        return True
    if isinstance(exc, KafkaError):
        return bool(exc.retriable)
    if isinstance(exc, grpc.aio.AioRpcError | grpc.Call):
        code = exc.code()
        return code in _TRANSIENT_GRPC_CODES or (
            code is grpc.StatusCode.RESOURCE_EXHAUSTED and rich_status.is_quota(rich_status.read_status(exc))
        )
    sqlstate = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(_TRANSIENT_SQLSTATES)


def caused_by_transient(exc: BaseException) -> bool:
    """Whether ``exc`` or an exception that led to it is transient.

    A request whose database went away often fails twice: first the statement, then the
    rollback on the dead connection while unwinding; the second error is what surfaces, but the
    first is what happened.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if is_transient(current):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
