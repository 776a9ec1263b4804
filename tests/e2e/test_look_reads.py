"""Reading single looks and the summaries end to end: E12, E17 (R92-R94), E11 (R91, A42), E3
(R6, R34-R36, A41), the organization scope of every look read (R8, R9) and soft-deleted looks
(R95)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.brief import Brief, post
from tests.e2e.test_shootings import error_locs

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def brief(new_user) -> Brief:
    user = await new_user()
    return await Brief(user.client).build()


async def make_looks(brief: Brief, shooting_id: str, product: str, subjects: list[str], **body: Any) -> list[dict]:
    created = await brief.looks(
        shooting_id,
        product_ids=[brief.products[product]],
        subject_ids=[brief.subjects[s] for s in subjects],
        **body,
    )
    return created.json()["production_requests"]


def look_reads(shooting_id: str, look_id: str) -> list[str]:
    """Every read that shows a look or counts it (E9, E10, E11, E12, E17)."""
    return [
        f"/shootings/{shooting_id}/production-requests",
        f"/shootings/{shooting_id}/production-requests-summary",
        f"/shootings/{shooting_id}/draft-summary",
        f"/shootings/{shooting_id}/production-requests/{look_id}",
        f"/shootings/production-requests/{look_id}",
    ]


async def status_codes(client: httpx.AsyncClient, paths: list[str], **params: Any) -> list[int]:
    return [(await client.get(path, params=params)).status_code for path in paths]


async def test_r92_r93_e12_reads_a_look_of_its_shooting_only(brief):
    pose = await post(brief.client, "/pose-presets/", {"name": "Lean", "shot_type_id": brief.shot_types["front"]})
    shooting = await brief.shooting(default_guidelines={"name": "G", "pose_preset_ids": [pose["id"]]})
    [look] = await make_looks(
        brief, shooting["id"], "dress", ["anna"], shot_type_ids=[brief.shot_types["front"], brief.shot_types["back"]]
    )
    response = await brief.client.get(f"/shootings/{shooting['id']}/production-requests/{look['id']}")
    assert response.status_code == 200, response.text
    read = response.json()
    assert read["id"] == look["id"] and read["shooting_id"] == shooting["id"]
    assert {shot["shot_type"]["name"] for shot in read["shots"]} == {"front", "back"}
    assert [p["name"] for p in read["pose_presets"]] == ["Lean"] and read["subject_name"] == "anna"
    assert read["outfit_ref_imgs_urls"] == [] and read["outfit_instruction"] is None  # R94
    assert read == {**look, "updated_at": read["updated_at"]}  # the same look creation answered
    other = await brief.shooting()
    assert (await brief.client.get(f"/shootings/{other['id']}/production-requests/{look['id']}")).status_code == 404
    missing = f"/shootings/{shooting['id']}/production-requests/{uuid.uuid4()}"
    assert (await brief.client.get(missing)).status_code == 404
    bad = await brief.client.get(f"/shootings/{shooting['id']}/production-requests/nope")
    assert ("path", "production_request_id") in error_locs(bad)


async def test_r93_e17_reads_a_look_by_its_id_alone(brief):
    shooting = await brief.shooting()
    [look] = await make_looks(brief, shooting["id"], "shirt", ["carl"], shot_type_ids=[brief.shot_types["detail"]])
    by_id = await brief.client.get(f"/shootings/production-requests/{look['id']}")
    in_shooting = await brief.client.get(f"/shootings/{shooting['id']}/production-requests/{look['id']}")
    assert by_id.status_code == 200 and by_id.json() == in_shooting.json()
    assert (await brief.client.get(f"/shootings/production-requests/{uuid.uuid4()}")).status_code == 404
    # A38: literal paths win; a word where an id belongs is a 422, never another route.
    assert ("path", "production_request_id") in error_locs(
        await brief.client.get("/shootings/production-requests/header")
    )


async def test_r91_a42_draft_summary_counts_live_draft_looks(brief):
    shooting = await brief.shooting()
    drafts = await make_looks(brief, shooting["id"], "dress", ["anna", "bea"])
    await make_looks(brief, shooting["id"], "tee", ["carl"], readiness="READY")
    path = f"/shootings/{shooting['id']}/draft-summary"
    assert (await brief.client.get(path)).json() == {"total_draft_production_requests": 2, "generating_count": 0}
    look_path = f"/shootings/{shooting['id']}/production-requests/{drafts[0]['id']}"
    assert (await brief.client.put(look_path, json={"readiness": "READY"})).status_code == 200
    assert (await brief.client.get(path)).json()["total_draft_production_requests"] == 1
    second = f"/shootings/{shooting['id']}/production-requests/{drafts[1]['id']}"
    assert (await brief.client.delete(second)).status_code == 200
    assert (await brief.client.get(path)).json()["total_draft_production_requests"] == 0
    assert (await brief.client.get(f"/shootings/{uuid.uuid4()}/draft-summary")).status_code == 404


async def test_r95_a_deleted_look_vanishes_from_every_read(brief):
    shooting = await brief.shooting()
    gone, kept = await make_looks(brief, shooting["id"], "scarf", ["anna", "carl"])
    assert (
        await brief.client.delete(f"/shootings/{shooting['id']}/production-requests/{gone['id']}")
    ).status_code == 200
    paths = look_reads(shooting["id"], gone["id"])
    for path in paths[:2]:
        body = (await brief.client.get(path)).json()
        assert body["count"] == 1 and [look["id"] for look in body["data"]] == [kept["id"]]
    assert (await brief.client.get(paths[2])).json()["total_draft_production_requests"] == 1
    assert await status_codes(brief.client, paths[3:]) == [404, 404]
    summary = (await brief.client.get("/shootings/summary", params={"shooting_id": shooting["id"]})).json()
    assert summary["total_production_requests"] == 1


async def test_r8_r9_every_look_read_is_scoped_like_the_shooting(new_user):
    owner, member, outsider = await new_user(), await new_user(), await new_user()
    home = await post(owner.client, "/organizations/", {"name": "Home"})
    elsewhere = await post(owner.client, "/organizations/", {"name": "Elsewhere"})
    foreign = await post(outsider.client, "/organizations/", {"name": "Foreign"})
    await post(owner.client, f"/organizations/{home['id']}/members", {"user_id": member.id})
    brief = await Brief(owner.client, organization_id=home["id"]).build()
    shooting = await brief.shooting()
    [look] = await make_looks(brief, shooting["id"], "dress", ["anna"])
    paths = look_reads(shooting["id"], look["id"])
    for client in (owner.client, member.client):  # membership is resolved without organization_id
        assert await status_codes(client, paths) == [200] * 5
        assert await status_codes(client, paths, organization_id=home["id"]) == [200] * 5
    assert await status_codes(owner.client, paths, organization_id=elsewhere["id"]) == [404] * 5  # not in it
    assert await status_codes(owner.client, paths, organization_id=foreign["id"]) == [403] * 5  # not a member
    assert await status_codes(outsider.client, paths) == [404] * 5
    assert await status_codes(outsider.client, paths, organization_id=home["id"]) == [403] * 5


async def test_r6_r34_r35_a41_shooting_summary_of_the_personal_scope(new_user):
    user = await new_user()
    brief = await Brief(user.client).build()
    assert (await user.client.get("/shootings/summary")).json() == {
        "total_products": 0,
        "total_production_requests": 0,
        "status_breakdown": [],
    }
    first, second = await brief.shooting(), await brief.shooting()
    await make_looks(brief, first["id"], "dress", ["anna"])  # DRAFT
    await make_looks(brief, first["id"], "scarf", ["anna"], readiness="READY")  # READY (no shots)
    await make_looks(brief, first["id"], "tee", ["bea"], readiness="READY", shot_type_ids=[brief.shot_types["front"]])
    await make_looks(brief, second["id"], "dress", ["bea"])  # the same product again
    summary = (await user.client.get("/shootings/summary")).json()
    assert summary == {
        "total_products": 3,  # distinct core products (A41)
        "total_production_requests": 4,
        "status_breakdown": [
            {"status": "DRAFT", "count": 2},
            {"status": "READY", "count": 1},
            {"status": "PENDING", "count": 1},
        ],
    }
    narrowed = (await user.client.get("/shootings/summary", params={"shooting_id": second["id"]})).json()
    assert narrowed == {
        "total_products": 1,
        "total_production_requests": 1,
        "status_breakdown": [{"status": "DRAFT", "count": 1}],
    }
    assert (await user.client.delete(f"/shootings/{second['id']}")).status_code == 200
    assert (await user.client.get("/shootings/summary")).json()["total_production_requests"] == 3
    assert ("query", "shooting_id") in error_locs(await user.client.get("/shootings/summary?shooting_id=nope"))


async def test_r6_r36_shooting_summary_of_an_organization(new_user):
    user, stranger = await new_user(), await new_user()
    org = await post(user.client, "/organizations/", {"name": "Brand"})
    other_org = await post(user.client, "/organizations/", {"name": "Other"})
    personal = await Brief(user.client).build()
    personal_shooting = await personal.shooting()
    await make_looks(personal, personal_shooting["id"], "dress", ["anna"])
    brand = await Brief(user.client, organization_id=org["id"]).build()
    brand_shooting = await brand.shooting()
    await make_looks(brand, brand_shooting["id"], "shirt", ["carl"], readiness="READY")

    def read(client: httpx.AsyncClient = user.client, **params: Any):
        return client.get("/shootings/summary", params=params)

    mine = (await read()).json()
    assert mine["total_production_requests"] == 1 and mine["status_breakdown"] == [{"status": "DRAFT", "count": 1}]
    theirs = (await read(organization_id=org["id"])).json()
    assert theirs == {
        "total_products": 1,
        "total_production_requests": 1,
        "status_breakdown": [{"status": "READY", "count": 1}],
    }
    assert (await read(organization_id=org["id"], shooting_id=brand_shooting["id"])).json() == theirs
    assert (await read(organization_id=other_org["id"], shooting_id=brand_shooting["id"])).status_code == 404
    assert (await read(organization_id=org["id"], shooting_id=personal_shooting["id"])).status_code == 404
    assert (await read(stranger.client, organization_id=org["id"])).status_code == 403
    assert (await read(stranger.client, shooting_id=brand_shooting["id"])).status_code == 404
    assert (await read(shooting_id=str(uuid.uuid4()))).status_code == 404
