"""Choosing a look's outfit through the in-process gateway: E18 manual outfit (R108-R110), E19
finalize (R111-R113, A14), R94's computed fields, E15 reusable outfits (R105-R107) and the
/outfits/ overview endpoints (D0.12), with the owner, an organization member and a stranger."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e.brief import DUE, post
from tests.e2e.shots_support import png_data_url
from tests.integration.gateway.conftest import login
from tests.integration.looks.test_outfits import get_look, looks, product, styled

pytestmark = pytest.mark.asyncio(loop_scope="session")
PASSWORD = "outfit-password-123"
# A URL string kept as given, and a MediaInput whose image (here inline) is stored as a media resource.
REFS = ["https://img.example/a.jpg", {"url": png_data_url((10, 20, 30)), "alt_text": "b"}]


async def account(platform) -> dict[str, Any]:
    email = f"o{uuid.uuid4().hex[:10]}@example.com"
    user = await post(platform.http, "/users/", {"email": email, "password": PASSWORD})
    return {"id": user["id"], "headers": await login(platform.http, email, PASSWORD)}


def outfit_url(look_id: str, action: str = "outfit") -> str:
    return f"/shootings/production-requests/{look_id}/{action}"


async def manual(platform, look_id: str, body: dict[str, Any], expect: int = 200, **kwargs: Any) -> dict[str, Any]:
    response = await platform.http.post(outfit_url(look_id), json=body, **kwargs)
    assert response.status_code == expect, response.text
    return response.json()


async def finalize(platform, look_id: str, body: dict[str, Any], expect: int = 200, **kwargs: Any) -> dict[str, Any]:
    response = await platform.http.post(outfit_url(look_id, "finalize-outfit"), json=body, **kwargs)
    assert response.status_code == expect, response.text
    return response.json()


def assert_outfit_is(look: dict[str, Any], outfit_id: str, products: list[str], instruction: str | None) -> None:
    """R94, R108, R112: THE outfit, its id, no proposals, and the computed fields from it."""
    assert look["outfit"]["id"] == look["outfit_id"] == outfit_id
    assert look["outfit_proposals"] == []
    assert look["outfit_product_ids"] == look["outfit"]["outfit_product_ids"] == products
    assert look["outfit_instruction"] == look["outfit"]["outfit_instruction"] == instruction
    assert [p["id"] for p in look["outfit"]["outfit_products"]] == products


async def test_r108_r110_r94_manual_outfit_becomes_the_outfit_and_deletes_proposals(platform):
    skirt = await product(platform, "Skirt", placement="legs")
    belt = await product(platform, "Belt", placement="waist")
    shooting_id, [look] = await looks(platform, [skirt], generate_outfit=True)
    await styled(platform, look["id"], "COMPLETED")
    body = {"outfit_product_ids": [belt], "outfit_instruction": "Tuck in.", "outfit_ref_imgs_urls": REFS}
    answer = await manual(platform, look["id"], body)
    assert_outfit_is(answer, answer["outfit"]["id"], [belt], "Tuck in.")
    # R110: both forms; issue 18: the MediaInput is a media resource and keeps what it described.
    plain, stored = answer["outfit_ref_imgs_urls"]
    assert plain == "https://img.example/a.jpg" and "/api/v1/media/" in stored
    [described] = answer["outfit"]["outfit_ref_images_media"]
    assert described["alt_text"] == "b" and (described["width"], described["height"]) == (48, 72)
    assert answer["outfit"]["generation_status"] is None  # manual, not styled
    again = await get_look(platform, look["id"])  # E17 composes the same (R94)
    assert_outfit_is(again, answer["outfit_id"], [belt], "Tuck in.")
    updated = await platform.http.put(
        f"/shootings/{shooting_id}/production-requests/{look['id']}", json={"readiness": "READY"}
    )
    assert updated.status_code == 200, updated.text
    assert_outfit_is(updated.json(), answer["outfit_id"], [belt], "Tuck in.")  # and so does E13


async def test_r109_instruction_over_10000_characters_is_422(platform):
    _, [look] = await looks(platform, [await product(platform, "Skirt")])
    for action in ("outfit", "finalize-outfit"):
        response = await platform.http.post(outfit_url(look["id"], action), json={"outfit_instruction": "x" * 10_001})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "outfit_instruction"]
    await manual(platform, look["id"], {"outfit_instruction": "x" * 10_000})


async def test_outfit_products_must_be_usable_by_the_look(platform):
    _, [look] = await looks(platform, [await product(platform, "Skirt")])
    stranger = await account(platform)
    theirs = await platform.http.post("/products/", json={"name": "Theirs"}, headers=stranger["headers"])
    response = await platform.http.post(outfit_url(look["id"]), json={"outfit_product_ids": [theirs.json()["id"]]})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "outfit_product_ids"]


@pytest.mark.parametrize(
    "body", [{}, {"outfit_id": None, "outfit_product_ids": None}, {"outfit_id": "X", "outfit_instruction": "both"}]
)
async def test_r111_a14_both_or_neither_is_400(platform, body):
    _, [look] = await looks(platform, [await product(platform, "Skirt")])
    if body.get("outfit_id") == "X":
        body = {**body, "outfit_id": str(uuid.uuid4())}
    await finalize(platform, look["id"], body, expect=400)


async def test_r112_finalizing_a_proposal_makes_it_the_outfit_and_deletes_the_others(platform):
    _, [look] = await looks(platform, [await product(platform, "Skirt", placement="legs")], generate_outfit=True)
    [styled_proposal] = (await styled(platform, look["id"], "COMPLETED"))["outfit_proposals"]
    other = await post(platform.http, "/outfits/", {"production_request_id": look["id"], "outfit_instruction": "B"})
    assert {p["id"] for p in (await get_look(platform, look["id"]))["outfit_proposals"]} == {
        styled_proposal["id"],
        other["id"],
    }
    answer = await finalize(platform, look["id"], {"outfit_id": styled_proposal["id"]})
    assert_outfit_is(
        answer, styled_proposal["id"], styled_proposal["outfit_product_ids"], styled_proposal["outfit_instruction"]
    )
    assert (await platform.http.get(f"/outfits/{other['id']}")).status_code == 404  # deleted


async def test_r111_option_b_creates_the_outfit(platform):
    _, [look] = await looks(platform, [await product(platform, "Skirt")])
    answer = await finalize(platform, look["id"], {"outfit_instruction": "Barefoot.", "outfit_ref_imgs_urls": REFS[:1]})
    assert_outfit_is(answer, answer["outfit"]["id"], [], "Barefoot.")
    assert answer["outfit_ref_imgs_urls"] == [REFS[0]]


async def organization_look(platform) -> tuple[dict[str, Any], dict[str, Any]]:
    """A look of an organization shooting owned by the admin, and a member who is not its owner."""
    organization = await post(platform.http, "/organizations/", {"name": f"Org {uuid.uuid4().hex[:6]}"})
    member = await account(platform)
    await post(platform.http, f"/organizations/{organization['id']}/members", {"user_id": member["id"]})
    scope = {"organization_id": organization["id"]}
    skirt = await post(platform.http, "/products/", {"name": "Org skirt", **scope})
    subject = await post(platform.http, "/subjects/", {"name": "Ola", "gender": "FEMALE", **scope})
    shooting = await post(platform.http, "/shootings/", {"name": "Org", "due_date": DUE, **scope})
    created = await post(
        platform.http,
        f"/shootings/{shooting['id']}/production-requests",
        {"product_ids": [skirt["id"]], "subject_ids": [subject["id"]]},
    )
    return created["production_requests"][0], member


async def test_r113_r11_a20_finalize_errors_and_who_may_act(platform):
    look, member = await organization_look(platform)
    stranger = await account(platform)
    _, [other_look] = await looks(platform, [await product(platform, "Skirt")])
    foreign = (await manual(platform, other_look["id"], {"outfit_instruction": "Theirs."}))["outfit_id"]
    await finalize(platform, look["id"], {"outfit_id": str(uuid.uuid4())}, expect=404)  # unknown outfit
    await finalize(platform, look["id"], {"outfit_id": foreign}, expect=400)  # another look's outfit
    await finalize(platform, str(uuid.uuid4()), {"outfit_instruction": "x"}, expect=404)  # unknown look
    await finalize(platform, look["id"], {"outfit_instruction": "x"}, expect=403, headers=member["headers"])
    await finalize(platform, look["id"], {"outfit_instruction": "x"}, expect=404, headers=stranger["headers"])
    # A20: a member may still set a manual outfit (E18 is not owner-only); a stranger may not see the look.
    answer = await manual(platform, look["id"], {"outfit_instruction": "Member's."}, headers=member["headers"])
    assert answer["outfit_instruction"] == "Member's."
    await manual(platform, look["id"], {"outfit_instruction": "x"}, expect=404, headers=stranger["headers"])


async def reusable(platform, shooting_id: str, look_id: str) -> list[dict[str, Any]]:
    response = await platform.http.get(f"/shootings/{shooting_id}/production-requests/{look_id}/reusable-outfits")
    assert response.status_code == 200, response.text
    return response.json()


async def set_shot_status(platform, look_id: str, status: str) -> None:
    await platform.sql(
        platform.shots_engine, "UPDATE shots SET status = :s WHERE production_request_id = :l", s=status, l=look_id
    )


async def test_r105_r106_r107_reusable_outfits_of_sibling_looks_furthest_along_first(platform):
    shot_type = await post(
        platform.http, "/shot-types/", {"name": "front", "view_angle": "FRONT", "framing": "FULL_BODY"}
    )
    core, p1, p2, p3 = [await product(platform, name) for name in ("Core", "P1", "P2", "P3")]
    shooting_id, [this, early, late, unrelated] = await looks(
        platform, [core, p1, p2, p3], shot_type_ids=[shot_type["id"]]
    )
    for look, products in ((this, [p1]), (early, [core]), (late, [core, p3]), (unrelated, [p1])):
        await manual(platform, look["id"], {"outfit_product_ids": products})
    await post(platform.http, "/outfits/", {"production_request_id": unrelated["id"], "outfit_product_ids": [core]})
    await set_shot_status(platform, late["id"], "REVIEW")
    matches = await reusable(platform, shooting_id, this["id"])
    # R105: only THE outfits (not proposals) of sibling looks, never this look's own; R106: REVIEW first.
    assert [m["source_production_request_id"] for m in matches] == [late["id"], early["id"]]
    assert matches[0]["source_product"]["id"] == p2 and matches[0]["outfit"]["outfit_product_ids"] == [core, p3]
    assert set(matches[0]) == {"source_production_request_id", "source_product", "outfit"}  # R107
    await set_shot_status(platform, early["id"], "APPROVED")
    assert [m["source_production_request_id"] for m in await reusable(platform, shooting_id, this["id"])] == [
        early["id"],
        late["id"],
    ]


async def test_outfits_overview_endpoints_are_scoped_like_their_looks(platform):
    shooting_id, [look] = await looks(platform, [await product(platform, "Skirt")])
    stranger = await account(platform)
    created = await post(platform.http, "/outfits/", {"production_request_id": look["id"], "outfit_instruction": "P"})
    assert created["production_request_id"] == look["id"] and created["generation_status"] is None
    fetched = await platform.http.get(f"/outfits/{created['id']}")
    assert fetched.status_code == 200 and fetched.json() == created
    assert (await platform.http.get(f"/outfits/{created['id']}", headers=stranger["headers"])).status_code == 404
    listed = (await platform.http.get("/outfits/", params={"shooting_id": shooting_id})).json()
    assert listed["count"] == 1 and [o["id"] for o in listed["data"]] == [created["id"]]
    theirs = (
        await platform.http.get("/outfits/", params={"shooting_id": shooting_id}, headers=stranger["headers"])
    ).json()
    assert theirs == {"data": [], "count": 0}
    response = await platform.http.post("/outfits/", json={"production_request_id": str(uuid.uuid4())})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "production_request_id"]
    proposals = (await get_look(platform, look["id"]))["outfit_proposals"]
    assert [p["id"] for p in proposals] == [created["id"]]  # a proposal, not THE outfit
