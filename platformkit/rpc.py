"""gRPC plumbing shared by every process.

Server side: one interceptor verifies the caller's signed principal
(:mod:`platformkit.principal_tokens`: a call without a valid one is refused UNAUTHENTICATED before
any handler runs), turns :mod:`platformkit.errors` into gRPC statuses (with
the standard ``google.rpc`` details, :mod:`platformkit.rich_status`) and exposes the caller's
:class:`common.v1.Principal` through :func:`current_principal` and the signing process through
:func:`current_issuer`. Health checking and reflection are registered on every server and need
no principal.

Client side: code says on whose behalf it calls with :func:`principal_metadata`; the channel
(:func:`create_channel` with a signer) replaces that with a token signed for the service it
reaches, and adds a token without a user when the code named none. Channels retry UNAVAILABLE
with exponential backoff (gRPC's own retry policy) and every call gets a default deadline and
carries the caller's trace context.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from platformkit import call_rewrites, errors, metrics, rich_status
from platformkit.call_rewrites import PRINCIPAL_KEY, TOKEN_KEY, metadata_value
from platformkit.grpc_handlers import StreamBehavior, UnaryBehavior, Wrappers, WrappingInterceptor
from platformkit.principal_tokens import InvalidPrincipal, Signer, Verifier
from platformkit.rpc_tracing import server_span
from platformkit.transient import caused_by_transient
from protos.common.v1 import common_pb2

# Services every server answers without a principal: health probes and reflection.
_OPEN_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.")
# Sent with a server-side UNAVAILABLE: a negative pushback tells the client's retry policy not to
# repeat the call (gRFC A6). Its retries are for calls that never reached a server; one that did
# may have had effects elsewhere (another service's commit) before its own database failed.
NO_RETRY = (("grpc-retry-pushback-ms", "-1"),)
MAX_CONNECTION_AGE_MS = 5 * 60 * 1000

log = logging.getLogger(__name__)
_principal: contextvars.ContextVar[common_pb2.Principal | None] = contextvars.ContextVar("principal", default=None)
_issuer: contextvars.ContextVar[str | None] = contextvars.ContextVar("issuer", default=None)


def principal_metadata(principal: common_pb2.Principal) -> tuple[tuple[str, bytes], ...]:
    return ((PRINCIPAL_KEY, principal.SerializeToString()),)


def current_principal() -> common_pb2.Principal:
    """The user the RPC being served acts for; a call that names none is refused as unauthenticated."""
    principal = _principal.get()
    if principal is None:
        raise Unauthenticated("no principal in the call metadata")
    return principal


def current_issuer() -> str | None:
    """The platform process that signed the RPC's principal (``gateway``, ``shootings``, ...)."""
    return _issuer.get()


def require_issuer(*issuers: str) -> None:
    """Refuse the call unless a process among ``issuers`` makes it (internal batch RPCs)."""
    if current_issuer() not in issuers:
        raise errors.PermissionDenied(f"Only {', '.join(issuers)} may call this")


class Unauthenticated(Exception):
    pass


async def _abort(context: grpc.aio.ServicerContext, exc: Exception) -> None:
    """Answer ``exc`` with its status; an exception that is not the caller's business re-raises,
    except a transient one (database restarting, a peer unreachable), which is UNAVAILABLE: the
    request was fine and may be sent again later (HTTP 503 with Retry-After at the gateway)."""
    if isinstance(exc, errors.DomainError):
        await context.abort(rich_status.code_of(exc), exc.message, trailing_metadata=rich_status.trailing_metadata(exc))
    if isinstance(exc, Unauthenticated):
        await context.abort(grpc.StatusCode.UNAUTHENTICATED, str(exc))
    if caused_by_transient(exc):
        log.warning("unavailable: %s: %s", type(exc).__name__, exc)
        await context.abort(grpc.StatusCode.UNAVAILABLE, "Service temporarily unavailable", trailing_metadata=NO_RETRY)
    raise exc


