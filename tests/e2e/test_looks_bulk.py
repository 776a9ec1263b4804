"""E8 at scale: the benchmark's workload (scenario 4 of `make bench`, bench/scenarios/looks.py), run untimed,
creates 1,000 looks with 3,000 shots in one request and answers every one of them (R63, R77)."""

from __future__ import annotations

import pytest

from bench.workloads import build_bulk_brief

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_r63_r77_one_request_creates_1000_looks_with_3000_shots(new_user):
    user = await new_user()
    brief = await build_bulk_brief(user.client, products=50, subjects=20, shot_types=3)
    assert (brief.expected_looks, brief.expected_shots) == (1_000, 3_000)
    response = await user.client.post(
        f"/shootings/{brief.shooting_id}/production-requests", json=brief.creation_body(), timeout=300
    )
    assert response.status_code == 200, response.text[:2000]
    looks = response.json()["production_requests"]
    assert len(looks) == 1_000
    assert {(look["product_id"], look["subject_id"]) for look in looks} == {
        (p, s) for p in brief.product_ids for s in brief.subject_ids
    }
    shots = [shot for look in looks for shot in look["shots"]]
    assert len({shot["id"] for shot in shots}) == 3_000
    assert all(sorted(s["shot_type"]["id"] for s in look["shots"]) == sorted(brief.shot_type_ids) for look in looks)
    shooting = (await user.client.get(f"/shootings/{brief.shooting_id}")).json()
    assert (shooting["status"], shooting["shot_status"]) == ("DRAFT", "PENDING")
