"""Public models of the exports surface (E42, E48, E49; the supporting surface's
conventions, D0.13, and exports, D0.33-D0.35):
metadata adapters, export configurations, external integrations (the secret is write-only:
never in an answer, masked in every repr), external product mappings and the export answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from google.protobuf.message import Message
from pydantic import BaseModel, Field, SecretStr

from gateway.protoconv import dt, value
from gateway.schemas.common import Name, NotNull
from protos.exports.v1 import exports_pb2 as pb


class ExportFormat(StrEnum):
    JPEG = "JPEG"
    PNG = "PNG"
    WEBP = "WEBP"
    AVIF = "AVIF"


class MetadataAdapterCode(StrEnum):
    DEFAULT = "default"
    OVS = "ovs"


class IntegrationType(StrEnum):
    WEBHOOK = "webhook"
    OVS = "ovs"


Quality = Annotated[int, Field(ge=1, le=100, description="1-100 for JPEG, WEBP and AVIF (default 90); PNG ignores it")]
EndpointUrl = Annotated[str, Field(min_length=8, max_length=2048, pattern=r"^https?://[^/\s]+", examples=["https://"])]
Secret = Annotated[
    SecretStr, Field(min_length=16, max_length=1024, description="Signs pushes and callbacks; never returned")
]
ExternalId = Annotated[str, Field(min_length=1, max_length=255)]
ORGANIZATION = Field(
    default=None, description="Organization it belongs to (one of the caller's); personal when omitted"
)


def fields_message(body: BaseModel, message: Message, names: set[str]) -> tuple[Message, list[str]]:
    """``message`` filled from the body's ``names`` (secrets revealed, enums as values), and the
    names: the update mask (a null leaves the field unset, which the mask makes a clear)."""
    for name in sorted(names):
        given = getattr(body, name)
        if isinstance(given, SecretStr):
            given = given.get_secret_value()
        if given is not None:
            setattr(message, name, given.value if isinstance(given, StrEnum) else given)
    return message, sorted(names)


class MetadataAdapterPublic(BaseModel):
    code: MetadataAdapterCode
    display_name: str
    naming_convention_example: str


class ExportConfigurationFields(BaseModel):
    name: Name
    format: ExportFormat = ExportFormat.JPEG
    metadata_adapter: MetadataAdapterCode = MetadataAdapterCode.DEFAULT
    quality: Quality | None = None


class ExportConfigurationCreate(ExportConfigurationFields):
    organization_id: uuid.UUID | None = ORGANIZATION

    def to_pb(self, query_organization_id: uuid.UUID | None) -> pb.CreateExportConfigurationRequest:
        fields, _ = fields_message(self, pb.ExportConfigurationFields(), set(ExportConfigurationFields.model_fields))
        return pb.CreateExportConfigurationRequest(
            fields=fields,
            organization_id=str(self.organization_id) if self.organization_id else None,
            query_organization_id=str(query_organization_id) if query_organization_id else None,
        )


class ExportConfigurationUpdate(BaseModel):
    """Partial: absent keys stay unchanged; `quality: null` returns to the format's default."""

    name: Annotated[Name | None, NotNull] = None
    format: Annotated[ExportFormat | None, NotNull] = None
    metadata_adapter: Annotated[MetadataAdapterCode | None, NotNull] = None
    quality: Quality | None = None

    def to_pb(self, configuration_id: uuid.UUID) -> pb.UpdateExportConfigurationRequest:
        fields, paths = fields_message(self, pb.ExportConfigurationFields(), self.model_fields_set)
        request = pb.UpdateExportConfigurationRequest(id=str(configuration_id), fields=fields)
        request.update_mask.paths.extend(paths)
        return request


class _Scoped(BaseModel):
    id: uuid.UUID
    owner_id: uuid.UUID
    organization_id: uuid.UUID | None = None
    created_at: datetime
    updated_at: datetime


