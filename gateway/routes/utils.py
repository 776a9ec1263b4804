"""Health endpoints: a boolean for load balancers and a per-dependency report for people."""

from __future__ import annotations

from fastapi import Request, Response, status

from gateway import health
from gateway.deps import CurrentUser
from gateway.route_index import IndexedRouter
from gateway.schemas.utils import SystemHealth

router = IndexedRouter(prefix="/utils", tags=["utils"])


async def _check(request: Request) -> SystemHealth:
    state = request.app.state
    return await health.check(
        state.engine, state.broker_probe, state.clients, state.settings.health_check_timeout_seconds
    )


@router.get("/health-check/", responses={503: {"description": "A dependency does not answer", "model": bool}})
async def health_check(request: Request, response: Response) -> bool:
    """No auth. ``true`` only when the database, the broker and every service answer; else 503 ``false``."""
    healthy = health.all_healthy(await _check(request))
    if not healthy:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return healthy


@router.get("/system-health-check")
async def system_health_check(request: Request, _: CurrentUser) -> SystemHealth:
    """Always 200 (for an authenticated caller): what answers and what does not."""
    return await _check(request)
