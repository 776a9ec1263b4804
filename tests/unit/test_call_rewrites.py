"""The platform's client call rewrites, applied by the channel wrapper to every kind of call (no I/O:
the wrapped channel is a recorder)."""

from __future__ import annotations

from typing import Any

import grpc

from platformkit.call_rewrites import REQUEST_KEY, RewritingChannel, ServedRequest, call_defaults, serving_request


class _Recorder:
    """Stands for grpc.aio's channel: each multi-callable records what it is called with."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.closed = False

    def _kind(self, kind: str):  # type: ignore[no-untyped-def]
        def make(method: str, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
            def call(*request: Any, **options: Any) -> str:
                self.calls.append((kind, method, options))
                return "answer"

            return call

        return make

    def __getattr__(self, name: str) -> Any:
        if name in ("unary_unary", "unary_stream", "stream_unary", "stream_stream"):
            return self._kind(name)
        raise AttributeError(name)

    async def close(self) -> None:
        self.closed = True


def _tagged(tag: str):  # type: ignore[no-untyped-def]
    def rewrite(details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        metadata = grpc.aio.Metadata(*(details.metadata or ()), ("x-tag", tag))
        return details._replace(metadata=metadata)  # type: ignore[attr-defined,no-any-return]

    return rewrite


def test_every_kind_of_call_goes_out_rewritten_in_order() -> None:
    inner = _Recorder()
    channel = RewritingChannel(inner, _tagged("first"), _tagged("second"))  # type: ignore[arg-type]
    for kind in ("unary_unary", "unary_stream", "stream_unary", "stream_stream"):
        assert getattr(channel, kind)("/pkg.Service/Method")("request") == "answer"
    assert [kind for kind, _, _ in inner.calls] == ["unary_unary", "unary_stream", "stream_unary", "stream_stream"]
    for _, method, options in inner.calls:
        assert method == "/pkg.Service/Method"
        assert [v for k, v in options["metadata"] if k == "x-tag"] == ["first", "second"]


def test_the_default_deadline_applies_unless_the_call_sets_one_and_keys_follow_the_served_request() -> None:
    inner = _Recorder()
    channel = RewritingChannel(inner, call_defaults(7.0))  # type: ignore[arg-type]
    method = channel.unary_unary("/pkg.Service/Create")
    token = serving_request.set(ServedRequest("key"))
    try:
        method("request")
        method("request", timeout=2.0)
    finally:
        serving_request.reset(token)
    (_, _, first), (_, _, second) = inner.calls
    assert (first["timeout"], second["timeout"]) == (7.0, 2.0)
    keys = [dict(options["metadata"])[REQUEST_KEY] for options in (first, second)]
    assert keys == ["key/0", "key/1"]


async def test_closing_the_wrapper_closes_the_channel() -> None:
    inner = _Recorder()
    async with RewritingChannel(inner) as channel:  # type: ignore[arg-type]
        assert channel is not None
    assert inner.closed
