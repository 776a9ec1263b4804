"""Status roll-ups (D0.2): a look's computed status and a shooting's, from shot statuses.

Order, worst first: DRAFT < READY < PENDING < PROPOSAL < REJECTED < POST_PROD <
POST_PROD_REJECTED < REVIEW < APPROVED. A look is DRAFT while its readiness is DRAFT; otherwise
it takes its lowest shot status, or READY without shots. A shooting takes the lowest computed
status of its live looks (null without looks) and the lowest shot status (null without shots).
"""

from __future__ import annotations

from collections.abc import Iterable

from services.shootings.domain.statuses import COMPUTED_STATUS_ORDER, SHOT_STATUSES

_RANK = {status: rank for rank, status in enumerate(COMPUTED_STATUS_ORDER)}


def lowest(statuses: Iterable[str | None]) -> str | None:
    """The least progressed status (unknown keys rank last), or None when there is none."""
    present = [s for s in statuses if s is not None]
    return min(present, key=lambda s: _RANK.get(s, len(_RANK))) if present else None


def look_status(readiness: str, shot_status: str | None) -> str:
    if readiness == "DRAFT":
        return "DRAFT"
    return shot_status or "READY"


def ordering_sql_array() -> list[str]:
    """The order as a list, for SQL's array_position (rank 1 = worst)."""
    return list(COMPUTED_STATUS_ORDER)


def is_shot_status(value: str) -> bool:
    return value in SHOT_STATUSES
