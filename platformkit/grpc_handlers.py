"""Wrapping the behaviour of a gRPC method handler, for server interceptors.

An interceptor that acts around each call (binding the caller, timing it) replaces the handler's
behaviour with a wrapped one and keeps its (de)serializers; unary and server-streaming calls
need different wrappers because one returns a value and the other yields.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

UnaryBehavior = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]
StreamBehavior = Callable[[Any, grpc.aio.ServicerContext], AsyncIterator[Any]]


def rewrap(
    handler: grpc.RpcMethodHandler,
    *,
    unary: Callable[[UnaryBehavior], UnaryBehavior],
    stream: Callable[[StreamBehavior], StreamBehavior],
) -> grpc.RpcMethodHandler:
    """``handler`` with its unary or server-streaming behaviour wrapped; other kinds unchanged."""
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(
            unary(handler.unary_unary), handler.request_deserializer, handler.response_serializer
        )
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(
            stream(handler.unary_stream), handler.request_deserializer, handler.response_serializer
        )
    return handler


Wrappers = tuple[Callable[[UnaryBehavior], UnaryBehavior], Callable[[StreamBehavior], StreamBehavior]]


class WrappingInterceptor(grpc.aio.ServerInterceptor):
    """A server interceptor that acts around each call; subclasses say how in :meth:`wrappers`."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        unary, stream = self.wrappers(handler_call_details)
        return rewrap(handler, unary=unary, stream=stream)

    def wrappers(self, details: grpc.HandlerCallDetails) -> Wrappers:
        """The unary and the streaming wrapper for the call ``details`` describes."""
        raise NotImplementedError
