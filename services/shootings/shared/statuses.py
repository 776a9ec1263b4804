"""Look and shot statuses of the default shooting type and the status filters (D0.2; R31-R33, A9-A11)."""

from __future__ import annotations

from dataclasses import dataclass

from platformkit.errors import Invalid
from platformkit.field_paths import FieldPath
from platformkit.protoconv import enum_names
from protos.common.v1 import common_pb2

# The shot status keys of the default shooting type, worst to best, as the contract orders them
# (ShotStatus in protos/common/v1/common.proto; D0.2).
SHOT_STATUSES: tuple[str, ...] = enum_names(common_pb2.ShotStatus)
READINESS: tuple[str, ...] = enum_names(common_pb2.LookReadiness)
WITHOUT_STATUS = "WITHOUT_STATUS"
# Computed look status order for roll-ups: DRAFT < READY < shot statuses.
COMPUTED_STATUS_ORDER: tuple[str, ...] = (*READINESS, *SHOT_STATUSES)
FILTER_VALUES: frozenset[str] = frozenset({*COMPUTED_STATUS_ORDER, WITHOUT_STATUS})


@dataclass(frozen=True)
class StatusFilter:
    """A parsed `statuses` filter: OR of computed statuses and, optionally, "without status"."""

    statuses: frozenset[str]
    without_status: bool

    @property
    def active(self) -> bool:
        return bool(self.statuses) or self.without_status


def parse_status_filter(values: list[str], loc: FieldPath = ("statuses",)) -> StatusFilter:
    unknown = sorted(set(values) - FILTER_VALUES)
    if unknown:
        raise Invalid.at(loc, f"Unknown status value(s): {', '.join(unknown)}", "enum")
    return StatusFilter(frozenset(v for v in values if v != WITHOUT_STATUS), WITHOUT_STATUS in values)
