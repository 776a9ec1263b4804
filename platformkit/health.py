"""Dependency probes shared by the services' gRPC health status and the gateway's health checks.

A probe answers ``None`` when the dependency works and a short reason otherwise; it never
raises and never waits longer than its timeout.
"""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)


async def probe_database(engine: AsyncEngine, timeout: float = 2.0) -> str | None:
    try:
        async with asyncio.timeout(timeout), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # any failure is an answer, not a crash
        return f"{type(exc).__name__}: {exc}"[:200]


class BrokerProbe:
    """Keeps one lightweight Kafka client open and asks the broker for its metadata."""

    def __init__(self, bootstrap_servers: str) -> None:
        self._bootstrap = bootstrap_servers
        self._client: AIOKafkaClient | None = None

    async def __call__(self, timeout: float = 2.0) -> str | None:
        try:
            async with asyncio.timeout(timeout):
                if self._client is None:
                    client = AIOKafkaClient(bootstrap_servers=self._bootstrap, request_timeout_ms=int(timeout * 1000))
                    await client.bootstrap()
                    self._client = client
                await self._client.fetch_all_metadata()
            return None
        except Exception as exc:
            await self.close()
            return f"{type(exc).__name__}: {exc}"[:200] or "broker unreachable"

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.close()
            except Exception:  # closing a broken client must not mask the probe's answer
                log.debug("closing the broker probe failed", exc_info=True)
