"""What the outfits service publishes, always through its outbox: `outfits.events` facts keyed by
the look, and `styling.requests` work items for the styling workers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.event_types import EventType
from platformkit.outbox import NewEvent, add_event, add_events
from platformkit.protoconv import timestamp
from platformkit.topics import OUTFITS_EVENTS, STYLING_REQUESTS
from protos.events.v1 import outfits_pb2 as events_pb2
from services.outfits import repository as repo
from services.outfits.models import Look, Outfit, messaging

SOURCE = "outfits"


async def announce(session: AsyncSession, look: Look, changes: Sequence[tuple[EventType, Outfit]]) -> None:
    """Publish one event per changed outfit of one look (in one transaction), each carrying the
    look's outfit state after the whole change under one new version."""
    look.version += 1
    proposals, pending = await repo.proposal_counts(session, look)
    state = events_pb2.LookOutfitState(
        look_id=str(look.id),
        shooting_id=str(look.shooting_id),
        outfit_id=str(look.outfit_id) if look.outfit_id else None,
        proposals=proposals,
        pending_proposals=pending,
        version=look.version,
        occurred_at=timestamp(datetime.now(UTC)),
    )
    # Successive inserts, not one batch: the events of one aggregate keep their order.
    for event_type, outfit in changes:
        payload = events_pb2.OutfitChanged(
            outfit_id=str(outfit.id),
            generation_status=outfit.generation_status,
            outfit_product_ids=[str(p) for p in outfit.outfit_product_ids],
            look=state,
        )
        await add_event(
            session,
            messaging,
            topic=OUTFITS_EVENTS,
            event_type=event_type,
            aggregate_id=str(look.id),
            payload=payload,
            source=SOURCE,
        )


async def request_styling(session: AsyncSession, proposals: Sequence[Outfit], attempt: int = 1) -> None:
    """Queue one styling job per proposal; the proposal id is the job's key (a redelivered job
    finds its proposal already styled and changes nothing)."""
    await add_events(
        session,
        messaging,
        topic=STYLING_REQUESTS,
        source=SOURCE,
        events=[
            NewEvent(
                EventType.STYLING_REQUESTED,
                str(p.id),
                events_pb2.StylingRequested(proposal_id=str(p.id), look_id=str(p.look_id), attempt=attempt),
            )
            for p in proposals
        ],
    )
