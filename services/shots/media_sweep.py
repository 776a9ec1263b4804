"""The media sweep: stored objects nothing names any more are deleted, from the store and from the
database, once they have been so for ``MEDIA_SWEEP_GRACE_SECONDS`` (24 h by default).

Two kinds of leftovers, one batch transaction at a time:

- detached media: media rows detached (their revision, or their shot, deleted) before the cutoff
  that no revision image names again and no prediction shows (a generation keeps its images
  while its shot lives);
- abandoned upload slots: objects reserved before the cutoff (an upload URL handed out, inline
  data stored for a revision that then failed, a prediction whose revision never committed) that
  no media row names.

Every replica of the shots service sweeps every ``MEDIA_SWEEP_INTERVAL_SECONDS``, safely at the
same time: a batch locks its rows with ``FOR UPDATE SKIP LOCKED`` (a row another replica holds is
left to it), deletes the objects, then the rows, and commits. Registering an upload locks the same
rows (:func:`services.shots.media.register_upload`), so an object is never deleted while it is
being named. Deleting an object that is already gone is harmless, so a batch that fails after its
deletes is simply done again by the next sweep.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from platformkit import metrics
from platformkit.db import transaction
from platformkit.media import MediaSettings, MediaStore, open_store
from platformkit.periodic import PeriodicJob
from platformkit.service import ServiceContext
from services.shots.media import named_by
from services.shots.models import MediaObject, Prediction, UploadSlot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Swept:
    """What one sweep deleted."""

    media: int = 0
    slots: int = 0


def _unnamed() -> sa.ColumnElement[bool]:
    """No revision image names the media object and no prediction shows it."""
    prediction = sa.select(Prediction.id).where(Prediction.media_key == MediaObject.key).exists()
    return ~named_by(sa.true()) & ~prediction


class MediaSweeper:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], store: MediaStore, grace_seconds: float, batch: int = 200
    ) -> None:
        self.sessions = sessions
        self.store = store
        self.grace = timedelta(seconds=grace_seconds)
        self.batch = batch

    async def sweep(self) -> Swept:
        """Everything past the grace period now, batch after batch."""
        cutoff = datetime.now(UTC) - self.grace
        media = slots = 0
        while (found := await self._detached_media(cutoff)) > 0:
            media += found
        while True:
            taken, deleted = await self._abandoned_slots(cutoff)
            slots += deleted
            if not taken:
                break
        metrics.record_media_swept("detached_media", media)
        metrics.record_media_swept("abandoned_upload", slots)
        if media or slots:
            log.info("media sweep deleted %d detached media and %d abandoned uploads", media, slots)
        return Swept(media, slots)

    async def _detached_media(self, cutoff: datetime) -> int:
        async with transaction(self.sessions) as session:
            rows = (
                await session.execute(
                    sa.select(MediaObject.id, MediaObject.key)
                    .where(MediaObject.detached_at < cutoff, _unnamed())
                    .order_by(MediaObject.detached_at)
                    .limit(self.batch)
                    .with_for_update(of=MediaObject, skip_locked=True)
                )
            ).all()
            for row in rows:
                await self.store.delete(row.key)
            if rows:
                await session.execute(sa.delete(MediaObject).where(MediaObject.id.in_([r.id for r in rows])))
        return len(rows)

    async def _abandoned_slots(self, cutoff: datetime) -> tuple[int, int]:
        """``(slots taken, objects deleted)``: a slot whose object became media is only forgotten."""
        async with transaction(self.sessions) as session:
            keys = list(
                await session.scalars(
                    sa.select(UploadSlot.key)
                    .where(UploadSlot.created_at < cutoff)
                    .order_by(UploadSlot.created_at)
                    .limit(self.batch)
                    .with_for_update(skip_locked=True)
                )
            )
            if not keys:
                return 0, 0
            named = set(await session.scalars(sa.select(MediaObject.key).where(MediaObject.key.in_(keys))))
            for key in keys:
                if key not in named:
                    await self.store.delete(key)
            await session.execute(sa.delete(UploadSlot).where(UploadSlot.key.in_(keys)))
        return len(keys), len(keys) - len(named)


def periodic_jobs(context: ServiceContext) -> list[PeriodicJob]:
    """The shots service's sweep, every ``MEDIA_SWEEP_INTERVAL_SECONDS`` (none when 0)."""
    settings = MediaSettings()
    if settings.media_sweep_interval_seconds <= 0:
        return []
    sweeper = MediaSweeper(
        context.sessions, open_store(settings), settings.media_sweep_grace_seconds, settings.media_sweep_batch
    )
    return [PeriodicJob("media-sweep", settings.media_sweep_interval_seconds, sweeper.sweep)]
