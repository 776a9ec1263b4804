"""The shots service as the look commands use it: batched calls on the caller's behalf.

A call that never reached a healthy shots service (UNAVAILABLE, or no answer in time) becomes
:class:`~platformkit.errors.Unavailable`, so the client gets a 503 it may retry and the look
command commits nothing. Compensation is the exception: it runs when the command already
failed, so its own failure is logged rather than raised over the first one. A compensation that
fails for a transient reason (the shots database restarting with ours, the service briefly down)
is retried in the background with backoff until it succeeds (``DeleteShots`` is idempotent), so a
look change that did not commit leaves no shots behind once the platform is whole again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from typing import TypeVar

import grpc

from platformkit.backoff import Backoff
from platformkit.errors import Unavailable
from platformkit.rpc import current_principal, principal_metadata
from platformkit.service import ServiceContext
from platformkit.tasks import wait_ended
from protos.shots.v1 import shots_pb2
from protos.shots.v1.shots_pb2_grpc import ShotsServiceStub
from services.shootings.models import Shooting

log = logging.getLogger(__name__)
_RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}
# One call may carry the shots of a thousand looks.
_BATCH_TIMEOUT = 60.0
# How long a failed compensation keeps being retried before it is logged as given up.
COMPENSATION_DEADLINE = 600.0
T = TypeVar("T")
Metadata = tuple[tuple[str, bytes], ...]
# Background compensations in flight (a task nobody references may be garbage collected).
_retrying: set[asyncio.Task[None]] = set()


async def _answer(call: Awaitable[T], what: str) -> T:
    try:
        return await call
    except grpc.aio.AioRpcError as exc:
        if exc.code() in _RETRYABLE:
            raise Unavailable(f"The shots service is unavailable; {what}") from exc
        raise


class RemoteShots:
    # Pauses between the attempts of a failed compensation: (first, cap) in seconds.
    compensation_backoff = (0.5, 10.0)

    def __init__(self, context: ServiceContext) -> None:
        self.ctx = context

    @property
    def stub(self) -> ShotsServiceStub:
        return ShotsServiceStub(self.ctx.channel("shots"))

    @staticmethod
    def _metadata() -> tuple[tuple[str, bytes], ...]:
        return principal_metadata(current_principal())

    async def create(self, shooting: Shooting, new: Sequence[shots_pb2.NewShot]) -> list[shots_pb2.Shot]:
        """One idempotent batch (shot ids are chosen here, so a retried call creates nothing twice)."""
        if not new:
            return []
        reply = await _answer(
            self.stub.CreateShots(
                shots_pb2.CreateShotsRequest(shooting_id=str(shooting.id), shots=new),
                metadata=self._metadata(),
                timeout=_BATCH_TIMEOUT,
            ),
            "nothing was changed",
        )
        return list(reply.shots)

    @asynccontextmanager
    async def creating(
        self, shooting: Shooting, new: Sequence[shots_pb2.NewShot], created: list[shots_pb2.Shot]
    ) -> AsyncIterator[None]:
        """Creates ``new`` while the body runs (the command's own writes, in its transaction), so
        the two services write at the same time instead of one after the other; the shots join
        ``created`` once both are done, and the body's failure or the call's surfaces then.

        However the body ends (done, failed, or the command cancelled), the call ends first: only
        then does :meth:`compensated` know which shots to delete, and its deletion cannot overtake
        the creation (a delete that ran first would find nothing, and the shots would stay)."""
        call = asyncio.ensure_future(self.create(shooting, new))
        try:
            yield
        finally:
            try:
                await wait_ended(call)
            finally:
                if not call.cancelled() and call.exception() is None:  # it has ended (wait_ended)
                    created.extend(call.result())
        call.result()  # the body succeeded: the call's failure is the command's

    async def of_looks(self, look_ids: Sequence[str]) -> list[shots_pb2.Shot]:
        """The looks' shots with their revisions (what a full look shows)."""
        reply = await _answer(
            self.stub.ListShotsByLooks(
                shots_pb2.ListShotsByLooksRequest(look_ids=look_ids, include_revisions=True),
                metadata=self._metadata(),
            ),
            "nothing was changed",
        )
        return list(reply.shots)

    async def delete(self, shot_ids: Sequence[str]) -> None:
        if shot_ids:
            await _answer(
                self.stub.DeleteShots(shots_pb2.DeleteShotsRequest(shot_ids=shot_ids), metadata=self._metadata()),
                "nothing was changed",
            )

    @asynccontextmanager
    async def compensated(self) -> AsyncIterator[list[shots_pb2.Shot]]:
        """Collects the shots a command creates; if the command then fails (its transaction never
        commits), they are deleted again, so no shot names a look change that did not happen."""
        created: list[shots_pb2.Shot] = []
        try:
            yield created
        except BaseException:
            if created:
                await self._compensate([s.id for s in created])
            raise

    async def _compensate(self, shot_ids: list[str]) -> None:
        metadata = self._metadata()
        try:
            await self.stub.DeleteShots(shots_pb2.DeleteShotsRequest(shot_ids=shot_ids), metadata=metadata)
        except grpc.aio.AioRpcError as exc:
            if exc.code() not in _RETRYABLE:
                log.exception("could not delete %d shots of a look change that did not commit", len(shot_ids))
                return
            log.warning(
                "could not delete %d shots of a look change that did not commit yet (%s); retrying",
                len(shot_ids),
                exc.code().name,
            )
            task = asyncio.create_task(self._retry_compensation(shot_ids, metadata))
            _retrying.add(task)
            task.add_done_callback(_retrying.discard)

    async def _retry_compensation(self, shot_ids: list[str], metadata: Metadata) -> None:
        """Delete the shots until it works or :data:`COMPENSATION_DEADLINE` passes."""
        first, cap = self.compensation_backoff
        backoff, deadline = Backoff(initial=first, cap=cap), time.monotonic() + COMPENSATION_DEADLINE
        while True:
            await asyncio.sleep(backoff.next_delay())
            try:
                await self.stub.DeleteShots(shots_pb2.DeleteShotsRequest(shot_ids=shot_ids), metadata=metadata)
            except grpc.aio.AioRpcError as exc:
                if exc.code() in _RETRYABLE and time.monotonic() < deadline:
                    continue
                # Orphan shots name looks (or shot types of a look) that never committed: reads
                # start from looks, so none reaches them; the log names them for a clean-up.
                log.error("gave up deleting the shots %s of a look change that did not commit: %s", shot_ids, exc)
                return
            log.info("deleted %d shots of a look change that did not commit", len(shot_ids))
            return
