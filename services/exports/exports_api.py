"""ExportsService handlers of E48 (export a revision), E49 (export a look) and the push records
revisions show (R155, R156).

Both exports answer at once: the push records and their work items are written in one
transaction, the push workers send them. Preconditions (A26, A27) answer 400: a revision whose
``shot_status`` is not APPROVED (E48), a revision without an image (E48; decided here: there is
nothing to send), a product without an external mapping (E48, E49). E49 exports the current
revision of every shot whose current revision is APPROVED and has an image, and counts the other
shots in ``revisions_skipped``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

import grpc
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.db import transaction
from platformkit.errors import BadRequest
from platformkit.principal import Caller, caller
from platformkit.protoconv import optional_uuid, parse_uuid, uuid_texts
from platformkit.request_ledger import replayable
from platformkit.rpc import current_principal
from platformkit.service import ServiceContext
from protos.common.v1 import common_pb2
from protos.exports.v1 import exports_pb2 as pb
from services.exports import pushes
from services.exports import repository as repo
from services.exports.configuration_choice import render_spec
from services.exports.convert import push_to_pb
from services.exports.domain.pushes import aggregate
from services.exports.models import ProductMapping
from services.exports.sources import Sources
from services.exports.targets import LookContext, Target, current_revision, target

USER_CHOICE_LOC = ("user_export_configuration_id",)


def _message(staged: pushes.Staged) -> str:
    return f"{staged.created} export(s) created, {staged.skipped} skipped"


async def _mappings(session: AsyncSession, context: LookContext) -> list[ProductMapping]:
    """A27: the look's product must map to at least one integration (400 otherwise)."""
    product_id = context.product_id
    found = await repo.mappings_of(session, product_id) if product_id else []
    if not found:
        raise BadRequest("The product has no external mapping: map it to an integration first")
    return found


class ExportHandlers:
    ctx: ServiceContext
    sources: Sources

    async def _stage(
        self, who: Caller, context: LookContext, targets: list[Target], user_choice: uuid.UUID | None
    ) -> pushes.Staged:
        async with transaction(self.ctx.sessions) as session:
            mappings = await _mappings(session, context)
            spec = await render_spec(session, who, context.configuration_id, user_choice)
            owner = pushes.ShootingOwner(*context.shooting_owner)
            return await pushes.stage(session, targets, mappings, spec, who.user_id, owner)

    @replayable(pb.ExportRevisionResponse)
    async def ExportRevision(
        self, request: pb.ExportRevisionRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExportRevisionResponse:
        """Push an APPROVED revision to each integration its product maps to (E48; R151-R153, A26, A27)."""
        who = caller(current_principal())
        revision_id = parse_uuid(request.revision_id, ("revision_id",))
        user_choice = optional_uuid(request, "user_export_configuration_id", USER_CHOICE_LOC)
        revision = await self.sources.revision(str(revision_id))
        shot = await self.sources.shot(revision.shot_id)
        look = await self.sources.with_shot_types(await self.sources.look_context(shot.look_id), [shot])
        found = target(look, shot, revision)
        if not found.approved:
            raise BadRequest(f"Only an APPROVED revision can be exported (this one is {revision.shot_status})")
        if found.source is None:
            raise BadRequest("The revision has no image to export")
        staged = await self._stage(who, look, [found], user_choice)
        return pb.ExportRevisionResponse(
            revision_id=str(revision_id),
            exports_created=staged.created,
            exports_skipped=staged.skipped,
            message=_message(staged),
        )

    @replayable(pb.ExportLookResponse)
    async def ExportLook(
        self, request: pb.ExportLookRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExportLookResponse:
        """E49 (R153, R154, A26, A27): the approved current revisions of the look's shots."""
        who = caller(current_principal())
        look_id = parse_uuid(request.look_id, ("look_id",))
        user_choice = optional_uuid(request, "user_export_configuration_id", USER_CHOICE_LOC)
        look = await self.sources.look_context(str(look_id))  # 404 before anything else
        shots = await self.sources.shots_of_look(str(look_id))
        look = await self.sources.with_shot_types(look, shots)
        currents = [(shot, current_revision(shot)) for shot in shots]
        targets = [target(look, shot, revision) for shot, revision in currents if revision is not None]
        exportable = [t for t in targets if t.approved and t.source is not None]
        staged = await self._stage(who, look, exportable, user_choice)
        return pb.ExportLookResponse(
            look_id=str(look_id),
            revisions_processed=len(exportable),
            revisions_skipped=len(shots) - len(exportable),
            exports_created=staged.created,
            exports_skipped=staged.skipped,
            message=f"{len(exportable)} revision(s) processed, {len(shots) - len(exportable)} skipped; "
            + _message(staged),
        )

    async def GetPushRecordsVersion(
        self, request: pb.ListPushRecordsRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.Version:
        """The version of what ListPushRecords reads for the same caller."""
        who = caller(current_principal())
        ids = uuid_texts(request.revision_ids, ("revision_ids",))
        return common_pb2.Version(value=await repo.pushes_of_revisions_version(self.ctx.rows, ids, who))

    async def ListPushRecords(
        self, request: pb.ListPushRecordsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListPushRecordsResponse:
        """One statement for every revision asked; only the records of shootings the caller may
        reach (their owner, its organization's members, admins), by what each record keeps."""
        who = caller(current_principal())
        ids = [parse_uuid(raw, ("revision_ids", i)) for i, raw in enumerate(request.revision_ids)]
        async with self.ctx.reads() as session:
            rows = await repo.pushes_of_revisions(session, ids, who)
        grouped: dict[uuid.UUID, list[pb.PushRecord]] = defaultdict(list)
        for row in rows:
            grouped[row.revision_id].append(push_to_pb(row))
        return pb.ListPushRecordsResponse(
            revisions=[
                pb.RevisionPushes(
                    revision_id=str(revision_id),
                    push_status=aggregate(r.push_status for r in records) or "",
                    records=records,
                )
                for revision_id, records in grouped.items()
            ]
        )
