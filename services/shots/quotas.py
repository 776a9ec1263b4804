"""Generation budgets in the shots database: charging generations as they start, reading and
setting an organization's own limits.

Charging takes a transaction-scoped advisory lock per scope, so two requests of one organization
cannot both pass the check with the room for one; it also deletes that scope's charges older
than the longest window, so the table holds about a day of generations.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.shots.domain import quotas as rules
from services.shots.models import GenerationCharge, GenerationQuota


def _lock_id(scope: str) -> int:
    return int.from_bytes(hashlib.sha256(f"generation-quota:{scope}".encode()).digest()[:8], "big", signed=True)


async def now(session: AsyncSession) -> datetime:
    """The database's clock: every replica counts windows by it."""
    found = await session.scalar(sa.select(sa.func.now()))
    assert found is not None
    return found


async def own_limits(session: AsyncSession, organization_id: uuid.UUID) -> tuple[int | None, int | None]:
    """The organization's own hourly and daily limits (None where it uses the default)."""
    own = await session.get(GenerationQuota, organization_id)
    return (own.per_hour, own.per_day) if own else (None, None)


async def limits_of(session: AsyncSession, scope: rules.Scope, defaults: rules.Limits) -> rules.Limits:
    if scope.organization_id is None:
        return defaults
    return rules.limits(defaults, *await own_limits(session, scope.organization_id))


async def spent(session: AsyncSession, scope: str) -> list[tuple[datetime, int]]:
    """(when, images) of the scope's charges within the longest window."""
    rows = await session.execute(
        sa.select(GenerationCharge.charged_at, GenerationCharge.images).where(
            GenerationCharge.scope == scope, GenerationCharge.charged_at > sa.func.now() - rules.DAY
        )
    )
    return [(at, images) for at, images in rows]


async def charge(
    session: AsyncSession, costs: Mapping[rules.Scope, Mapping[uuid.UUID, int]], defaults: rules.Limits
) -> None:
    """Charge each generation's images (``costs``: per scope, per generation id) to its scope, in
    the caller's transaction; :class:`TooManyRequests` when a scope's budget has no room."""
    for scope in sorted(costs, key=lambda s: _lock_id(s.key)):
        await session.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_id(scope.key))))
        await session.execute(
            sa.delete(GenerationCharge).where(
                GenerationCharge.scope == scope.key, GenerationCharge.charged_at <= sa.func.now() - rules.DAY
            )
        )
        now = await session.scalar(sa.select(sa.func.now()))
        wanted = costs[scope]
        rules.check(
            scope, await limits_of(session, scope, defaults), await spent(session, scope.key), sum(wanted.values()), now
        )  # type: ignore[arg-type]
        await session.execute(
            insert(GenerationCharge)
            .values([{"generation_id": g, "scope": scope.key, "images": images} for g, images in wanted.items()])
            .on_conflict_do_nothing(index_elements=[GenerationCharge.generation_id])
        )


async def set_limits(
    session: AsyncSession, organization_id: uuid.UUID, per_hour: int | None, per_day: int | None, by: uuid.UUID
) -> None:
    statement = insert(GenerationQuota).values(
        organization_id=organization_id, per_hour=per_hour, per_day=per_day, updated_by=by, updated_at=sa.func.now()
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[GenerationQuota.organization_id],
            set_={name: statement.excluded[name] for name in ("per_hour", "per_day", "updated_by", "updated_at")},
        )
    )