class ServerInterceptor(WrappingInterceptor):
    """Counts and times each call (:class:`platformkit.metrics.ServedCall`), verifies the signed
    principal, binds it for the handler, runs it in the call's span (continuing the caller's trace,
    :mod:`platformkit.rpc_tracing`) and maps domain errors to statuses: one place that says what a
    served call runs in, for both kinds of call. (A second interceptor costs nothing measurable: a
    health check's server CPU was 0.33-0.47 ms with or without one more pass-through interceptor.)"""

    def __init__(self, verifier: Verifier) -> None:
        self.verifier = verifier

    def _caller(self, details: grpc.HandlerCallDetails) -> tuple[common_pb2.Principal | None, str | None, str | None]:
        """(principal, issuer, why refused) of a call."""
        if details.method.startswith(_OPEN_SERVICES):
            return None, None, None
        try:
            verified = self.verifier.verify(metadata_value(details.invocation_metadata, TOKEN_KEY))
        except InvalidPrincipal as exc:
            log.warning("refused a call to %s: %s", details.method, exc)
            return None, None, str(exc)
        return verified.principal, verified.issuer, None

    def wrappers(self, handler_call_details: grpc.HandlerCallDetails) -> Wrappers:
        principal, issuer, refused = self._caller(handler_call_details)
        metadata, method = handler_call_details.invocation_metadata, handler_call_details.method

        @contextlib.asynccontextmanager
        async def serving(context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
            """What both kinds of call run in; an error raised in it ends the call with its status."""
            with metrics.ServedCall(method, context), server_span(method, metadata, context):
                try:
                    if refused is not None:
                        raise Unauthenticated(refused)
                    with _bound(principal, issuer):
                        yield
                except Exception as exc:
                    await _abort(context, exc)

        def unary(inner: UnaryBehavior) -> UnaryBehavior:
            async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
                async with serving(context):
                    return await inner(request, context)

            return call

        def stream(inner: StreamBehavior) -> StreamBehavior:
            async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
                async with serving(context):
                    async for item in inner(request, context):
                        yield item

            return call

        return unary, stream


@contextlib.contextmanager
def _bound(principal: common_pb2.Principal | None, issuer: str | None) -> Iterator[None]:
    """The caller, for :func:`current_principal` and :func:`current_issuer`, while a call runs."""
    principal_token, issuer_token = _principal.set(principal), _issuer.set(issuer)
    try:
        yield
    finally:
        _principal.reset(principal_token)
        _issuer.reset(issuer_token)


# Every call carries its caller's principal, memberships included (platformkit.principal_tokens:
# 52 bytes of metadata per organization). gRPC's default limit on a call's metadata (8 KB soft,
# 16 KB hard, beyond which calls are refused as RESOURCE_EXHAUSTED) locked out a member of about 150
# organizations; the gateway caps memberships (gateway.repository.organizations) and both ends
# accept what the cap allows with room to spare (tests/unit/test_principal_tokens.py ties the two).
MAX_METADATA_BYTES = 64 * 1024
_METADATA_LIMITS = [
    ("grpc.max_metadata_size", MAX_METADATA_BYTES),
    ("grpc.absolute_max_metadata_size", MAX_METADATA_BYTES),
]


def create_server(
    service_names: Iterable[str], verifier: Verifier, *, max_message_mb: int = 64
) -> tuple[grpc.aio.Server, health.aio.HealthServicer]:
    """A server with metrics, the principal and error interceptor, health checking and reflection.

    The caller adds its servicers, binds a port and marks the health status once it is ready.
    """
    options = [
        ("grpc.max_receive_message_length", max_message_mb * 1024 * 1024),
        ("grpc.max_send_message_length", max_message_mb * 1024 * 1024),
        # Clients reconnect (and re-resolve DNS) at least this often, so replicas added by an
        # autoscaler get their share of long-lived channels; calls in flight get the grace period.
        ("grpc.max_connection_age_ms", MAX_CONNECTION_AGE_MS),
        ("grpc.max_connection_age_grace_ms", 30_000),
        *_METADATA_LIMITS,
    ]
    server = grpc.aio.server(interceptors=[ServerInterceptor(verifier)], options=options)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = [*service_names, health.SERVICE_NAME, reflection.SERVICE_NAME]
    reflection.enable_server_reflection(names, server)
    return server, health_servicer


SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def _service_config() -> str:
    # Transparent retries for calls that never reached a healthy server. round_robin spreads calls
    # over every address a target resolves to: in Kubernetes ``dns:///shots:50062`` names a headless
    # Service, one address per ready replica (client-side load balancing, no proxy hop).
    return json.dumps(
        {
            "loadBalancingConfig": [{"round_robin": {}}],
            "methodConfig": [
                {
                    "name": [{}],
                    "retryPolicy": {
                        "maxAttempts": 4,
                        "initialBackoff": "0.1s",
                        "maxBackoff": "1s",
                        "backoffMultiplier": 2,
                        "retryableStatusCodes": ["UNAVAILABLE"],
                    },
                }
            ],
        }
    )


def create_channel(
    target: str,
    *,
    deadline_seconds: float = 10.0,
    max_message_mb: int = 64,
    signer: Signer | None = None,
    audience: str | None = None,
    interceptors: Sequence[grpc.aio.ClientInterceptor] = (),
) -> grpc.aio.Channel:
    """A channel to ``target``; with ``signer``, every call carries a principal signed for
    ``audience`` (the service at ``target``), as every platform service demands. ``interceptors``
    see each call after the platform's rewrites (tests count calls with one)."""
    options = [
        ("grpc.enable_retries", 1),
        ("grpc.service_config", _service_config()),
        ("grpc.max_receive_message_length", max_message_mb * 1024 * 1024),
        ("grpc.max_send_message_length", max_message_mb * 1024 * 1024),
        # Notice a restarted peer quickly instead of waiting on a dead connection.
        ("grpc.keepalive_time_ms", 20000),
        ("grpc.initial_reconnect_backoff_ms", 200),
        ("grpc.max_reconnect_backoff_ms", 2000),
        *_METADATA_LIMITS,
    ]
    rewrites = [call_rewrites.call_defaults(deadline_seconds)]
    if signer is not None:
        if audience is None:
            raise ValueError("a signing channel needs the audience it signs for")
        rewrites.append(call_rewrites.signing(signer, audience))
    channel = grpc.aio.insecure_channel(target, options=options, interceptors=list(interceptors) or None)
    return call_rewrites.RewritingChannel(channel, *rewrites)  # type: ignore[return-value]
