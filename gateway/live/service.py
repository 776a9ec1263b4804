"""What the live socket needs from the gateway process, built and started by the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.clients import ServiceClients
from gateway.live.feed import LiveFeed
from gateway.live.hub import LiveHub
from gateway.live.settings import LiveSettings
from gateway.principals import PrincipalCache
from gateway.settings import GatewaySettings


@dataclass
class LiveService:
    """The process's hub and feed, and what connections authenticate and authorise with."""

    settings: LiveSettings
    gateway_settings: GatewaySettings
    principals: PrincipalCache
    clients: ServiceClients
    hub: LiveHub
    feed: LiveFeed

    @classmethod
    def create(
        cls,
        gateway_settings: GatewaySettings,
        principals: PrincipalCache,
        clients: ServiceClients,
        settings: LiveSettings | None = None,
    ) -> LiveService:
        settings = settings or LiveSettings()
        hub = LiveHub(settings)
        return cls(settings, gateway_settings, principals, clients, hub, LiveFeed(gateway_settings, hub))

    async def start(self) -> None:
        await self.feed.start()

    async def stop(self) -> None:
        await self.feed.stop()
