"""Client interceptors of every channel: a default deadline and the trace context, and the caller's principal signed
for the service the channel reaches (:mod:`platformkit.principal_tokens`).

grpc.aio files an interceptor under the first call kind it implements only (a class that is both
a unary-unary and a unary-stream interceptor never sees a streaming call), so each rewrite of the
call details is installed as two interceptors, one per kind the platform uses.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable
from typing import Any

import grpc

from platformkit.principal_tokens import Signer
from platformkit.rpc_tracing import with_trace_context
from protos.common.v1 import common_pb2

# On whose behalf code calls: set by principal_metadata, consumed by the signing interceptor and
# never sent; the signed token travels under TOKEN_KEY.
PRINCIPAL_KEY = "x-principal-bin"
TOKEN_KEY = "x-principal-token"

Rewrite = Callable[[grpc.aio.ClientCallDetails], grpc.aio.ClientCallDetails]


def metadata_value(metadata: Iterable[tuple[str, Any]] | None, name: str) -> Any:
    for key, value in metadata or ():
        if key == name:
            return value
    return None


class _UnaryRewrite(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, rewrite: Rewrite) -> None:
        self.rewrite = rewrite

    async def intercept_unary_unary(self, continuation, client_call_details, request):  # type: ignore[no-untyped-def]
        return await continuation(self.rewrite(client_call_details), request)


class _StreamRewrite(grpc.aio.UnaryStreamClientInterceptor):
    def __init__(self, rewrite: Rewrite) -> None:
        self.rewrite = rewrite

    async def intercept_unary_stream(self, continuation, client_call_details, request):  # type: ignore[no-untyped-def]
        return await continuation(self.rewrite(client_call_details), request)


def rewriting(rewrite: Rewrite) -> list[grpc.aio.ClientInterceptor]:
    """``rewrite`` applied to the details of every unary and server-streaming call."""
    return [_UnaryRewrite(rewrite), _StreamRewrite(rewrite)]


# The request key of the keyed public request being served (set by the gateway's idempotency
# layer): every call made for it carries the key, so services run creating calls once
# (platformkit.request_ledger).
REQUEST_KEY = "x-request-key"


class ServedRequest:
    """The keyed public request a process is serving, and how many calls of each method it made:
    the n-th call of a method gets the n-th key, so a request that calls one method several
    times (a creation in parts) keeps each call apart, and a retry of the request, making the
    same calls in the same order, finds each call's first answer."""

    def __init__(self, request_key: str) -> None:
        self.request_key = request_key
        self._calls: dict[str, int] = {}

    def next_call_key(self, method: str) -> str:
        count = self._calls.get(method, 0)
        self._calls[method] = count + 1
        return f"{self.request_key}/{count}"


serving_request: contextvars.ContextVar[ServedRequest | None] = contextvars.ContextVar("serving_request", default=None)


def call_defaults(seconds: float) -> list[grpc.aio.ClientInterceptor]:
    """A deadline of ``seconds`` for every call that sets none, the caller's trace context
    (:mod:`platformkit.rpc_tracing`) and the served request's key, in one rewrite: interceptors
    cost CPU on every call."""

    def rewrite(details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        metadata = with_trace_context(details.metadata)
        served = serving_request.get()
        if served is not None:
            call_key = served.next_call_key(str(details.method))
            metadata = grpc.aio.Metadata(*(metadata or ()), (REQUEST_KEY, call_key))
        return details._replace(  # type: ignore[attr-defined,no-any-return]
            timeout=seconds if details.timeout is None else details.timeout,
            metadata=metadata,
        )

    return rewriting(rewrite)


def signing(signer: Signer, audience: str) -> list[grpc.aio.ClientInterceptor]:
    """Replaces the principal the code named with a token signed for ``audience``; a call that
    named none carries a token of the process alone."""

    def rewrite(details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        raw = metadata_value(details.metadata, PRINCIPAL_KEY)
        principal = common_pb2.Principal.FromString(raw) if raw is not None else None
        kept = [(k, v) for k, v in (details.metadata or ()) if k not in (PRINCIPAL_KEY, TOKEN_KEY)]
        metadata = grpc.aio.Metadata(*kept, (TOKEN_KEY, signer.token(principal, audience)))
        return details._replace(metadata=metadata)  # type: ignore[attr-defined,no-any-return]

    return rewriting(rewrite)
