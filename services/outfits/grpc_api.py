"""gRPC handlers of OutfitsService: scope every call by the looks projection, apply the rules,
write the outfits and announce them in one transaction."""

from __future__ import annotations

import uuid

import grpc
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.db import transaction
from platformkit.errors import BadRequest, Invalid, NotFound
from platformkit.event_types import EventType
from platformkit.field_paths import FieldPath
from platformkit.principal import caller
from platformkit.protoconv import optional_uuid, parse_uuid, uuid_texts
from platformkit.request_ledger import replayable
from platformkit.rpc import current_principal
from platformkit.service import ServiceContext
from protos.common.v1 import common_pb2
from protos.outfits.v1 import outfits_pb2 as pb
from protos.outfits.v1 import outfits_pb2_grpc
from services.outfits import events
from services.outfits import repository as repo
from services.outfits.catalog import Catalog
from services.outfits.convert import look_outfits_to_pb, outfit_to_pb, outfit_values
from services.outfits.domain import access
from services.outfits.domain.access import Caller
from services.outfits.domain.outfits import ensure_one_choice
from services.outfits.look_source import learn_look
from services.outfits.media import MediaRegistry
from services.outfits.models import Look, Outfit

FIELDS = ("fields",)
LOOK = ("look_id",)
MAX_LOOKS_PER_CALL = 1000
MAX_PAGE = 1000


def _bounded(request: pb.ListLookOutfitsRequest) -> pb.ListLookOutfitsRequest:
    """The request, when it names at most MAX_LOOKS_PER_CALL looks (422 otherwise)."""
    if len(request.look_ids) > MAX_LOOKS_PER_CALL:
        raise Invalid.at(("look_ids",), f"At most {MAX_LOOKS_PER_CALL} looks per call")
    return request


