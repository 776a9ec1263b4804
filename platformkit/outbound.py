"""Outbound HTTP to addresses users name (image URLs, integration endpoints), safe against
server-side request forgery.

With ``public_only`` (the default in production, :class:`platformkit.media.MediaSettings`), a
client connects only to public addresses: the host is resolved once, every address it resolves
to must be global (no loopback, private, link-local such as a cloud metadata service, shared or
reserved range), and the connection goes to the address that was checked, so no second DNS
answer can slip in between the check and the connection. The check sits under httpx, in the
connection pool's network backend, so it applies to every connection the client makes: each
redirect hop too. TLS still verifies the certificate against the host name. Proxies from the
environment are ignored then (a proxy would make the check apply to the proxy, not the target).

Operator-configured endpoints (model servers, the LLM, S3) never use this: they are where the
operator says, loopback and private networks included.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence

import httpcore
import httpx


class OutboundRefused(Exception):
    """The destination is not a public address (or cannot be resolved)."""


def _checked(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip


def _kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    for kind in ("loopback", "link_local", "unspecified", "multicast", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return "non-public"


Resolver = Callable[[str, int], Awaitable[Sequence[str]]]


async def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system resolver)."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise OutboundRefused(f"cannot resolve {host}: {exc}") from None
    return [str(info[4][0]) for info in infos]


def public_address(host: str, addresses: Sequence[str]) -> str:
    """The address to connect to for ``host``: the first it resolved to, once every one of them
    is public; :class:`OutboundRefused` otherwise, saying why (pure)."""
    for address in addresses:
        ip = _checked(address)
        if not ip.is_global:
            raise OutboundRefused(
                f"{host} resolves to {ip}, a {_kind(ip)} address: outbound requests go to public addresses only"
            )
    if not addresses:
        raise OutboundRefused(f"cannot resolve {host}")
    return addresses[0]


class _PublicOnlyBackend(httpcore.AsyncNetworkBackend):
    """httpcore's own backend, connecting only to the checked address of each host."""

    def __init__(self, resolver: Resolver, network: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = network or httpcore.AnyIOBackend()
        self._resolve = resolver

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        address = public_address(host, await self._resolve(host, port))
        return await self._inner.connect_tcp(
            address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise OutboundRefused("outbound requests over Unix sockets are refused")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PublicOnlyTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the public-only backend under its connection pool (``resolver`` and
    ``network``: the system's by default; tests give their own)."""

    def __init__(self, resolver: Resolver = resolve, network: httpcore.AsyncNetworkBackend | None = None) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            network_backend=_PublicOnlyBackend(resolver, network),
        )


def client(
    *, public_only: bool, timeout: httpx.Timeout, follow_redirects: bool, resolver: Resolver = resolve
) -> httpx.AsyncClient:
    """An httpx client for user-named URLs; with ``public_only`` every connection (redirects
    included) goes to a checked public address, and proxies from the environment are ignored."""
    if public_only:
        transport = PublicOnlyTransport(resolver)
        return httpx.AsyncClient(
            timeout=timeout, follow_redirects=follow_redirects, transport=transport, trust_env=False
        )
    return httpx.AsyncClient(timeout=timeout, follow_redirects=follow_redirects)
