"""The request key each call of a keyed public request carries (platformkit.call_rewrites)."""

from __future__ import annotations

from platformkit.call_rewrites import ServedRequest


def test_calls_are_numbered_per_method_and_a_retry_numbers_them_alike() -> None:
    def keys_of(calls: list[str]) -> list[str]:
        served = ServedRequest("k")
        return [served.next_call_key(method) for method in calls]

    calls = ["/looks/CreateLooks", "/looks/CreateLooks", "/shots/StartGenerations", "/looks/CreateLooks"]
    assert keys_of(calls) == ["k/0", "k/1", "k/0", "k/2"]
    assert keys_of(calls) == keys_of(calls)
