"""Processing one generation work item, exactly once in effect.

The generation id is the idempotency key. The steps, each its own short transaction except the
render, which holds none:

1. claim: the generation, locked; COMPLETED or FAILED (or gone with its shot) means a previous
   delivery finished it: nothing to do. Otherwise it becomes PROCESSING (attempts + 1, worker).
2. render: fetch the base and reference images, call the provider; retryable failures are
   tried again with backoff up to ``GENERATION_MAX_ATTEMPTS``, then the generation is FAILED with
   the reason, as is any failure that would fail again.
3. store each image under a key fixed per prediction (a second render overwrites, never leaks),
   reserved as an upload slot first: a render whose revision never commits is swept.
4. complete: in ONE transaction, guarded by the generation's status under a row lock, the media
   rows, the predictions, the revision (unique per generation) and the COMPLETED mark.

Steps 1 and 4 and a failure announce the generation's new status on ``shots.events`` in their
own transaction (``generation.processing``, ``generation.completed``, ``generation.failed``:
:mod:`services.shots.generation_events`), for the live stream.

A worker killed between 2 and 4 leaves the generation PROCESSING and its offset uncommitted:
the item is redelivered (to another worker once the group rebalances), rendered again and
committed once. The consumer's own transaction (its processed-event row) stays open while the
job runs: a concurrent redelivery (a rebalance while this worker still renders) waits on that
row and then finds the event processed instead of rendering a second time.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from platformkit import metrics
from platformkit.backoff import Backoff
from platformkit.db import transaction
from platformkit.event_types import EventType
from platformkit.media import MediaSettings, MediaStore
from platformkit.media.fetch import FetchError, fetch_image
from platformkit.media.keys import prediction_key
from platformkit.work_items import WorkItemProcessor
from protos.events.v1 import shots_pb2 as events_pb2
from services.shots.domain import generation as rules
from services.shots.domain.revisions import status_after_generation
from services.shots.generation_events import announce_status
from services.shots.image_sources import NewImage
from services.shots.media import record_media, reserve_slots
from services.shots.models import Generation, Prediction, Revision, Shot
from services.shots.revisions import append_revision
from services.shots.worker.providers import Provider, ProviderError, RenderJob
from services.shots.worker.settings import GenerationSettings

log = logging.getLogger(__name__)
MAX_ERROR = 2000


Seeds = list[tuple[uuid.UUID, int]]
ClaimedGeneration = tuple[Generation, Seeds]


@dataclass(eq=False)
class GenerationProcessor(WorkItemProcessor[ClaimedGeneration]):
    """``process(generation_id)``: the generation's final status, None when nothing was done."""

    event_type = EventType.GENERATION_REQUESTED
    payload_type = events_pb2.GenerationRequested
    id_field = "generation_id"

    sessions: async_sessionmaker[AsyncSession]
    settings: GenerationSettings
    media: MediaSettings
    store: MediaStore
    provider: Provider
    worker: str

    async def _run(self, generation_id: uuid.UUID, job: ClaimedGeneration) -> str | None:
        generation, seeds = job
        try:
            images = await self._render(generation, seeds)
        except ProviderError as exc:
            await self._fail(generation_id, str(exc))
            return "FAILED"
        keys = await self._store(generation_id, images)
        done = await self._complete(generation_id, images, keys)
        return "COMPLETED" if done else None

    async def _claim(self, generation_id: uuid.UUID) -> ClaimedGeneration | None:
        async with transaction(self.sessions) as session:
            generation = await session.get(Generation, generation_id, with_for_update=True)
            if generation is None or generation.status in rules.DONE:
                return None
            generation.status = "PROCESSING"
            generation.attempts += 1
            generation.worker = self.worker
            generation.updated_at = datetime.now(UTC)
            await announce_status(session, generation)
            predictions = await session.scalars(
                sa.select(Prediction).where(Prediction.generation_id == generation_id).order_by(Prediction.position)
            )
            return generation, [(p.id, p.seed) for p in predictions]

    async def _render(self, generation: Generation, seeds: Seeds) -> list[bytes]:
        backoff = Backoff(
            initial=self.settings.generation_retry_initial_seconds, cap=self.settings.generation_retry_max_seconds
        )
        attempt = 0
        while True:
            attempt += 1
            try:
                job = await self._job(generation, [seed for _, seed in seeds])
                return await self.provider.render(job)
            except FetchError as exc:
                error = ProviderError(f"image unavailable: {exc}", retryable=not exc.refused)
            except ProviderError as exc:
                error = exc
            if not error.retryable or attempt >= self.settings.generation_max_attempts:
                raise error
            delay = backoff.next_delay()
            if error.retry_after is not None:  # the server said when; never past the backoff's cap
                delay = max(delay, min(error.retry_after, self.settings.generation_retry_max_seconds))
            log.warning("generation %s: %s; attempt %d, retrying in %.1fs", generation.id, error, attempt, delay)
            await asyncio.sleep(delay)

    async def _job(self, generation: Generation, seeds: list[int]) -> RenderJob:
        inputs = generation.inputs
        base = await fetch_image(str(inputs.get("base_image_url", "")), self.media, self.store)
        references = [
            await fetch_image(str(url), self.media, self.store) for url in inputs.get("reference_image_urls", [])
        ]
        return RenderJob(
            generation_id=str(generation.id),
            seeds=seeds,
            inputs=inputs,
            base_image=base,
            references=references,
            model_id=generation.model_id,
            width=int(inputs.get("width") or self.settings.generation_default_width),
            height=int(inputs.get("height") or self.settings.generation_default_height),
        )

    async def _store(self, generation_id: uuid.UUID, images: list[bytes]) -> list[str]:
        async with self.sessions() as session:
            prediction_ids = list(
                await session.scalars(
                    sa.select(Prediction.id)
                    .where(Prediction.generation_id == generation_id)
                    .order_by(Prediction.position)
                )
            )
        keys = [prediction_key(generation_id, p) for p in prediction_ids]
        async with transaction(self.sessions) as session:  # objects without a revision yet: slots
            await reserve_slots(session, keys, None)
        for key, data in zip(keys, images, strict=True):
            await self.store.put(key, data, "image/png")
        return keys

    async def _complete(self, generation_id: uuid.UUID, images: list[bytes], keys: list[str]) -> bool:
        async with transaction(self.sessions) as session:
            generation = await session.get(Generation, generation_id, with_for_update=True)
            if generation is None or generation.status in rules.DONE:
                return False  # another delivery committed it first: this render is discarded
            shot = await session.get(Shot, generation.shot_id, with_for_update=True)
            assert shot is not None  # the generation would have gone with it (cascade)
            predictions = list(
                await session.scalars(
                    sa.select(Prediction).where(Prediction.generation_id == generation_id).order_by(Prediction.position)
                )
            )
            new_images = []
            for prediction, key, data in zip(predictions, keys, images, strict=True):
                media = await record_media(session, key, data)
                prediction.status, prediction.media_key = "COMPLETED", key
                new_images.append(NewImage("PREDICTION", prediction_id=prediction.id, autogenerated=True, media=media))
            previous = await session.get(Revision, shot.current_revision_id) if shot.current_revision_id else None
            revision = await append_revision(
                session,
                shot,
                shot_status=status_after_generation(shot.status),
                images=new_images,
                previous=previous,
                owner_id=generation.created_by,
                generation_id=generation.id,
            )
            generation.status, generation.error, generation.revision_id = "COMPLETED", None, revision.id
            generation.updated_at = datetime.now(UTC)
            await announce_status(session, generation, revision_id=revision.id)
        metrics.record_generation("completed")
        log.info("generation %s completed: revision %s", generation_id, revision.id)
        return True

    async def _fail(self, generation_id: uuid.UUID, reason: str) -> None:
        async with transaction(self.sessions) as session:
            generation = await session.get(Generation, generation_id, with_for_update=True)
            if generation is None or generation.status in rules.DONE:
                return
            generation.status, generation.error = "FAILED", reason[:MAX_ERROR]
            generation.updated_at = datetime.now(UTC)
            await announce_status(session, generation, error=generation.error)
            await session.execute(
                sa.update(Prediction).where(Prediction.generation_id == generation_id).values(status="FAILED")
            )
        metrics.record_generation("failed")
        log.error("generation %s failed: %s", generation_id, reason)
