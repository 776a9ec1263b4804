"""What every client call of the platform carries: a default deadline, the trace context, the
served request's key and the caller's principal signed for the service the channel reaches
(:mod:`platformkit.principal_tokens`).

Each is a *rewrite* of the call's details, applied by :class:`RewritingChannel` as the call is
made. Not grpc.aio interceptors: a channel with any interceptor runs each call through an
interceptor chain in a task of its own, which cost more CPU than the rewrites themselves (a
header request's gateway profile). Interceptors given to :func:`platformkit.rpc.create_channel`
(tests count calls with one) still run, after the rewrites.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable
from functools import reduce
from typing import Any

import grpc

from platformkit.principal_tokens import Signer
from platformkit.rpc_tracing import with_trace_context
from protos.common.v1 import common_pb2

# On whose behalf code calls: set by principal_metadata, consumed by the signing rewrite and
# never sent; the signed token travels under TOKEN_KEY.
PRINCIPAL_KEY = "x-principal-bin"
TOKEN_KEY = "x-principal-token"

Rewrite = Callable[[grpc.aio.ClientCallDetails], grpc.aio.ClientCallDetails]


def metadata_value(metadata: Iterable[tuple[str, Any]] | None, name: str) -> Any:
    for key, value in metadata or ():
        if key == name:
            return value
    return None


class _RewrittenCall:
    """A multi-callable of the wrapped channel whose calls go out with their details rewritten."""

    def __init__(self, inner: Any, method: bytes, rewrite: Rewrite) -> None:
        self._inner = inner
        self._method = method
        self._rewrite = rewrite

    def __call__(  # type: ignore[no-untyped-def]
        self, *request, timeout=None, metadata=None, credentials=None, wait_for_ready=None, compression=None
    ):
        details = self._rewrite(
            grpc.aio.ClientCallDetails(self._method, timeout, metadata, credentials, wait_for_ready)  # type: ignore[call-arg]
        )
        return self._inner(
            *request,
            timeout=details.timeout,
            metadata=details.metadata,
            credentials=details.credentials,
            wait_for_ready=details.wait_for_ready,
            compression=compression,
        )


class RewritingChannel:
    """``channel`` whose every call (of every kind) is made with ``rewrites`` applied in order;
    everything else (``close``, ``channel_ready``, states) is the channel's own."""

    def __init__(self, channel: grpc.aio.Channel, *rewrites: Rewrite) -> None:
        self._channel = channel
        self._rewrite: Rewrite = lambda details: reduce(lambda d, rewrite: rewrite(d), rewrites, details)

    def _wrapped(self, kind: str) -> Callable[..., _RewrittenCall]:
        make = getattr(self._channel, kind)

        def multicallable(method: str, *args: Any, **kwargs: Any) -> _RewrittenCall:
            return _RewrittenCall(make(method, *args, **kwargs), method.encode(), self._rewrite)

        return multicallable

    def __getattr__(self, name: str) -> Any:
        if name in ("unary_unary", "unary_stream", "stream_unary", "stream_stream"):
            return self._wrapped(name)
        return getattr(self._channel, name)

    async def __aenter__(self) -> RewritingChannel:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._channel.close()


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


def call_defaults(seconds: float) -> Rewrite:
    """A deadline of ``seconds`` for every call that sets none, the caller's trace context
    (:mod:`platformkit.rpc_tracing`) and the served request's key."""

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

    return rewrite


def signing(signer: Signer, audience: str) -> Rewrite:
    """Replaces the principal the code named with a token signed for ``audience``; a call that
    named none carries a token of the process alone."""

    def rewrite(details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        raw = metadata_value(details.metadata, PRINCIPAL_KEY)
        principal = common_pb2.Principal.FromString(raw) if raw is not None else None
        kept = [(k, v) for k, v in (details.metadata or ()) if k not in (PRINCIPAL_KEY, TOKEN_KEY)]
        metadata = grpc.aio.Metadata(*kept, (TOKEN_KEY, signer.token(principal, audience)))
        return details._replace(metadata=metadata)  # type: ignore[attr-defined,no-any-return]

    return rewrite
