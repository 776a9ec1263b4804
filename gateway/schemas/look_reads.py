"""Public models and query parameters of the look reads (E3, E9-E12, E17).

The filters are checked here only for shape (types, enum values, lengths); their meaning (the
shooting type's status keys, date or date-time bounds) is the shootings service's to judge, so
one set of rules answers every client.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel

from gateway.schemas.common import Label
from gateway.schemas.products import ShotStatusFilter
from gateway.schemas.shootings import READINESS_KEYS, SHOT_STATUS_KEYS
from protos.shootings.v1 import looks_pb2 as pb

ProductionRequestComputedStatus = StrEnum(  # type: ignore[misc]
    "ProductionRequestComputedStatus", {v: v for v in (*READINESS_KEYS, *SHOT_STATUS_KEYS)}
)


class ShootingStatusCount(BaseModel):
    status: ProductionRequestComputedStatus  # type: ignore[valid-type]
    count: int


class ShootingSummary(BaseModel):
    """Summary statistics for shootings."""

    total_products: int
    total_production_requests: int
    status_breakdown: list[ShootingStatusCount]

    @classmethod
    def from_pb(cls, message: pb.ShootingSummary) -> ShootingSummary:
        return cls(
            total_products=message.total_products,
            total_production_requests=message.total_looks,
            status_breakdown=[ShootingStatusCount(status=s.status, count=s.count) for s in message.status_breakdown],
        )


class DraftProductionRequestsSummary(BaseModel):
    """Response model for draft production requests summary with generation status."""

    total_draft_production_requests: int
    generating_count: int


# A date-time (microseconds kept) or a date (that whole UTC day); the service parses it.
_MOMENT_SCHEMA = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}]}
CreatedFrom = Annotated[
    str | None,
    Query(
        description="Filter PRs created on or after this date (UTC, inclusive).",
        max_length=64,
        json_schema_extra=_MOMENT_SCHEMA,
    ),
]
CreatedTo = Annotated[
    str | None,
    Query(
        description="Filter PRs created on or before this date (UTC, inclusive).",
        max_length=64,
        json_schema_extra=_MOMENT_SCHEMA,
    ),
]
StatusKeys = Annotated[
    list[str] | None,
    Query(
        description="Filter by ProductionRequestStatus key. Each key must belong to the shooting's ShootingType "
        "(validated against the M:N). Unknown keys produce 422."
    ),
]


async def look_filters(
    shot_statuses: Annotated[
        list[ShotStatusFilter] | None,  # type: ignore[valid-type]
        Query(description="Computed status, OR'd; WITHOUT_STATUS: looks without shots"),
    ] = None,
    product_ids: Annotated[list[uuid.UUID] | None, Query()] = None,
    product_name: Annotated[Label | None, Query(description="Search by product name")] = None,
    product_sku: Annotated[Label | None, Query(description="Search by product SKU")] = None,
    product_type: Annotated[Label | None, Query(description="Equal, ignoring case")] = None,
    assignee_ids: Annotated[list[uuid.UUID] | None, Query(description="Filter by assignee user IDs")] = None,
    include_unassigned: Annotated[
        bool,
        Query(
            description="Also include PRs with no assignee. OR'd with assignee_ids: pass both to get "
            "'my work + the unassigned queue' in one call."
        ),
    ] = False,
    created_from: CreatedFrom = None,
    created_to: CreatedTo = None,
) -> pb.LookFilters:
    """The filters E9 and E10 share (E9 adds ``status_keys``), as the service's message."""
    filters = pb.LookFilters(
        shot_statuses=[s.value for s in shot_statuses or []],
        product_ids=[str(i) for i in product_ids or []],
        assignee_ids=[str(i) for i in assignee_ids or []],
        include_unassigned=include_unassigned,
    )
    texts = {
        "product_name": product_name,
        "product_sku": product_sku,
        "product_type": product_type,
        "created_from": created_from,
        "created_to": created_to,
    }
    for name, text in texts.items():
        if text is not None:
            setattr(filters, name, text)
    return filters
