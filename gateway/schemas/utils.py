"""Health answers."""

from __future__ import annotations

from pydantic import BaseModel


class SystemHealth(BaseModel):
    """Per dependency: ``"ok"`` or ``"error: <reason>"``; services by their gRPC health status."""

    gateway_database: str
    broker: str
    services: dict[str, str]
