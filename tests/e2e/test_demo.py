"""`make demo` loads its brief through the public API, and the result reads back through it."""

from __future__ import annotations

import httpx
import pytest

from devstack.demo import Demo

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_demo_brief_is_loaded_and_visible(stack, api):
    with httpx.Client(base_url=str(api.base_url), headers=dict(api.headers), timeout=30) as client:
        created = Demo(client).run()
    org = created["organization"]
    assert len(created["shot_types"]) >= 6 and len(created["subjects"]) == 4 and len(created["products"]) >= 30
    assert {s["view_angle"] for s in created["shot_types"]} >= {"FRONT", "BACK", "SIDE"}
    assert all(len(s["base_images"]) == len(created["shot_types"]) for s in created["subjects"])
    assert {p["gender"] for p in created["products"]} == {"MALE", "FEMALE", "UNISEX"}

    shootings = (await api.get("/shootings/", params={"organization_id": org})).json()
    assert [s["id"] for s in shootings["data"]] == [created["shooting"]["id"]]
    guidelines = shootings["data"][0]["default_guidelines"]
    assert len(guidelines["subjects"]) == 4 and len(guidelines["shot_types"]) == len(created["shot_types"])
    main = (await api.get(f"/shootings/{created['shooting']['id']}/main-products", params={"limit": 1000})).json()
    assert main["count"] == len(created["products"])
    products = (await api.get("/products/", params={"organization_id": org, "gender": "FEMALE"})).json()
    assert products["count"] == sum(1 for p in created["products"] if p["gender"] == "FEMALE")
