"""Budgets over a sliding time window (pure): how long until something fits.

Used by the gateway's login throttling (each failed attempt weighs one) and the shots service's
generation quotas (each generation weighs its images).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta


def seconds_until_room(
    used: Sequence[tuple[datetime, int]], needed: int, limit: int, window: timedelta, now: datetime
) -> int | None:
    """None when ``needed`` more fits under ``limit`` beside what ``used`` (when, how much) spent
    inside the window ending at ``now``; else the whole seconds until enough of it has left the
    window (at least one; the whole window when ``needed`` alone is over the limit)."""
    recent = sorted((at, weight) for at, weight in used if at > now - window)
    spent = sum(weight for _, weight in recent)
    if spent + needed <= limit:
        return None
    if needed > limit:
        return math.ceil(window.total_seconds())
    for at, weight in recent:
        spent -= weight
        if spent + needed <= limit:
            return max(1, math.ceil((at + window - now).total_seconds()))
    raise AssertionError("unreachable: with everything gone, needed <= limit fits")
