"""gRPC handlers of CatalogService: generic CRUD over every catalog kind, checked against the
kind's rules, and the typed batched look-ups other services use."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import grpc
from sqlalchemy.ext.asyncio import AsyncSession

from platformkit.db import transaction
from platformkit.errors import Invalid
from platformkit.field_paths import FieldPath
from platformkit.principal import caller
from platformkit.protoconv import optional_uuid, parse_uuid
from platformkit.request_ledger import replayable
from platformkit.rpc import current_principal
from platformkit.service import ServiceContext
from protos.common.v1 import common_pb2
from protos.shootings.v1 import catalog_pb2 as pb
from protos.shootings.v1 import catalog_pb2_grpc
from services.shootings.catalog import repository as catalog_repo
from services.shootings.catalog import rules as catalog
from services.shootings.catalog.convert import (
    entry_to_pb,
    product_to_pb,
    shot_type_to_pb,
    struct_dict,
    subject_to_pb,
)
from services.shootings.catalog.filters import ProductFilter, parse_product_filter
from services.shootings.catalog.kinds import SUBJECT, KindRules
from services.shootings.catalog.repository import LoadedEntry
from services.shootings.models import CatalogEntry
from services.shootings.shared import access
from services.shootings.shared.access import Caller
from services.shootings.shared.inputs import check_page


def _batch_handler(
    kind: str | None, convert: Callable[[LoadedEntry], Any], response: Callable[..., Any], field: str
) -> Callable[..., Any]:
    """A batched look-up RPC: the visible entries among the ids (of ``kind`` when given), in one
    query, each converted and answered in ``response.<field>`` (see the contract for what is
    left out)."""

    async def handler(self: CatalogServicer, request: pb.BatchGetRequest, context: grpc.aio.ServicerContext) -> Any:
        who = caller(current_principal())
        ids = [parse_uuid(raw, ("ids", i)) for i, raw in enumerate(request.ids)]
        async with self.ctx.sessions() as session:
            rows = await catalog_repo.batch_get(session, kind, ids, include_deleted=request.include_deleted)
        return response(**{field: [convert(r) for r in rows if catalog.can_see(who, r.entry)]})

    return handler


class CatalogServicer(catalog_pb2_grpc.CatalogServiceServicer):
    def __init__(self, context: ServiceContext) -> None:
        self.ctx = context

    @replayable(pb.CatalogEntry)
    async def CreateEntry(self, request: pb.CreateEntryRequest, context: grpc.aio.ServicerContext) -> pb.CatalogEntry:
        who = caller(current_principal())
        rules = catalog.rules_for(request.kind)
        query_org = optional_uuid(request, "query_organization_id", ("query_organization_id",))
        access.ensure_organization_scope(who, query_org)
        body_org = optional_uuid(request, "organization_id", ("organization_id",))
        access.ensure_usable_organization(who, body_org, ("organization_id",))
        organization_id = access.resolve_creation_organization(body_org, query_org)
        values = catalog.validate_create(rules, struct_dict(request.fields))
        catalog.ensure_may_publish(who, values)
        now = datetime.now(UTC)
        async with transaction(self.ctx.sessions) as session:
            values = await self._prepared(session, who, rules, values, {}, organization_id, now, catalog.CREATE_FIELDS)
            columns, data = catalog.split_columns(values)
            entry = CatalogEntry(
                id=uuid.uuid4(),
                kind=rules.kind,
                owner_id=who.user_id,
                organization_id=organization_id,
                name=columns["name"],
                public=bool(columns.get("public")),
                data=data,
                created_at=now,
                updated_at=now,
            )
            await catalog_repo.save(session, entry)
        return entry_to_pb(LoadedEntry(entry, {}))

    async def _prepared(
        self,
        session: AsyncSession,
        who: Caller,
        rules: KindRules,
        values: dict[str, Any],
        stored: Mapping[str, Any],
        organization_id: uuid.UUID | None,
        now: datetime,
        at: FieldPath,
    ) -> dict[str, Any]:
        """Checked values (the request's at ``at``) made ready to store: references resolved in the entry's scope (R27),
        service-set parts added, base-image labels stored as the shot types are named now."""
        wanted = catalog.referenced_ids(rules, values)
        if wanted:
            missing = await catalog_repo.find_missing_references(session, wanted, who, organization_id)
            catalog.ensure_references_resolve(rules, values, missing, at)
        values = catalog.finish(rules, values, stored, now)
        if rules is SUBJECT and values.get("base_images"):
            names = await catalog_repo.shot_type_names(session, wanted.get("shot_type", set()))
            values = catalog.with_shot_type_labels(values, names)
        return values

    async def ListEntries(
        self, request: pb.ListEntriesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListEntriesResponse:
        who = caller(current_principal())
        rules = catalog.rules_for(request.kind)
        organization_id = optional_uuid(request, "organization_id", ("organization_id",))
        access.ensure_organization_scope(who, organization_id)
        page = check_page(request.page.skip, request.page.limit)
        async with self.ctx.sessions() as session:
            rows, total = await catalog_repo.list_entries(
                session,
                rules.kind,
                owner_id=who.user_id,
                organization_id=organization_id,
                skip=page.skip,
                limit=page.limit,
                product_filter=_list_filter(rules, struct_dict(request.filters)),
            )
        return pb.ListEntriesResponse(entries=[entry_to_pb(r) for r in rows], count=total)

    async def GetEntry(self, request: pb.EntryRef, context: grpc.aio.ServicerContext) -> pb.CatalogEntry:
        who = caller(current_principal())
        rules = catalog.rules_for(request.kind)
        async with self.ctx.sessions() as session:
            loaded = await catalog_repo.get_entry(session, rules.kind, parse_uuid(request.id, ("id",)))
        catalog.ensure_visible(who, loaded.entry if loaded else None, rules.label)
        assert loaded is not None
        return entry_to_pb(loaded)

    async def _editable(self, session: AsyncSession, who: Caller, rules: KindRules, raw_id: str) -> LoadedEntry:
        """The live entry, locked; 404 when the caller cannot see it, 403 when they may not change it."""
        loaded = await catalog_repo.get_entry(session, rules.kind, parse_uuid(raw_id, ("id",)), for_update=True)
        catalog.ensure_visible(who, loaded.entry if loaded else None, rules.label)
        assert loaded is not None
        catalog.ensure_editable(who, loaded.entry, rules.label)
        return loaded

    async def UpdateEntry(self, request: pb.UpdateEntryRequest, context: grpc.aio.ServicerContext) -> pb.CatalogEntry:
        who = caller(current_principal())
        rules = catalog.rules_for(request.kind)
        patch = catalog.validate_patch(rules, struct_dict(request.patch))
        now = datetime.now(UTC)
        async with transaction(self.ctx.sessions) as session:
            loaded = await self._editable(session, who, rules, request.id)
            catalog.ensure_may_publish(who, patch)
            entry = loaded.entry
            values = await self._prepared(
                session, who, rules, patch, entry.data, entry.organization_id, now, catalog.PATCH_FIELDS
            )
            columns, data = catalog.split_columns(values)
            changed = {k: v for k, v in columns.items() if getattr(entry, k) != v}
            changed_data = {k: v for k, v in data.items() if entry.data.get(k) != v}
            for key, value in changed.items():
                setattr(entry, key, value)
            if changed or changed_data:
                entry.data = {**entry.data, **changed_data}
                entry.updated_at = now
                await catalog_repo.save(session)
        return entry_to_pb(loaded)

    async def DeleteEntry(self, request: pb.EntryRef, context: grpc.aio.ServicerContext) -> common_pb2.Empty:
        who = caller(current_principal())
        rules = catalog.rules_for(request.kind)
        async with transaction(self.ctx.sessions) as session:
            entry = (await self._editable(session, who, rules, request.id)).entry
            entry.deleted_at = entry.updated_at = datetime.now(UTC)
        return common_pb2.Empty()

    BatchGetEntries = _batch_handler(None, entry_to_pb, pb.BatchGetEntriesResponse, "entries")
    BatchGetProducts = _batch_handler("product", product_to_pb, pb.BatchGetProductsResponse, "products")
    BatchGetSubjects = _batch_handler("subject", subject_to_pb, pb.BatchGetSubjectsResponse, "subjects")
    BatchGetShotTypes = _batch_handler("shot_type", shot_type_to_pb, pb.BatchGetShotTypesResponse, "shot_types")

    async def ResolveProductFilter(
        self, request: pb.ResolveProductFilterRequest, context: grpc.aio.ServicerContext
    ) -> pb.ResolveProductFilterResponse:
        """E8's ``product_filters``: the same scope and filter as GET /products/, ids only."""
        who = caller(current_principal())
        organization_id = optional_uuid(request, "organization_id", ("organization_id",))
        access.ensure_organization_scope(who, organization_id)
        product_filter = parse_product_filter(struct_dict(request.filters), ("filters",))
        async with self.ctx.sessions() as session:
            rows, total = await catalog_repo.list_entries(
                session,
                "product",
                owner_id=who.user_id,
                organization_id=organization_id,
                skip=product_filter.skip,
                limit=product_filter.limit,
                product_filter=product_filter,
            )
        return pb.ResolveProductFilterResponse(product_ids=[str(r.entry.id) for r in rows], count=total)


def _list_filter(rules: KindRules, filters: dict[str, Any]) -> ProductFilter | None:
    """Products take the product filter (paging comes from the page, not the filter); other
    kinds take none."""
    if rules.kind == "product":
        return parse_product_filter({k: v for k, v in filters.items() if k not in ("skip", "limit")}, ("filters",))
    if filters:
        raise Invalid.at(("filters", next(iter(filters))), f"{rules.label} lists take no filters", "extra_forbidden")
    return None


SERVICE_NAME = pb.DESCRIPTOR.services_by_name["CatalogService"].full_name


def add_servicer(server: grpc.aio.Server, context: ServiceContext) -> None:
    catalog_pb2_grpc.add_CatalogServiceServicer_to_server(CatalogServicer(context), server)
