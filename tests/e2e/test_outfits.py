"""Outfits end to end, every process behind Envoy, the styling worker on its own with the default
`rules` stylist: E8's generate_outfit and product_outfit_configs (R67, R114), E19 (R112)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tests.e2e.brief import Brief

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def brief(new_user) -> Brief:
    user = await new_user()
    return await Brief(user.client).build()


async def look_when(brief: Brief, look_id: str, accept, within: float = 30.0) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The look once ``accept`` holds for it (polled; fails with the last answer after ``within`` s)."""
    deadline = time.monotonic() + within
    while True:
        response = await brief.client.get(f"/shootings/production-requests/{look_id}")
        assert response.status_code == 200, response.text
        if accept(response.json()):
            return response.json()
        assert time.monotonic() < deadline, f"not reached within {within}s: {response.json()}"
        await asyncio.sleep(0.1)


async def test_r67_r114_rules_stylist_completes_a_proposal_with_complementary_products(brief):
    shooting = await brief.shooting()
    created = await brief.looks(
        shooting["id"],
        product_ids=[brief.products["dress"]],
        subject_ids=[brief.subjects["anna"]],
        generate_outfit=True,
    )
    [look] = created.json()["production_requests"]
    styled = await look_when(
        brief, look["id"], lambda x: [p["generation_status"] for p in x["outfit_proposals"]] == ["COMPLETED"]
    )
    [proposal] = styled["outfit_proposals"]
    # FEMALE subject: the UNISEX scarf and tee (other product types than the dress), not the MALE shirt.
    assert proposal["outfit_product_ids"] == [brief.products["scarf"], brief.products["tee"]]
    assert proposal["outfit_instruction"].startswith("Style Dress") and proposal["retry_count"] == 0
    final = await brief.client.post(
        f"/shootings/production-requests/{look['id']}/finalize-outfit", json={"outfit_id": proposal["id"]}
    )
    assert final.status_code == 200, final.text
    assert final.json()["outfit_id"] == proposal["id"] and final.json()["outfit_proposals"] == []  # R112
    assert final.json()["outfit_product_ids"] == proposal["outfit_product_ids"]


async def test_an_outfit_given_at_creation_becomes_the_outfit(brief):
    shooting = await brief.shooting()
    config = {
        "product_id": brief.products["shirt"],
        "outfit_instruction": "Open collar.",
        "outfit_product_ids": [brief.products["tee"]],
        "outfit_ref_imgs_urls": ["https://img.example/ref.jpg"],
    }
    created = await brief.looks(shooting["id"], product_outfit_configs=[config], subject_ids=[brief.subjects["carl"]])
    [look] = created.json()["production_requests"]
    shown = await look_when(brief, look["id"], lambda x: x["outfit"] is not None)
    assert shown["outfit_id"] == shown["outfit"]["id"] and shown["outfit_proposals"] == []
    assert shown["outfit_instruction"] == "Open collar." and shown["outfit_product_ids"] == [brief.products["tee"]]
    assert shown["outfit_ref_imgs_urls"] == ["https://img.example/ref.jpg"]


async def test_the_summary_and_the_look_show_one_outfit_status(brief):
    """Issue 18: a look whose outfit nobody styled (a manual one) reads ``generation_status`` null
    in full and ``outfit_generation_status`` null in the summary; a styled one COMPLETED in both."""
    shooting = await brief.shooting()
    created = await brief.looks(
        shooting["id"],
        product_ids=[brief.products["dress"], brief.products["scarf"]],
        subject_ids=[brief.subjects["anna"]],
        generate_outfit=True,
    )
    looks = {look["product_id"]: look for look in created.json()["production_requests"]}
    styled, manual = looks[brief.products["dress"]], looks[brief.products["scarf"]]
    # The manual choice replaces the look's proposals (R108): choose once the one the look's
    # creation asked for exists, or it would be styled beside the manual outfit afterwards.
    await look_when(brief, manual["id"], lambda x: len(x["outfit_proposals"]) == 1)
    chosen = await brief.client.post(
        f"/shootings/production-requests/{manual['id']}/outfit", json={"outfit_product_ids": [brief.products["tee"]]}
    )
    assert chosen.status_code == 200 and chosen.json()["outfit"]["generation_status"] is None, chosen.text
    done = await look_when(
        brief, styled["id"], lambda x: [p["generation_status"] for p in x["outfit_proposals"]] == ["COMPLETED"]
    )
    final = await brief.client.post(
        f"/shootings/production-requests/{styled['id']}/finalize-outfit",
        json={"outfit_id": done["outfit_proposals"][0]["id"]},
    )
    assert final.status_code == 200, final.text
    summary = (await brief.client.get(f"/shootings/{shooting['id']}/production-requests-summary")).json()
    for look in summary["data"]:
        full = (await brief.client.get(f"/shootings/production-requests/{look['id']}")).json()
        assert look["outfit_generation_status"] == full["outfit"]["generation_status"], (look, full["outfit"])
    assert {look["id"]: look["outfit_generation_status"] for look in summary["data"]} == {
        manual["id"]: None,
        styled["id"]: "COMPLETED",
    }
