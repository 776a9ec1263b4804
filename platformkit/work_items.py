"""Work items: events on a queue topic that each ask a worker for one job, keyed by an id.

A worker's consumer handler takes the items of one event type off its topic (other types are
passed over), claims the job in a short transaction of its own (nothing to do when a previous
delivery already finished it) and runs it. The id is the idempotency key: a redelivered item
finds its job claimed or finished and does no second piece of work.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from typing import ClassVar, Generic, TypeVar

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.event_types import EventType
from protos.events.v1.envelope_pb2 import EventEnvelope

Job = TypeVar("Job")


class WorkItemProcessor(ABC, Generic[Job]):
    """A worker's processor: subclasses name the items they take (``event_type``, its
    ``payload_type`` message and that message's ``id_field``) and say how a job is claimed and run."""

    event_type: ClassVar[EventType]
    payload_type: ClassVar[type[Message]]
    id_field: ClassVar[str]

    async def handle(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        """The consumer's handler. ``session`` holds the item's processed-event row while the job
        runs: a concurrent redelivery (a rebalance while this worker still works) waits on that row
        and then finds the event processed instead of doing the job a second time."""
        if envelope.type != self.event_type:
            return
        payload = self.payload_type()
        envelope.payload.Unpack(payload)
        await self.process(uuid.UUID(getattr(payload, self.id_field)))

    async def process(self, item_id: uuid.UUID) -> str | None:
        """Run one item to its end; returns its final status (None: nothing was done)."""
        job = await self._claim(item_id)
        return None if job is None else await self._run(item_id, job)

    @abstractmethod
    async def _claim(self, item_id: uuid.UUID) -> Job | None:
        """The job, claimed for this worker in its own transaction; None when there is nothing to do."""

    @abstractmethod
    async def _run(self, item_id: uuid.UUID, job: Job) -> str | None:
        """Do the claimed job; its final status (None: another delivery finished it first)."""
