"""Signed principals: what a verifier accepts and refuses, and that channels sign every call kind."""

from __future__ import annotations

import time
import uuid

import grpc
import jwt
import pytest

from gateway.repository.organizations import MAX_ORGANIZATIONS_PER_USER
from platformkit import principal_tokens
from platformkit.principal_tokens import InvalidPrincipal
from platformkit.rpc import (
    MAX_METADATA_BYTES,
    create_server,
    current_issuer,
    current_principal,
    principal_metadata,
)
from protos.common.v1 import common_pb2
from tests.support.principals import KEYS, signed_channel, signer, verifier

ALICE = common_pb2.Principal(user_id="6a1c8f8e-93f6-4b1e-9a43-2f2b1d3c0e11", organization_ids=["org-1"], email="a@x")


def test_a_token_signed_by_a_caller_of_the_service_gives_back_the_principal() -> None:
    verified = verifier("shots").verify(signer("shootings").token(ALICE, "shots"))
    assert (verified.issuer, verified.principal) == ("shootings", ALICE)


def test_a_token_without_a_user_names_only_the_process() -> None:
    verified = verifier("exports").verify(signer("gateway").token(None, "exports"))
    assert (verified.issuer, verified.principal) == ("gateway", None)


def test_one_token_serves_a_principal_and_audience_for_a_while() -> None:
    gateway = signer("gateway")
    assert gateway.token(ALICE, "shots") == gateway.token(ALICE, "shots")
    assert gateway.token(ALICE, "shots") != gateway.token(ALICE, "shootings")


@pytest.mark.parametrize(
    ("issuer", "audience", "checked_by", "reason"),
    [
        ("gateway", "shots", "shootings", "Audience"),  # replayed to another service
        ("outfits", "exports", "exports", "may not call"),  # outfits never calls exports
        ("shots", "shots", "shots", "may not call"),  # nor does a service call itself
    ],
)
def test_misaddressed_or_uninvited_tokens_are_refused(issuer: str, audience: str, checked_by: str, reason: str) -> None:
    with pytest.raises(InvalidPrincipal, match=reason):
        verifier(checked_by).verify(signer(issuer).token(ALICE, audience))


def test_tampered_expired_and_missing_tokens_are_refused() -> None:
    token = signer("gateway").token(ALICE, "shots")
    head, body, signature = token.split(".")
    with pytest.raises(InvalidPrincipal):
        verifier("shots").verify(f"{head}.{body}.{signature[::-1]}")
    key = principal_tokens.private_key(KEYS.private["gateway"])
    past = int(time.time()) - 120
    expired = jwt.encode({"iss": "gateway", "aud": "shots", "iat": past - 60, "exp": past}, key, algorithm="EdDSA")
    with pytest.raises(InvalidPrincipal, match="expired"):
        verifier("shots").verify(expired)
    with pytest.raises(InvalidPrincipal, match="no signed principal"):
        verifier("shots").verify(None)


async def test_channels_sign_unary_and_streaming_calls() -> None:
    server, _ = create_server([], verifier("exports"))

    async def unary(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        return f"{current_issuer()}:{current_principal().user_id}".encode()

    async def stream(request: bytes, context: grpc.aio.ServicerContext):  # type: ignore[no-untyped-def]
        yield f"{current_issuer()}:{current_principal().user_id}".encode()

    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(unary),
        "Stream": grpc.unary_stream_rpc_method_handler(stream),
    }
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("test.Signed", handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = signed_channel(f"127.0.0.1:{port}", "exports", "shootings")
    try:
        metadata = principal_metadata(ALICE)
        expected = f"shootings:{ALICE.user_id}".encode()
        assert await channel.unary_unary("/test.Signed/Unary")(b"", metadata=metadata) == expected
        assert [item async for item in channel.unary_stream("/test.Signed/Stream")(b"", metadata=metadata)] == [
            expected
        ]
    finally:
        await channel.close()
        await server.stop(None)


def test_a_member_of_the_most_organizations_fits_the_calls_metadata_with_room_to_spare() -> None:
    """The membership cap and the metadata limit agree: a principal at the cap (every organization
    id a UUID, a long email) signs to under half of what servers and channels accept."""
    member = common_pb2.Principal(
        user_id=str(uuid.uuid4()),
        organization_ids=[str(uuid.uuid4()) for _ in range(MAX_ORGANIZATIONS_PER_USER)],
        email="x" * 240 + "@example.com",
    )
    token = signer("gateway").token(member, "shootings")
    assert len(token) + len("x-principal-token") < MAX_METADATA_BYTES // 2
    assert verifier("shootings").verify(token).principal == member
