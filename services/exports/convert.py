"""Translations between exports rows and the exports/v1 and events/v1 messages."""

from __future__ import annotations

from typing import Any

from platformkit.protoconv import text, timestamp
from protos.events.v1 import exports_pb2 as events_pb2
from protos.exports.v1 import exports_pb2 as pb
from services.exports.models import ExportConfiguration, ExternalIntegration, ProductMapping, PushRecord


def _scoped(row: ExportConfiguration | ExternalIntegration) -> dict[str, Any]:
    """The fields every owned, organization-scoped resource shows."""
    return {
        "id": str(row.id),
        "name": row.name,
        "owner_id": str(row.owner_id),
        "organization_id": text(row.organization_id),
        "created_at": timestamp(row.created_at),
        "updated_at": timestamp(row.updated_at),
    }


def configuration_to_pb(row: ExportConfiguration) -> pb.ExportConfiguration:
    return pb.ExportConfiguration(
        format=row.format, quality=row.quality, metadata_adapter=row.metadata_adapter, **_scoped(row)
    )


def integration_to_pb(row: ExternalIntegration) -> pb.Integration:
    """Never the secret, not even encrypted."""
    return pb.Integration(integration_type=row.integration_type, endpoint_url=row.endpoint_url, **_scoped(row))


def mapping_to_pb(row: ProductMapping) -> pb.ProductMapping:
    return pb.ProductMapping(
        id=str(row.id),
        product_id=str(row.product_id),
        integration_id=str(row.integration_id),
        external_id=row.external_id,
        created_at=timestamp(row.created_at),
        updated_at=timestamp(row.updated_at),
    )


def push_to_pb(row: PushRecord) -> pb.PushRecord:
    return pb.PushRecord(
        id=str(row.id),
        revision_id=str(row.revision_id),
        integration_id=str(row.integration_id),
        push_status=row.status,
        error_message=row.error_message,
        attempts=row.attempts,
        pushed_at=timestamp(row.pushed_at),
        completed_at=timestamp(row.completed_at),
        created_at=timestamp(row.created_at),
        updated_at=timestamp(row.updated_at),
    )


def push_state(row: PushRecord) -> events_pb2.PushChanged:
    return events_pb2.PushChanged(
        push=events_pb2.PushState(
            push_id=str(row.id),
            revision_id=str(row.revision_id),
            shot_id=str(row.shot_id),
            look_id=str(row.production_request_id),
            integration_id=str(row.integration_id),
            push_status=row.status,
            error_message=row.error_message,
            updated_at=timestamp(row.updated_at),
        )
    )
