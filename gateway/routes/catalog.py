"""The reference catalog: ``POST|GET /<kind>/`` and ``GET|PATCH|DELETE /<kind>/{id}`` for every
kind, built by one factory from the table :data:`KINDS` (D0.16).

The routes only translate HTTP to the generic CatalogService contract and back; the service owns
the rules: the kind's field checks, references usable in the entry's scope (422 at the field),
personal vs ``organization_id`` scoping (403 for a non-member), visibility (404; public entries
are readable by everyone), edit rights (403) and the SKU rule (409).

No ``from __future__ import annotations`` here: the handlers are made inside the factory and
FastAPI must read their parameter types (the kind's models) from closure variables.
"""

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path
from google.protobuf.struct_pb2 import Struct
from pydantic import BaseModel

from gateway.deps import CatalogOrganizationQuery, ClientsDep, PageDep, PrincipalDep
from gateway.field_locations import ORGANIZATION_IN_BODY_OR_QUERY, rest_names
from gateway.protoconv import text
from gateway.route_index import IndexedRouter
from gateway.schemas import catalog, presets
from gateway.schemas.catalog import CatalogCreate, CatalogPatch, CatalogPublic, list_model
from gateway.schemas.common import Message
from gateway.schemas.products import ProductCreate, ProductPublic, ProductUpdate, product_filters
from platformkit.rpc import principal_metadata
from protos.shootings.v1 import catalog_pb2 as pb


async def no_filters() -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class CatalogKind:
    """One catalog kind as served over HTTP; its path and labels follow from the kind's name."""

    kind: str
    public: type[CatalogPublic]
    create: type[CatalogCreate]
    update: type[CatalogPatch]
    filters: Any = no_filters

    @property
    def path(self) -> str:
        return "/" + self.kind.replace("_", "-") + "s"  # shot_type -> /shot-types

    @property
    def singular(self) -> str:
        return self.kind.replace("_", " ").title()

    @property
    def plural(self) -> str:
        return self.singular + "s"

    @property
    def id_param(self) -> str:
        return f"{self.kind}_id"


KINDS: tuple[CatalogKind, ...] = (
    CatalogKind("product", ProductPublic, ProductCreate, ProductUpdate, product_filters),
    CatalogKind("subject", catalog.SubjectPublic, catalog.SubjectCreate, catalog.SubjectUpdate),
    CatalogKind("shot_type", catalog.ShotTypePublic, catalog.ShotTypeCreate, catalog.ShotTypeUpdate),
    CatalogKind("pose_preset", catalog.PosePresetPublic, catalog.PosePresetCreate, catalog.PosePresetUpdate),
    CatalogKind("set_design", catalog.SetDesignPublic, catalog.SetDesignCreate, catalog.SetDesignUpdate),
    CatalogKind("style", presets.StylePublic, presets.StyleCreate, presets.StyleUpdate),
    CatalogKind(
        "background_preset",
        presets.BackgroundPresetPublic,
        presets.BackgroundPresetCreate,
        presets.BackgroundPresetUpdate,
    ),
    CatalogKind(
        "resolution_preset",
        presets.ResolutionPresetPublic,
        presets.ResolutionPresetCreate,
        presets.ResolutionPresetUpdate,
    ),
    CatalogKind(
        "generative_workflow_template",
        presets.GenerativeWorkflowTemplatePublic,
        presets.GenerativeWorkflowTemplateCreate,
        presets.GenerativeWorkflowTemplateUpdate,
    ),
)


def _struct(values: dict[str, Any]) -> Struct:
    message = Struct()
    message.update(values)
    return message


def kind_router(spec: CatalogKind) -> APIRouter:
    """The five routes of one kind."""
    router = IndexedRouter(prefix=spec.path, tags=["catalog"])
    page_model: type[BaseModel] = list_model(spec.public, spec.plural.replace(" ", "") + "Public")
    item = "/{" + spec.id_param + "}"
    EntryId = Annotated[uuid.UUID, Path(alias=spec.id_param)]  # e.g. {product_id}

    @router.post("/", summary=f"Create {spec.singular}", response_model=spec.public)
    @rest_names(ORGANIZATION_IN_BODY_OR_QUERY, fields=("body",))
    async def create_entry(
        clients: ClientsDep,
        principal: PrincipalDep,
        body: Annotated[spec.create, Body()],  # type: ignore[name-defined]
        organization_id: CatalogOrganizationQuery = None,
    ) -> CatalogPublic:
        """Create an entry in the caller's personal catalog or, with ``organization_id`` (body or
        query; the body wins, both and different is 422), in that organization's."""
        request = pb.CreateEntryRequest(
            kind=spec.kind,
            fields=_struct(body.fields()),
            organization_id=text(body.organization_id),
            query_organization_id=text(organization_id),
        )
        reply = await clients.catalog.CreateEntry(request, metadata=principal_metadata(principal))
        return spec.public.from_entry(reply)

    @router.get("/", summary=f"Read {spec.plural}", response_model=page_model)
    @rest_names(filters=("query",))
    async def list_entries(
        clients: ClientsDep,
        principal: PrincipalDep,
        page: PageDep,
        filters: Annotated[dict[str, Any], Depends(spec.filters)],
        organization_id: CatalogOrganizationQuery = None,
    ) -> BaseModel:
        """The organization's entries with ``organization_id``, otherwise the caller's personal ones."""
        request = pb.ListEntriesRequest(
            kind=spec.kind,
            organization_id=text(organization_id),
            page=page.to_pb(),
            filters=_struct(filters),
        )
        reply = await clients.catalog.ListEntries(request, metadata=principal_metadata(principal))
        return page_model(data=[spec.public.from_entry(e) for e in reply.entries], count=reply.count)

    def ref(entry_id: uuid.UUID) -> pb.EntryRef:
        return pb.EntryRef(kind=spec.kind, id=str(entry_id))

    @router.get(item, summary=f"Read {spec.singular}", response_model=spec.public)
    async def read_entry(clients: ClientsDep, principal: PrincipalDep, entry_id: EntryId) -> CatalogPublic:
        reply = await clients.catalog.GetEntry(ref(entry_id), metadata=principal_metadata(principal))
        return spec.public.from_entry(reply)

    @router.patch(item, summary=f"Update {spec.singular}", response_model=spec.public)
    @rest_names(patch=("body",))
    async def update_entry(
        clients: ClientsDep,
        principal: PrincipalDep,
        entry_id: EntryId,
        body: Annotated[spec.update, Body()],  # type: ignore[name-defined]
    ) -> CatalogPublic:
        """Partial: absent keys stay unchanged; null clears a nullable field."""
        request = pb.UpdateEntryRequest(kind=spec.kind, id=str(entry_id), patch=_struct(body.fields()))
        reply = await clients.catalog.UpdateEntry(request, metadata=principal_metadata(principal))
        return spec.public.from_entry(reply)

    @router.delete(item, summary=f"Delete {spec.singular}")
    async def delete_entry(clients: ClientsDep, principal: PrincipalDep, entry_id: EntryId) -> Message:
        """Soft delete: the entry vanishes from reads; references to it stop resolving."""
        await clients.catalog.DeleteEntry(ref(entry_id), metadata=principal_metadata(principal))
        return Message(message=f"{spec.singular.capitalize()} deleted successfully")

    return router


router = IndexedRouter()
for _spec in KINDS:
    router.include_router(kind_router(_spec))
