"""Outbound requests to user-named URLs, public-only (production's default): which addresses
pass, and that the connection goes to the address that was checked, redirects included. The
network is httpcore's mock backend and the resolver a table, so nothing leaves the process."""

from __future__ import annotations

import re
from collections.abc import Sequence

import httpcore
import httpx
import pytest

from platformkit import outbound


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),  # cloud metadata services
        ("fe80::1", "link-local"),
        ("10.0.0.5", "private"),
        ("192.168.1.20", "private"),
        ("fd00::1", "private"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
    ],
)
def test_non_public_addresses_are_refused_saying_why(address: str, kind: str) -> None:
    with pytest.raises(outbound.OutboundRefused, match=f"a {kind} address"):
        outbound.public_address("images.example", [address])


def test_public_addresses_pass_and_the_first_is_the_one_to_connect_to() -> None:
    assert outbound.public_address("images.example", ["93.184.215.14", "2606:4700::1111"]) == "93.184.215.14"


def test_one_private_answer_among_public_ones_refuses_the_host() -> None:
    with pytest.raises(outbound.OutboundRefused, match=re.escape("10.1.2.3")):
        outbound.public_address("images.example", ["93.184.215.14", "10.1.2.3"])
    with pytest.raises(outbound.OutboundRefused, match="cannot resolve"):
        outbound.public_address("images.example", [])


class RecordingNetwork(httpcore.AsyncNetworkBackend):
    """Answers every connection with the next canned HTTP response; records where it connected."""

    def __init__(self, responses: Sequence[bytes]) -> None:
        self.responses = list(responses)
        self.connected: list[tuple[str, int]] = []

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):  # type: ignore[no-untyped-def]
        self.connected.append((host, port))
        return httpcore.AsyncMockStream([self.responses.pop(0)])

    async def sleep(self, seconds: float) -> None:
        return None


DNS = {
    "images.example": ["93.184.215.14"],
    "metadata.internal": ["169.254.169.254"],
}
lookups: list[str] = []


async def table(host: str, port: int) -> list[str]:
    lookups.append(host)
    return DNS[host]


def public_client(network: RecordingNetwork) -> httpx.AsyncClient:
    transport = outbound.PublicOnlyTransport(table, network)
    return httpx.AsyncClient(transport=transport, follow_redirects=True)


async def test_the_connection_goes_to_the_checked_address_under_the_host_name() -> None:
    network = RecordingNetwork([b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nPNG"])
    lookups.clear()
    async with public_client(network) as client:
        response = await client.get("http://images.example/cover.png")
    assert response.content == b"PNG"
    # One lookup, and the socket is opened to its answer, not to a name resolved again later.
    assert lookups == ["images.example"]
    assert network.connected == [("93.184.215.14", 80)]


async def test_a_redirect_to_a_private_address_is_refused_before_connecting() -> None:
    redirect = b"HTTP/1.1 302 Found\r\nLocation: http://metadata.internal/latest/meta-data\r\nContent-Length: 0\r\n\r\n"
    network = RecordingNetwork([redirect, b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret"])
    async with public_client(network) as client:
        with pytest.raises(outbound.OutboundRefused, match=re.escape("169.254.169.254, a link-local address")):
            await client.get("http://images.example/cover.png")
    assert network.connected == [("93.184.215.14", 80)]  # the metadata service was never reached


async def test_without_public_only_the_client_is_plain_httpx() -> None:
    plain = outbound.client(public_only=False, timeout=httpx.Timeout(1), follow_redirects=False)
    guarded = outbound.client(public_only=True, timeout=httpx.Timeout(1), follow_redirects=False)
    async with plain, guarded:
        assert not isinstance(plain._transport, outbound.PublicOnlyTransport)
        assert isinstance(guarded._transport, outbound.PublicOnlyTransport)
