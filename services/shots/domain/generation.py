"""Which shots get generations, and with what (RULES 2.10: R115-R118, R121, R122, A29, A30)."""

from __future__ import annotations

import random

from platformkit.errors import Invalid

MIN_COUNT, MAX_COUNT = 1, 10
STATUSES = ("PENDING", "PROCESSING", "COMPLETED", "FAILED")
DONE = frozenset({"COMPLETED", "FAILED"})
SKIP_BACK = "back view angle"
SKIP_NO_BASE_IMAGE = "no base image for the shot type"


def skip_reason(view_angle: str, base_image_url: str) -> str | None:
    """Back views are never generated (compared case-insensitively, A29); a shot type the
    subject has no base image for is skipped silently (R116, R122)."""
    if view_angle.strip().upper() == "BACK":
        return SKIP_BACK
    if not base_image_url:
        return SKIP_NO_BASE_IMAGE
    return None


def check_count(value: int, loc: tuple[str, ...]) -> None:
    """A30: 1-10 generations per shot type, 1-10 predictions per generation."""
    if not MIN_COUNT <= value <= MAX_COUNT:
        raise Invalid.at(loc, f"Input should be between {MIN_COUNT} and {MAX_COUNT}", "value_error")


def new_seed() -> int:
    """A seed fits a signed 32-bit integer, what most inference servers accept."""
    return random.randrange(1, 2**31 - MAX_COUNT)


def prediction_seeds(seed: int, count: int) -> list[int]:
    """Each prediction of a generation renders from its own seed, derived so a rerun is identical."""
    return [seed + index for index in range(count)]
