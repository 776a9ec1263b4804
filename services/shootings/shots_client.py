"""The shots service as the look commands use it: batched calls on the caller's behalf.

A call that never reached a healthy shots service (UNAVAILABLE, or no answer in time) becomes
:class:`~platformkit.errors.Unavailable`, so the client gets a 503 it may retry and the look
command commits nothing. Compensation is the exception: it runs when the command already
failed, so its own failure is logged rather than raised over the first one.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from typing import TypeVar

import grpc

from platformkit.errors import Unavailable
from platformkit.rpc import current_principal, principal_metadata
from platformkit.service import ServiceContext
from protos.shots.v1 import shots_pb2
from protos.shots.v1.shots_pb2_grpc import ShotsServiceStub
from services.shootings.models import Shooting

log = logging.getLogger(__name__)
_RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}
# One call may carry the shots of a thousand looks.
_BATCH_TIMEOUT = 60.0
T = TypeVar("T")


async def _answer(call: Awaitable[T], what: str) -> T:
    try:
        return await call
    except grpc.aio.AioRpcError as exc:
        if exc.code() in _RETRYABLE:
            raise Unavailable(f"The shots service is unavailable; {what}") from exc
        raise


class RemoteShots:
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
        scope = shots_pb2.ShootingScope(shooting_id=str(shooting.id), owner_id=str(shooting.owner_id))
        if shooting.organization_id:
            scope.organization_id = str(shooting.organization_id)
        reply = await _answer(
            self.stub.CreateShots(
                shots_pb2.CreateShotsRequest(shooting=scope, shots=new),
                metadata=self._metadata(),
                timeout=_BATCH_TIMEOUT,
            ),
            "nothing was changed",
        )
        return list(reply.shots)

    async def of_looks(self, look_ids: Sequence[str]) -> list[shots_pb2.Shot]:
        """The looks' shots with their revisions (what a full look shows)."""
        reply = await _answer(
            self.stub.ListShotsByLooks(
                shots_pb2.ListShotsByLooksRequest(production_request_ids=look_ids, include_revisions=True),
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
        try:
            await self.stub.DeleteShots(shots_pb2.DeleteShotsRequest(shot_ids=shot_ids), metadata=self._metadata())
        except grpc.aio.AioRpcError:
            # Orphan shots name looks (or shot types of a look) that never committed: reads
            # start from looks, so none reaches them.
            log.exception("could not delete %d shots of a look change that did not commit", len(shot_ids))
