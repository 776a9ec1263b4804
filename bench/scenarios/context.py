"""What every scenario gets: the environment, a logged-in API client and the load settings."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from bench.environment import BenchEnvironment
from bench.loads import LoadSettings

API = "/api/v1"


@dataclass
class Context:
    env: BenchEnvironment
    # Base URL ``{public}/api/v1`` (through Envoy), the first superuser's token set.
    client: httpx.AsyncClient
    token: str
    settings: LoadSettings

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def public(self, path: str) -> str:
        """``path`` under /api/v1 through Envoy, as every client reaches it."""
        return f"{self.env.public_url}{API}{path}"

    def direct(self, path: str) -> str:
        """``path`` under /api/v1 on the gateway's own port (Envoy left out)."""
        return f"{self.env.gateway_url}{API}{path}"
