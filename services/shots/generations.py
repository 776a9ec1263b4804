"""Starting generations: records and work items in one transaction (the outbox), so a
generation exists if and only if a worker will get it; the same transaction announces each one
as ``generation.queued`` on ``shots.events`` (:mod:`services.shots.generation_events`).

The work item (``generation.requested`` on ``generation.requests``, keyed by the generation id)
names only the generation: the worker reads the inputs stored with it, so a redelivered item
renders exactly what the first delivery would have.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from google.protobuf.json_format import MessageToDict
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.errors import Conflict, NotFound
from platformkit.event_types import EventType
from platformkit.outbox import NewEvent, add_events
from platformkit.topics import GENERATION_REQUESTS
from protos.events.v1 import shots_pb2 as events_pb2
from protos.shots.v1 import shots_pb2 as pb
from services.shots import queries, quotas
from services.shots.domain import generation as rules
from services.shots.domain import quotas as quota_rules
from services.shots.domain.access import Caller, ensure_owner
from services.shots.events import SOURCE
from services.shots.generation_events import announce_progress, progress_event
from services.shots.models import Generation, Prediction, ShootingAccess, Shot, messaging


@dataclass(frozen=True)
class Started:
    generations: list[Generation]
    skipped: list[tuple[uuid.UUID, str]]


async def _visible_shots(
    session: AsyncSession, caller: Caller, ids: set[uuid.UUID]
) -> dict[uuid.UUID, tuple[Shot, quota_rules.Scope]]:
    """The shots with whose budget their generations spend (their shooting's scope)."""
    rows = await session.execute(
        sa.select(Shot, ShootingAccess.organization_id, ShootingAccess.owner_id)
        .join(ShootingAccess, ShootingAccess.shooting_id == Shot.shooting_id)
        .where(Shot.id.in_(ids), queries.visible_to(caller))
    )
    found = {shot.id: (shot, quota_rules.Scope(organization, owner)) for shot, organization, owner in rows}
    if set(found) != ids:
        raise NotFound("Shot not found")
    return found


async def start(
    session: AsyncSession,
    caller: Caller,
    specs: Sequence[pb.GenerationSpec],
    *,
    owner_only: bool,
    quota: quota_rules.Limits,
    explicit: bool = False,
) -> Started:
    """Create ``count`` generations of ``num_predictions`` each per spec; skip what R115/R116 say,
    or, for an ``explicit`` request of one shot, refuse with the reason (409): an answer that
    starts nothing is never a success. Every path that starts generations comes here, so each is
    charged to its scope's budget (``quota`` are the platform's defaults): over budget, nothing
    starts (429)."""
    for index, spec in enumerate(specs):
        rules.check_count(spec.count, ("specs", index, "count"))
        rules.check_count(spec.num_predictions, ("specs", index, "num_predictions"))
    scoped = await _visible_shots(session, caller, {uuid.UUID(s.shot_id) for s in specs})
    shots = {shot_id: shot for shot_id, (shot, _) in scoped.items()}
    if owner_only:
        for shooting_id in {shot.shooting_id for shot in shots.values()}:
            scope = await queries.scope_of(session, shooting_id)
            assert scope is not None  # the shots are visible, so their shooting is known
            ensure_owner(caller, scope)
    created: list[Generation] = []
    skipped: list[tuple[uuid.UUID, str]] = []
    costs: dict[quota_rules.Scope, dict[uuid.UUID, int]] = defaultdict(dict)
    for spec in specs:
        shot = shots[uuid.UUID(spec.shot_id)]
        reason = rules.skip_reason(spec.inputs.view_angle, spec.inputs.base_image_url, explicit=explicit)
        if reason is not None and explicit:
            raise Conflict(f"The shot cannot be generated: {reason}")
        if reason is not None:
            skipped.append((shot.id, reason))
            continue
        inputs = MessageToDict(spec.inputs, preserving_proto_field_name=True)
        for _ in range(spec.count):
            generation = _new_generation(session, shot, spec, inputs, caller.user_id)
            created.append(generation)
            costs[scoped[shot.id][1]][generation.id] = spec.num_predictions
    await quotas.charge(session, costs, quota)
    await session.flush()
    await add_events(
        session,
        messaging,
        topic=GENERATION_REQUESTS,
        source=SOURCE,
        events=[
            NewEvent(
                EventType.GENERATION_REQUESTED,
                str(g.id),
                events_pb2.GenerationRequested(generation_id=str(g.id), shot_id=str(g.shot_id)),
            )
            for g in created
        ],
    )
    await announce_progress(session, [progress_event(g, shots[g.shot_id].shooting_id) for g in created])
    return Started(created, skipped)


def _new_generation(
    session: AsyncSession, shot: Shot, spec: pb.GenerationSpec, inputs: dict[str, object], user_id: uuid.UUID
) -> Generation:
    seed = rules.new_seed()
    generation = Generation(
        id=uuid.uuid4(),
        shot_id=shot.id,
        production_request_id=shot.production_request_id,
        status="PENDING",
        attempts=0,
        seed=seed,
        model_id=spec.model_id if spec.HasField("model_id") else None,
        inputs=inputs,
        created_by=user_id,
    )
    session.add(generation)
    session.add_all(
        Prediction(id=uuid.uuid4(), generation_id=generation.id, position=i, seed=s, status="PENDING")
        for i, s in enumerate(rules.prediction_seeds(seed, spec.num_predictions))
    )
    return generation


async def visible_generations(
    session: AsyncSession, caller: Caller, *, generation_id: uuid.UUID | None = None, shot_id: uuid.UUID | None = None
) -> list[tuple[Generation, list[Prediction]]]:
    """GET /generations/{id} (404 when invisible) and GET /generations/?shot_id= (newest first)."""
    query = (
        sa.select(Generation.id)
        .join(Shot, Shot.id == Generation.shot_id)
        .join(ShootingAccess, ShootingAccess.shooting_id == Shot.shooting_id)
        .where(queries.visible_to(caller))
    )
    if generation_id is not None:
        query = query.where(Generation.id == generation_id)
    if shot_id is not None:
        query = query.where(Generation.shot_id == shot_id)
    ids = list(await session.scalars(query))
    found = await queries.generation_with_predictions(session, ids)
    return sorted(found, key=lambda pair: pair[0].created_at, reverse=True)
