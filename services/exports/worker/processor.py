"""Processing one push work item: the push protocol, with exactly one successful send.

The push id is the idempotency key. The steps, each its own short transaction except the render
and the sends, which hold none:

1. claim: the push, locked; only PENDING or IN_PROGRESS (a delivery cut short) is sendable, so a
   redelivered item of a push that COMPLETED, awaits confirmation or FAILED sends nothing. It
   becomes IN_PROGRESS. Its integration (deleted: FAILED) and secret are read.
2. render the snapshot's image (:mod:`services.exports.rendering`); failing that, FAILED.
3. send: 200/201/204 COMPLETED, 202 AWAITING_CONFIRMATION, other 4xx FAILED with the reason;
   5xx, 408, 429, timeouts and connection errors retried with exponential backoff
   (``PUSH_RETRY_*``) up to ``PUSH_MAX_ATTEMPTS`` sends in all, then FAILED with the last reason.
   Each send counts in ``attempts`` as it happens.
4. finish, guarded by the push's status under a row lock, with a ``push.status_changed`` event.

The consumer's own transaction (its processed-event row) stays open meanwhile: a concurrent
redelivery (a rebalance while this worker still sends) waits on that row and then finds the
event processed. A worker killed after the receiver accepted but before step 4 leaves the push
IN_PROGRESS and the item uncommitted: it is sent again (the ``push_id`` in the metadata lets a
receiver recognise the repeat).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from platformkit import metrics
from platformkit.backoff import Backoff
from platformkit.db import transaction
from platformkit.event_types import EventType
from platformkit.work_items import WorkItemProcessor
from protos.events.v1 import exports_pb2 as events_pb2
from services.exports import repository as repo
from services.exports.domain import pushes as rules
from services.exports.domain.pushes import Outcome
from services.exports.events import announce_status
from services.exports.models import ExternalIntegration, PushRecord
from services.exports.pushes import Snapshot
from services.exports.rendering import Renderer, RenderError
from services.exports.secret_box import SecretBox, UnreadableSecret
from services.exports.settings import ExportsBase
from services.exports.worker.sender import Answer, Request, Sender, build_request

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    push_id: uuid.UUID
    snapshot: Snapshot
    url: str
    secret: str


def metadata(push_id: uuid.UUID, snapshot: Snapshot) -> dict[str, Any]:
    """The ``metadata`` part of a push (D0.37): what the receiver files the image under."""
    facts = snapshot.facts
    return {
        "push_id": str(push_id),
        "revision_id": facts.revision_id,
        "shot_id": facts.shot_id,
        "production_request_id": facts.production_request_id,
        "product_id": facts.product_id,
        "sku": facts.sku,
        "external_id": facts.external_id,
        "shot_type": facts.shot_type,
        "format": snapshot.spec.format,
    }


@dataclass(eq=False)
class PushProcessor(WorkItemProcessor[Job]):
    """``process(push_id)``: the push's final status, None when nothing was sent."""

    event_type = EventType.PUSH_REQUESTED
    payload_type = events_pb2.PushRequested
    id_field = "push_id"

    sessions: async_sessionmaker[AsyncSession]
    settings: ExportsBase
    box: SecretBox
    renderer: Renderer
    sender: Sender
    worker: str

    async def _run(self, push_id: uuid.UUID, job: Job) -> str | None:
        try:
            rendered = await self.renderer.render(job.snapshot.source, job.snapshot.spec, job.snapshot.facts)
        except RenderError as exc:
            return await self._finish(push_id, Answer(Outcome.FAILED, str(exc)))
        request = build_request(job.url, job.secret, metadata(push_id, job.snapshot), rendered)
        return await self._finish(push_id, await self._send(push_id, request))

    async def _claim(self, push_id: uuid.UUID) -> Job | None:
        async with transaction(self.sessions) as session:
            push = await repo.locked_push(session, push_id)
            if push is None or push.status not in rules.SENDABLE:
                return None
            integration = await repo.live(session, ExternalIntegration, push.integration_id)
            secret = self._secret(integration)
            if integration is None or secret is None:
                self._settle(push, Answer(Outcome.FAILED, "The integration was deleted or its secret is unreadable"))
                await announce_status(session, push)
                return None
            if push.status != rules.IN_PROGRESS:
                push.status, push.updated_at = rules.IN_PROGRESS, datetime.now(UTC)
                await announce_status(session, push)
            push.worker = self.worker
            return Job(push_id, Snapshot.from_json(push.payload), integration.endpoint_url, secret)

    def _secret(self, integration: ExternalIntegration | None) -> str | None:
        if integration is None:
            return None
        try:
            return self.box.open(integration.secret_ciphertext)
        except UnreadableSecret:
            log.error("integration %s: its secret cannot be decrypted with the configured keys", integration.id)
            return None

    async def _send(self, push_id: uuid.UUID, request: Request) -> Answer:
        backoff = Backoff(initial=self.settings.push_retry_initial_seconds, cap=self.settings.push_retry_max_seconds)
        attempt = 0
        while True:
            attempt += 1
            answer = await self.sender.send(request)
            await self._count_attempt(push_id)
            if answer.outcome is not Outcome.RETRY:
                return answer
            if attempt >= self.settings.push_max_attempts:
                return Answer(Outcome.FAILED, f"gave up after {attempt} attempts; last: {answer.reason}")
            delay = backoff.next_delay()
            log.warning("push %s: %s; attempt %d, retrying in %.1fs", push_id, answer.reason, attempt, delay)
            await asyncio.sleep(delay)

    async def _count_attempt(self, push_id: uuid.UUID) -> None:
        async with transaction(self.sessions) as session:
            push = await repo.locked_push(session, push_id)
            if push is not None:
                push.attempts += 1
                push.updated_at = datetime.now(UTC)

    @staticmethod
    def _settle(push: PushRecord, answer: Answer) -> None:
        now = datetime.now(UTC)
        push.status, push.updated_at = answer.outcome.value, now
        if answer.outcome is Outcome.FAILED:
            push.error_message = rules.reason(answer.reason or "failed")
            return
        push.pushed_at, push.error_message = now, None
        if answer.outcome is Outcome.COMPLETED:
            push.completed_at = now

    async def _finish(self, push_id: uuid.UUID, answer: Answer) -> str | None:
        async with transaction(self.sessions) as session:
            push = await repo.locked_push(session, push_id)
            if push is None or push.status != rules.IN_PROGRESS:
                return None  # another delivery settled it first
            self._settle(push, answer)
            await announce_status(session, push)
        metrics.record_push(push.status.lower())
        log.info("push %s: %s", push_id, push.status, extra={"reason": answer.reason})
        return push.status
