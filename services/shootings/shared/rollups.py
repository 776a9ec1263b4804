"""Status roll-ups (D0.2): a look's computed status and a shooting's, from shot statuses.

Order, worst first: DRAFT < READY < PENDING < PROPOSAL < REJECTED < POST_PROD <
POST_PROD_REJECTED < REVIEW < APPROVED. A look is DRAFT while its readiness is DRAFT; otherwise
it takes its lowest shot status, or READY without shots. A shooting takes the lowest computed
status of its live looks (null without looks) and the lowest shot status (null without shots).
The roll-ups are computed in SQL (``services/shootings/looks/repository.py``); this module gives
it the order.
"""

from __future__ import annotations

from services.shootings.shared.statuses import COMPUTED_STATUS_ORDER


def ordering_sql_array() -> list[str]:
    """The order as a list, for SQL's array_position (rank 1 = worst)."""
    return list(COMPUTED_STATUS_ORDER)
