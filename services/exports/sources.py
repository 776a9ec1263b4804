"""What the exports service reads from the other contexts, always for the caller in the call
metadata (so their access rules apply as they are: a shot, look or product the caller cannot
see is a 404 here too).

A call that never reached a healthy service (UNAVAILABLE, or no answer in time) becomes
:class:`~platformkit.errors.Unavailable` (503, retry later); NOT_FOUND becomes :class:`NotFound`
with this context's wording; anything else passes through.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import TypeVar

import grpc

from platformkit.errors import NotFound, PermissionDenied, Unavailable
from platformkit.rpc import current_principal, principal_metadata
from platformkit.service import ServiceContext
from protos.common.v1 import common_pb2
from protos.shootings.v1 import catalog_pb2, looks_pb2, shootings_pb2
from protos.shootings.v1.catalog_pb2_grpc import CatalogServiceStub
from protos.shootings.v1.looks_pb2_grpc import LookQueriesServiceStub
from protos.shootings.v1.shootings_pb2_grpc import ShootingsServiceStub
from protos.shots.v1 import shots_pb2
from protos.shots.v1.shots_pb2_grpc import ShotsServiceStub
from services.exports.targets import LookContext

T = TypeVar("T")
_RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}


async def _answer(call: Awaitable[T], what: str) -> T:
    try:
        return await call
    except grpc.aio.AioRpcError as exc:
        if exc.code() is grpc.StatusCode.NOT_FOUND:
            raise NotFound(f"{what} not found") from None
        if exc.code() is grpc.StatusCode.PERMISSION_DENIED:
            raise PermissionDenied(exc.details() or "Not enough permissions") from None
        if exc.code() in _RETRYABLE:
            raise Unavailable(f"A service the export needs is unavailable ({what})") from exc
        raise


class Sources:
    def __init__(self, context: ServiceContext) -> None:
        self.ctx = context

    @staticmethod
    def _metadata() -> tuple[tuple[str, bytes], ...]:
        return principal_metadata(current_principal())

    async def shot(self, shot_id: str) -> shots_pb2.Shot:
        """The shot with its revisions and their images."""
        stub = ShotsServiceStub(self.ctx.channel("shots"))
        return await _answer(stub.GetShot(common_pb2.IdRequest(id=shot_id), metadata=self._metadata()), "Shot")

    async def revision(self, revision_id: str) -> shots_pb2.Revision:
        stub = ShotsServiceStub(self.ctx.channel("shots"))
        request = common_pb2.IdRequest(id=revision_id)
        return await _answer(stub.GetRevision(request, metadata=self._metadata()), "Revision")

    async def shots_of_look(self, look_id: str) -> list[shots_pb2.Shot]:
        stub = ShotsServiceStub(self.ctx.channel("shots"))
        request = shots_pb2.ListShotsByLooksRequest(look_ids=[look_id], include_revisions=True)
        return list((await _answer(stub.ListShotsByLooks(request, metadata=self._metadata()), "Shots")).shots)

    async def look(self, look_id: str) -> looks_pb2.LooksPage:
        """The look and the catalog entries it names (its product and shot types among them)."""
        stub = LookQueriesServiceStub(self.ctx.channel("shootings"))
        request = looks_pb2.GetLookRequest(id=look_id)
        return await _answer(stub.GetLook(request, metadata=self._metadata()), "Production request")

    async def shooting(self, shooting_id: str) -> shootings_pb2.ShootingHeader:
        stub = ShootingsServiceStub(self.ctx.channel("shootings"))
        request = shootings_pb2.GetShootingRequest(id=shooting_id)
        return await _answer(stub.GetShootingHeader(request, metadata=self._metadata()), "Shooting")

    async def product(self, product_id: str) -> catalog_pb2.CatalogEntry:
        stub = CatalogServiceStub(self.ctx.channel("shootings"))
        request = catalog_pb2.EntryRef(kind="product", id=product_id)
        return await _answer(stub.GetEntry(request, metadata=self._metadata()), "Product")

    async def entries(self, ids: list[str]) -> list[catalog_pb2.CatalogEntry]:
        stub = CatalogServiceStub(self.ctx.channel("shootings"))
        request = catalog_pb2.BatchGetRequest(ids=ids, include_deleted=True)
        return list((await _answer(stub.BatchGetEntries(request, metadata=self._metadata()), "Entries")).entries)

    async def look_context(self, look_id: str) -> LookContext:
        """The look (404 when the caller cannot see it) with its shooting."""
        page = await self.look(look_id)
        return LookContext.of(page, await self.shooting(page.looks[0].shooting_id))

    async def with_shot_types(self, context: LookContext, shots: Iterable[shots_pb2.Shot]) -> LookContext:
        """``context`` knowing every shot type ``shots`` name (one call, none when it already does)."""
        missing = context.missing_entries(shots)
        return context.with_entries(await self.entries(missing)) if missing else context
