"""Generation quotas (OWASP API4, unrestricted resource consumption): each organization, and each
user's personal shootings, may start so many images of generation per hour and per day.

Budgets count images (a generation of ``num_predictions`` images costs that many), charged when
the generation starts, to the scope of the shot's shooting (its organization, else its owner),
whoever starts it. An organization's limits are its own when an admin set them, else the
platform's (``GENERATION_QUOTA_PER_HOUR``, ``GENERATION_QUOTA_PER_DAY``). Pure: no I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from platformkit.errors import TooManyRequests
from platformkit.sliding_window import seconds_until_room

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Scope:
    """Whose budget a generation spends: an organization's, or a user's personal one."""

    organization_id: uuid.UUID | None
    owner_id: uuid.UUID

    @property
    def key(self) -> str:
        if self.organization_id is not None:
            return f"organization:{self.organization_id}"
        return f"user:{self.owner_id}"

    @property
    def label(self) -> str:
        return "this organization's" if self.organization_id is not None else "your personal"


@dataclass(frozen=True)
class Limits:
    per_hour: int
    per_day: int


def limits(defaults: Limits, per_hour: int | None, per_day: int | None) -> Limits:
    """An organization's own limits where set, the defaults elsewhere."""
    return Limits(
        per_hour=defaults.per_hour if per_hour is None else per_hour,
        per_day=defaults.per_day if per_day is None else per_day,
    )


def check(scope: Scope, budget: Limits, spent: Sequence[tuple[datetime, int]], images: int, now: datetime) -> None:
    """Raise :class:`TooManyRequests` (429) when ``images`` more do not fit the hourly or the
    daily budget, saying which, with the seconds until they would."""
    for name, limit, window in (("hourly", budget.per_hour, HOUR), ("daily", budget.per_day, DAY)):
        wait = seconds_until_room(spent, images, limit, window, now)
        if wait is not None:
            used = sum(weight for at, weight in spent if at > now - window)
            raise TooManyRequests(
                f"Generation quota exceeded: {scope.label} {name} budget of {limit} images is used up "
                f"({used} used, {images} asked); retry in {wait} s",
                retry_after=wait,
            )
