"""Metadata adapters and export configurations (D0.13, D0.33).

Configurations are scoped like catalog entries: personal, or an organization's with
``organization_id`` (body or query; the body wins, both and different is 422; a non-member's
list is 403). The exports service owns the rules; these routes translate.
"""

from __future__ import annotations

import uuid

from gateway.deps import ClientsDep, MemberOrganizationQuery, PageDep, PrincipalDep
from gateway.field_locations import ORGANIZATION_IN_BODY_OR_QUERY, rest_names
from gateway.protoconv import with_organization
from gateway.route_index import IndexedRouter
from gateway.schemas.common import Message
from gateway.schemas.exports import (
    ExportConfigurationCreate,
    ExportConfigurationPublic,
    ExportConfigurationsPublic,
    ExportConfigurationUpdate,
    MetadataAdapterPublic,
)
from platformkit.rpc import principal_metadata
from protos.common.v1 import common_pb2
from protos.exports.v1 import exports_pb2 as pb

router = IndexedRouter(tags=["exports"])
CONFIGURATIONS = "/export-configurations"


def scoped_list(organization_id: uuid.UUID | None, page: PageDep) -> pb.ListScopedRequest:
    """A page of the caller's personal entries, or of the organization's with ``organization_id``."""
    return with_organization(pb.ListScopedRequest(page=page.to_pb()), organization_id)


@router.get("/metadata-adapters/", summary="Read Metadata Adapters")
async def read_metadata_adapters(clients: ClientsDep, principal: PrincipalDep) -> list[MetadataAdapterPublic]:
    """How each adapter names files and which metadata it writes (`default`, `ovs`)."""
    reply = await clients.exports.ListMetadataAdapters(common_pb2.Empty(), metadata=principal_metadata(principal))
    return [
        MetadataAdapterPublic(
            code=a.code, display_name=a.display_name, naming_convention_example=a.naming_convention_example
        )
        for a in reply.adapters
    ]


@router.post(f"{CONFIGURATIONS}/", summary="Create Export Configuration")
@rest_names(ORGANIZATION_IN_BODY_OR_QUERY, fields=("body",))
async def create_export_configuration(
    clients: ClientsDep,
    principal: PrincipalDep,
    body: ExportConfigurationCreate,
    organization_id: MemberOrganizationQuery = None,
) -> ExportConfigurationPublic:
    reply = await clients.exports.CreateExportConfiguration(
        body.to_pb(organization_id), metadata=principal_metadata(principal)
    )
    return ExportConfigurationPublic.from_pb(reply)


@router.get(f"{CONFIGURATIONS}/", summary="Read Export Configurations")
async def read_export_configurations(
    clients: ClientsDep, principal: PrincipalDep, page: PageDep, organization_id: MemberOrganizationQuery = None
) -> ExportConfigurationsPublic:
    """The organization's with `organization_id`, otherwise the caller's personal ones."""
    reply = await clients.exports.ListExportConfigurations(
        scoped_list(organization_id, page), metadata=principal_metadata(principal)
    )
    return ExportConfigurationsPublic(
        data=[ExportConfigurationPublic.from_pb(c) for c in reply.configurations], count=reply.count
    )


@router.get(CONFIGURATIONS + "/{configuration_id}", summary="Read Export Configuration")
async def read_export_configuration(
    clients: ClientsDep, principal: PrincipalDep, configuration_id: uuid.UUID
) -> ExportConfigurationPublic:
    request = common_pb2.IdRequest(id=str(configuration_id))
    reply = await clients.exports.GetExportConfiguration(request, metadata=principal_metadata(principal))
    return ExportConfigurationPublic.from_pb(reply)


@router.patch(CONFIGURATIONS + "/{configuration_id}", summary="Update Export Configuration")
@rest_names(fields=("body",))
async def update_export_configuration(
    clients: ClientsDep, principal: PrincipalDep, configuration_id: uuid.UUID, body: ExportConfigurationUpdate
) -> ExportConfigurationPublic:
    reply = await clients.exports.UpdateExportConfiguration(
        body.to_pb(configuration_id), metadata=principal_metadata(principal)
    )
    return ExportConfigurationPublic.from_pb(reply)


@router.delete(CONFIGURATIONS + "/{configuration_id}", summary="Delete Export Configuration")
async def delete_export_configuration(
    clients: ClientsDep, principal: PrincipalDep, configuration_id: uuid.UUID
) -> Message:
    """Soft delete: looks and users that named it fall back to the next configuration."""
    request = common_pb2.IdRequest(id=str(configuration_id))
    await clients.exports.DeleteExportConfiguration(request, metadata=principal_metadata(principal))
    return Message(message="Export configuration deleted successfully")
