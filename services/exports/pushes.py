"""Creating push records (E48, E49) and reading back what they snapshot.

A push snapshots everything it will send when it is created: the image source, the render spec
and the facts its metadata names (with the integration's external id). The worker then needs no
other service and no caller, and a redelivered work item sends exactly what the first would have.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.exports import repository as repo
from services.exports.domain.adapters import ImageFacts
from services.exports.domain.formats import RenderSpec
from services.exports.events import announce_new_pushes
from services.exports.models import ProductMapping
from services.exports.targets import Target


@dataclass(frozen=True)
class Snapshot:
    """What a push sends: the image source, how to render it, and what its metadata says."""

    source: str
    spec: RenderSpec
    facts: ImageFacts

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "spec": dataclasses.asdict(self.spec), "facts": dataclasses.asdict(self.facts)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Snapshot:
        return cls(str(data["source"]), RenderSpec(**data["spec"]), ImageFacts(**data["facts"]))


@dataclass(frozen=True)
class ShootingOwner:
    owner_id: uuid.UUID
    organization_id: uuid.UUID | None


@dataclass(frozen=True)
class Staged:
    created: int
    skipped: int


async def stage(
    session: AsyncSession,
    targets: Sequence[Target],
    mappings: Sequence[ProductMapping],
    spec: RenderSpec,
    created_by: uuid.UUID,
    shooting: ShootingOwner,
) -> Staged:
    """One push per (target, mapped integration), queued in the caller's transaction; pairs that
    already have a live or completed push are skipped (R151, A27: ``exports_skipped``). Each
    record keeps whose shooting it belongs to (who may read it)."""
    now = datetime.now(UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "revision_id": uuid.UUID(t.facts.revision_id),
            "shot_id": uuid.UUID(t.facts.shot_id),
            "production_request_id": uuid.UUID(t.facts.production_request_id),
            "product_id": m.product_id,
            "integration_id": m.integration_id,
            "status": "PENDING",
            "payload": Snapshot(str(t.source), spec, dataclasses.replace(t.facts, external_id=m.external_id)).to_json(),
            "created_by": created_by,
            "shooting_owner_id": shooting.owner_id,
            "shooting_organization_id": shooting.organization_id,
            "created_at": now,
            "updated_at": now,
        }
        for t in targets
        if t.source is not None
        for m in mappings
    ]
    created = await repo.insert_pushes(session, rows)
    await announce_new_pushes(session, created)
    return Staged(created=len(created), skipped=len(rows) - len(created))
