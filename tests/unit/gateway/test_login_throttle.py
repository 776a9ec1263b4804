"""The window arithmetic of login throttling and the account key (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.login_throttle import account_key, wait_seconds

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


def minutes_ago(*minutes: float) -> list[datetime]:
    return [NOW - timedelta(minutes=m) for m in minutes]


def test_fewer_attempts_than_the_limit_may_go_on() -> None:
    assert wait_seconds(minutes_ago(1, 2, 3), limit=4, window=WINDOW, now=NOW) is None
    assert wait_seconds([], limit=1, window=WINDOW, now=NOW) is None


def test_at_the_limit_the_wait_lasts_until_the_oldest_leaves_the_window() -> None:
    # 4 attempts, limit 4: the one 14 minutes ago leaves in 60 s, then 3 remain.
    assert wait_seconds(minutes_ago(14, 10, 5, 1), limit=4, window=WINDOW, now=NOW) == 60


def test_beyond_the_limit_enough_must_leave() -> None:
    # 5 attempts, limit 3: one more may go when 2 remain, so the three oldest must leave; the
    # last of them (12 minutes ago) leaves in 180 s.
    assert wait_seconds(minutes_ago(14, 13, 12, 2, 1), limit=3, window=WINDOW, now=NOW) == 180


def test_attempts_outside_the_window_do_not_count() -> None:
    assert wait_seconds(minutes_ago(16, 20, 30, 1), limit=2, window=WINDOW, now=NOW) is None


def test_the_wait_is_at_least_a_second() -> None:
    assert wait_seconds([NOW - WINDOW + timedelta(milliseconds=1)], limit=1, window=WINDOW, now=NOW) == 1


def test_the_account_is_the_login_name_trimmed_and_lower_cased() -> None:
    assert account_key("  Anna@Example.COM ") == "anna@example.com"
    assert len(account_key("x" * 1000)) == 255
