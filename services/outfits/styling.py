"""The styling job: complete or fail one PENDING proposal (R114).

A job names its proposal, so a redelivered or stale job finds the proposal already styled (or
deleted by a finalization) and changes nothing: no job ever creates a proposal. A stylist
failure counts one retry on the proposal (``retry_count``) and queues the next attempt through
the outbox, in the same transaction; once ``styling_max_retries`` retries have failed, the
proposal is FAILED with the last reason in ``generation_error``. The stylist runs before the
rows are locked, so a finalization meanwhile is never kept waiting on a slow stylist.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import grpc
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.event_types import EventType
from platformkit.service import ConsumerSpec, ServiceContext
from platformkit.topics import STYLING_REQUESTS
from platformkit.transient import is_transient
from protos.events.v1 import outfits_pb2 as events_pb2
from protos.events.v1.envelope_pb2 import EventEnvelope
from services.outfits import events
from services.outfits import repository as repo
from services.outfits.catalog import Catalog
from services.outfits.domain.outfits import COMPLETED, FAILED, PENDING, error_text
from services.outfits.models import Outfit
from services.outfits.settings import StylingSettings
from services.outfits.stylists import Styled, Stylist, StylistError, build_stylist

GROUP = "styling-workers"
MAX_RETRY_DELAY = 30.0


def retry_delay(settings: StylingSettings, attempt: int) -> float:
    """Seconds to wait before ``attempt`` (none before the first), doubling up to 30 s."""
    if attempt <= 1:
        return 0.0
    return min(settings.styling_retry_delay_seconds * 2 ** (attempt - 2), MAX_RETRY_DELAY)


@dataclass
class StylingJobs:
    settings: StylingSettings
    stylist: Stylist

    async def handle(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        if envelope.type != EventType.STYLING_REQUESTED:
            return
        job = events_pb2.StylingRequested()
        envelope.payload.Unpack(job)
        proposal_id = uuid.UUID(job.proposal_id)
        proposal = await repo.get_outfit(session, proposal_id)
        if not _awaits(proposal, job.attempt):
            return
        assert proposal is not None
        look = await repo.get_look(session, proposal.look_id)
        assert look is not None
        await asyncio.sleep(retry_delay(self.settings, job.attempt))
        styled, reason = await self._run(look)
        look = await repo.get_look(session, proposal.look_id, for_update=True)
        proposal = await repo.get_outfit(session, proposal_id, for_update=True)
        if look is None or not _awaits(proposal, job.attempt):
            return  # finalized or styled meanwhile
        assert proposal is not None
        if styled is not None:
            proposal.outfit_product_ids = [uuid.UUID(i) for i in styled.product_ids]
            proposal.outfit_instruction = styled.instruction
            proposal.generation_status = COMPLETED
            proposal.generation_error = None
        elif proposal.retry_count < self.settings.styling_max_retries:
            proposal.retry_count += 1
            proposal.generation_error = error_text(reason)
            await events.request_styling(session, [proposal], attempt=job.attempt + 1)
        else:
            proposal.generation_status = FAILED
            proposal.generation_error = error_text(reason)
        await session.flush()
        await events.announce(session, look, [(EventType.OUTFIT_UPDATED, proposal)])

    async def _run(self, look) -> tuple[Styled | None, str]:  # type: ignore[no-untyped-def]
        """The stylist's outfit, or None and the reason it failed (a transient outage raises, so
        the consumer retries the job without counting it)."""
        try:
            return await self.stylist.style(look), ""
        except StylistError as exc:
            return None, str(exc)
        except grpc.aio.AioRpcError as exc:
            if is_transient(exc):
                raise
            return None, f"Catalog call failed: {exc.code().name}: {exc.details()}"


def _awaits(proposal: Outfit | None, attempt: int) -> bool:
    """Whether this job is the proposal's next attempt (anything else is a duplicate or stale)."""
    return proposal is not None and proposal.generation_status == PENDING and proposal.retry_count == attempt - 1


def consumers(context: ServiceContext) -> list[ConsumerSpec]:
    settings = context.settings
    assert isinstance(settings, StylingSettings)
    jobs = StylingJobs(settings, build_stylist(settings, Catalog(context.channel("shootings"))))
    return [ConsumerSpec(name="outfits.styling", group_id=GROUP, topics=[STYLING_REQUESTS], handler=jobs.handle)]