def _scope(message: pb.ExportConfiguration | pb.Integration) -> dict[str, Any]:
    return {
        "id": message.id,
        "owner_id": message.owner_id,
        "organization_id": value(message, "organization_id"),
        "created_at": dt(message, "created_at"),
        "updated_at": dt(message, "updated_at"),
    }


class ExportConfigurationPublic(ExportConfigurationFields, _Scoped):
    @classmethod
    def from_pb(cls, message: pb.ExportConfiguration) -> Self:
        return cls(
            name=message.name,
            format=message.format,
            metadata_adapter=message.metadata_adapter,
            quality=value(message, "quality"),
            **_scope(message),
        )


class ExportConfigurationsPublic(BaseModel):
    data: list[ExportConfigurationPublic]
    count: int


class ExternalIntegrationCreate(BaseModel):
    name: Name
    integration_type: IntegrationType
    endpoint_url: EndpointUrl
    secret: Secret
    organization_id: uuid.UUID | None = ORGANIZATION

    def to_pb(self, query_organization_id: uuid.UUID | None) -> pb.CreateIntegrationRequest:
        names = set(type(self).model_fields) - {"organization_id"}
        fields, _ = fields_message(self, pb.IntegrationFields(), names)
        return pb.CreateIntegrationRequest(
            fields=fields,
            organization_id=str(self.organization_id) if self.organization_id else None,
            query_organization_id=str(query_organization_id) if query_organization_id else None,
        )


class ExternalIntegrationUpdate(BaseModel):
    """Partial; a new `secret` replaces the old one (rotation)."""

    name: Annotated[Name | None, NotNull] = None
    integration_type: Annotated[IntegrationType | None, NotNull] = None
    endpoint_url: Annotated[EndpointUrl | None, NotNull] = None
    secret: Annotated[Secret | None, NotNull] = None

    def to_pb(self, integration_id: uuid.UUID) -> pb.UpdateIntegrationRequest:
        fields, paths = fields_message(self, pb.IntegrationFields(), self.model_fields_set)
        request = pb.UpdateIntegrationRequest(id=str(integration_id), fields=fields)
        request.update_mask.paths.extend(paths)
        return request


class ExternalIntegrationPublic(_Scoped):
    name: str
    integration_type: IntegrationType
    endpoint_url: str

    @classmethod
    def from_pb(cls, message: pb.Integration) -> Self:
        return cls(
            name=message.name,
            integration_type=message.integration_type,
            endpoint_url=message.endpoint_url,
            **_scope(message),
        )


class ExternalIntegrationsPublic(BaseModel):
    data: list[ExternalIntegrationPublic]
    count: int


class PushCallback(BaseModel):
    """A receiver's confirmation of a push it answered 202, signed like pushes (`X-Signature`)."""

    push_id: uuid.UUID
    status: Annotated[str, Field(pattern="^(COMPLETED|FAILED)$")]
    error_message: str | None = None


class ExternalProductMappingCreate(BaseModel):
    integration_id: uuid.UUID
    external_id: ExternalId


class ExternalProductMappingPublic(BaseModel):
    id: uuid.UUID
    product_id: uuid.UUID
    integration_id: uuid.UUID
    external_id: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_pb(cls, message: pb.ProductMapping) -> ExternalProductMappingPublic:
        return cls(
            id=message.id,
            product_id=message.product_id,
            integration_id=message.integration_id,
            external_id=message.external_id,
            created_at=dt(message, "created_at"),
            updated_at=dt(message, "updated_at"),
        )


class ExternalProductMappingsPublic(BaseModel):
    data: list[ExternalProductMappingPublic]
    count: int


class ExportRevisionResponse(BaseModel):
    """Response for export revision endpoint."""

    revision_id: uuid.UUID
    exports_created: int
    exports_skipped: int
    message: str


class ExportProductionRequestResponse(BaseModel):
    """Response for export production request endpoint."""

    production_request_id: uuid.UUID
    revisions_processed: int
    revisions_skipped: int
    exports_created: int
    exports_skipped: int
    message: str