class OutfitsServicer(outfits_pb2_grpc.OutfitsServiceServicer):
    def __init__(self, context: ServiceContext) -> None:
        self.ctx = context

    @property
    def catalog(self) -> Catalog:
        return Catalog(self.ctx.channel("shootings"))

    @property
    def media(self) -> MediaRegistry:
        return MediaRegistry(self.ctx.channel("shots"))

    async def _visible_look(self, session: AsyncSession, who: Caller, raw_id: str, loc: FieldPath) -> Look:
        """The look, locked; one whose creation event has not arrived yet is read from its owner."""
        look_id = parse_uuid(raw_id, loc)
        look = await repo.get_look(session, look_id, for_update=True)
        if look is None:
            look = await learn_look(session, self.ctx.channel("shootings"), look_id, current_principal())
        access.ensure_visible(who, look)
        assert look is not None
        return look

    async def _new_outfit(self, session: AsyncSession, look: Look, fields: pb.OutfitFields) -> Outfit:
        """An outfit from the client's data; its products must be usable by the look and its
        MediaInput references name images the caller may use there (422)."""
        values = outfit_values(fields, FIELDS)
        principal = current_principal()
        await self.catalog.ensure_usable(values["outfit_product_ids"], principal, look, (*FIELDS, "outfit_product_ids"))
        values["outfit_ref_imgs"] = await self.media.resolve(
            look, values["outfit_ref_imgs"], principal, (*FIELDS, "outfit_ref_imgs_urls")
        )
        return await repo.add_outfit(session, look, **values)

    async def _select(self, session: AsyncSession, look: Look, chosen: Outfit, created: bool) -> pb.LookOutfits:
        """R108, R112: ``chosen`` becomes THE outfit and every other outfit of the look goes."""
        look.outfit_id = chosen.id
        removed = await repo.delete_other_outfits(session, look.id, chosen.id)
        changes = [(EventType.OUTFIT_CREATED, chosen)] if created else []
        changes.append((EventType.OUTFIT_SELECTED, chosen))
        changes += [(EventType.OUTFIT_DELETED, Outfit(id=i, look_id=look.id, outfit_product_ids=[])) for i in removed]
        await events.announce(session, look, changes)
        return look_outfits_to_pb(look, [chosen])

    async def ListLookOutfits(
        self, request: pb.ListLookOutfitsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListLookOutfitsResponse:
        who = caller(current_principal())
        ids = [parse_uuid(raw, ("look_ids", i)) for i, raw in enumerate(_bounded(request).look_ids)]
        async with self.ctx.reads() as session:
            looks = [look for look in await repo.looks_by_ids(session, ids) if access.can_view(who, look)]
            outfits = await repo.outfits_of_looks(session, [look.id for look in looks])
        by_look: dict[uuid.UUID, list[Outfit]] = {look.id: [] for look in looks}
        for outfit in outfits:
            by_look[outfit.look_id].append(outfit)
        return pb.ListLookOutfitsResponse(looks=[look_outfits_to_pb(look, by_look[look.id]) for look in looks])

    async def GetLookOutfitsVersion(
        self, request: pb.ListLookOutfitsRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.Version:
        """The version of what ListLookOutfits reads (its access rule reads the same look rows)."""
        ids = uuid_texts(_bounded(request).look_ids, ("look_ids",))
        return common_pb2.Version(value=await repo.look_outfits_version(self.ctx.rows, ids))

    @replayable(pb.LookOutfits)
    async def CreateManualOutfit(self, request: pb.OutfitInput, context: grpc.aio.ServicerContext) -> pb.LookOutfits:
        who = caller(current_principal())
        async with transaction(self.ctx.sessions) as session:
            look = await self._visible_look(session, who, request.look_id, LOOK)
            outfit = await self._new_outfit(session, look, request.fields)
            return await self._select(session, look, outfit, created=True)

    async def FinalizeOutfit(
        self, request: pb.FinalizeOutfitRequest, context: grpc.aio.ServicerContext
    ) -> pb.LookOutfits:
        who = caller(current_principal())
        ensure_one_choice(request.HasField("outfit_id"), request.has_fields)
        async with transaction(self.ctx.sessions) as session:
            look = await self._visible_look(session, who, request.look_id, LOOK)
            access.ensure_owner(who, look)
            if not request.has_fields:
                chosen = await self._proposal_of(session, who, look, request.outfit_id)
                return await self._select(session, look, chosen, created=False)
            outfit = await self._new_outfit(session, look, request.fields)
            return await self._select(session, look, outfit, created=True)

    async def _proposal_of(self, session: AsyncSession, who: Caller, look: Look, raw_id: str) -> Outfit:
        """R113: an unknown outfit is 404; one of another look is 400."""
        outfit = await repo.get_outfit(session, parse_uuid(raw_id, ("outfit_id",)), for_update=True)
        if outfit is None:
            raise NotFound("Outfit not found")
        if outfit.look_id != look.id:
            owner = await repo.get_look(session, outfit.look_id)
            if owner is None or not access.can_view(who, owner):
                raise NotFound("Outfit not found")
            raise BadRequest("The outfit does not belong to this production request")
        return outfit

    async def ListReusableOutfits(
        self, request: pb.ReusableOutfitsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReusableOutfitsResponse:
        who = caller(current_principal())
        organization_id = optional_uuid(request, "organization_id", ("organization_id",))
        access.ensure_organization_scope(who, organization_id)
        async with self.ctx.sessions() as session:
            look = await repo.get_look(session, parse_uuid(request.look_id, LOOK))
            access.ensure_visible(who, look)
            assert look is not None
            shooting_id = parse_uuid(request.shooting_id, ("shooting_id",))
            if look.shooting_id != shooting_id or (organization_id and look.organization_id != organization_id):
                raise NotFound("Production request not found")
            matches = await repo.reusable_outfits(session, look)
        return pb.ReusableOutfitsResponse(
            matches=[
                pb.ReusableOutfit(
                    source_look_id=str(source.id),
                    source_product_id=str(source.product_id) if source.product_id else "",
                    outfit=outfit_to_pb(outfit, source),
                )
                for source, outfit in matches
            ]
        )

    async def ListOutfits(
        self, request: pb.ListOutfitsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListOutfitsResponse:
        who = caller(current_principal())
        organization_id = optional_uuid(request, "organization_id", ("organization_id",))
        access.ensure_organization_scope(who, organization_id)
        if request.page.skip < 0 or not 0 <= request.page.limit <= MAX_PAGE:
            raise Invalid.at(("page", "limit"), f"Input should be between 0 and {MAX_PAGE}", "less_than_equal")
        async with self.ctx.sessions() as session:
            rows, total = await repo.list_outfits(
                session,
                who,
                organization_id=organization_id,
                shooting_id=optional_uuid(request, "shooting_id", ("shooting_id",)),
                look_id=optional_uuid(request, "look_id", ("look_id",)),
                skip=request.page.skip,
                limit=request.page.limit,
            )
        return pb.ListOutfitsResponse(outfits=[outfit_to_pb(o, look) for look, o in rows], count=total)

    async def GetOutfit(self, request: common_pb2.IdRequest, context: grpc.aio.ServicerContext) -> pb.Outfit:
        who = caller(current_principal())
        async with self.ctx.sessions() as session:
            outfit = await repo.get_outfit(session, parse_uuid(request.id, ("id",)))
            look = await repo.get_look(session, outfit.look_id) if outfit else None
        if outfit is None or look is None or not access.can_view(who, look):
            raise NotFound("Outfit not found")
        return outfit_to_pb(outfit, look)

    @replayable(pb.Outfit)
    async def CreateProposal(self, request: pb.OutfitInput, context: grpc.aio.ServicerContext) -> pb.Outfit:
        """POST /outfits/: a proposal from the client's data, for the owner or a member (A20)."""
        who = caller(current_principal())
        async with transaction(self.ctx.sessions) as session:
            try:
                look = await self._visible_look(session, who, request.look_id, LOOK)
            except NotFound:
                raise Invalid.at(LOOK, "Unknown production request, or not visible to the caller") from None
            outfit = await self._new_outfit(session, look, request.fields)
            await events.announce(session, look, [(EventType.OUTFIT_CREATED, outfit)])
            return outfit_to_pb(outfit, look)


SERVICE_NAMES = (pb.DESCRIPTOR.services_by_name["OutfitsService"].full_name,)


def add_servicers(server: grpc.aio.Server, context: ServiceContext) -> None:
    outfits_pb2_grpc.add_OutfitsServiceServicer_to_server(OutfitsServicer(context), server)
