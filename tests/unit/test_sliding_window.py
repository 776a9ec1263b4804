"""Weighted budgets over a sliding window (generation quotas count images)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from platformkit.sliding_window import seconds_until_room

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def spent(*pairs: tuple[float, int]) -> list[tuple[datetime, int]]:
    """(minutes ago, weight) pairs."""
    return [(NOW - timedelta(minutes=m), w) for m, w in pairs]


def test_what_fits_under_the_limit_waits_for_nothing() -> None:
    assert seconds_until_room(spent((50, 4), (10, 3)), needed=3, limit=10, window=HOUR, now=NOW) is None


def test_over_the_limit_the_wait_is_until_enough_weight_leaves() -> None:
    # 7 of 10 spent; 6 more need 3 to leave: the 4 spent 50 minutes ago leaves in 10 minutes.
    assert seconds_until_room(spent((50, 4), (10, 3)), needed=6, limit=10, window=HOUR, now=NOW) == 600
    # 9 more need all 7 gone: the last of them leaves in 50 minutes.
    assert seconds_until_room(spent((50, 4), (10, 3)), needed=9, limit=10, window=HOUR, now=NOW) == 3000


def test_spending_older_than_the_window_is_forgotten() -> None:
    assert seconds_until_room(spent((61, 10), (120, 10)), needed=10, limit=10, window=HOUR, now=NOW) is None


def test_a_request_larger_than_the_whole_budget_waits_the_whole_window() -> None:
    assert seconds_until_room([], needed=11, limit=10, window=HOUR, now=NOW) == 3600
