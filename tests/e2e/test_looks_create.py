"""Creating looks end to end (E8 and POST /shootings/{id}/looks): RULES 2.6 and A17, A40, A49, A50."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.brief import Brief, post, templates_across_organizations
from tests.e2e.test_shootings import error_locs

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def brief(new_user) -> Brief:
    user = await new_user()
    return await Brief(user.client).build()


def pairs(response) -> set[tuple[str, str]]:
    return {(look["product_id"], look["subject_id"]) for look in response.json()["production_requests"]}


async def test_r63_r64_r65_gender_compatible_matrix(brief):
    shooting = await brief.shooting()
    response = await brief.looks(
        shooting["id"], product_ids=list(brief.products.values()), subject_ids=list(brief.subjects.values())
    )
    p, s = brief.products, brief.subjects
    expected = {(p["dress"], s["anna"]), (p["dress"], s["bea"]), (p["shirt"], s["carl"])}
    expected |= {(p[u], s[x]) for u in ("scarf", "tee") for x in s}  # UNISEX pairs with everyone (A40)
    assert pairs(response) == expected


@pytest.mark.parametrize(
    ("preference", "subjects"),
    [("MALE", {"carl"}), ("FEMALE", {"anna", "bea"}), ("UNISEX", {"anna", "bea", "carl", "omi"})],
)
async def test_r65_unisex_gender_preference(brief, preference, subjects):
    shooting = await brief.shooting()
    response = await brief.looks(
        shooting["id"],
        product_ids=[brief.products["scarf"]],
        subject_ids=list(brief.subjects.values()),
        unisex_gender_preference=preference,
    )
    assert {s for _, s in pairs(response)} == {brief.subjects[n] for n in subjects}


async def test_r62_r77_looks_land_in_main_with_one_pending_shot_per_shot_type(brief):
    shooting = await brief.shooting()
    response = await brief.looks(
        shooting["id"],
        product_ids=[brief.products["dress"]],
        subject_ids=[brief.subjects["anna"]],
        shot_type_ids=list(brief.shot_types.values()),
    )
    [look] = response.json()["production_requests"]
    assert look["shooting_id"] == shooting["id"]
    assert {shot["shot_type"]["id"] for shot in look["shots"]} == set(brief.shot_types.values())  # back views too
    assert {shot["status"] for shot in look["shots"]} == {"PENDING"}
    assert look["readiness"] == "DRAFT" and look["shot_status"] == "PENDING"  # R76
    assert look["product_name"].startswith("Dress") and look["subject_name"] == "anna"
    assert look["product_sku"].startswith("SKU-dress")
    assert (
        look["outfit_ref_imgs_urls"] == [] and look["outfit_product_ids"] == [] and look["outfit_instruction"] is None
    )
    productions = (await brief.client.get(f"/shootings/{shooting['id']}/productions")).json()["data"]
    assert [p["kind"] for p in productions] == ["MAIN"]


async def test_r62_a17_a_test_production_or_409_without_main(brief):
    shooting = await brief.shooting(phase="BRIEF")
    body = {"product_ids": [brief.products["dress"]], "subject_ids": [brief.subjects["anna"]]}
    response = await brief.client.post(f"/shootings/{shooting['id']}/production-requests", json=body)
    assert response.status_code == 409
    test_run = await post(brief.client, f"/shootings/{shooting['id']}/productions", {"kind": "TEST"})
    created = await brief.looks(shooting["id"], production_id=test_run["id"], **body)
    assert len(created.json()["production_requests"]) == 1
    other = await brief.shooting()
    main = (await brief.client.get(f"/shootings/{other['id']}/productions")).json()["data"][0]
    assert ("body", "production_id") in error_locs(
        await brief.client.post(
            f"/shootings/{shooting['id']}/production-requests", json={**body, "production_id": main["id"]}
        )
    )


async def test_r66_a50_configs_win_over_ids_and_filters_resolve_through_the_catalog(brief):
    shooting = await brief.shooting()
    style = await post(brief.client, "/styles/", {"name": "Editorial", **brief.scope})
    response = await brief.looks(
        shooting["id"],
        product_outfit_configs=[
            {"product_id": brief.products["shirt"], "style_id": style["id"], "width": 800, "height": 1200}
        ],
        product_ids=[brief.products["dress"]],
        subject_ids=[brief.subjects["carl"], brief.subjects["anna"]],
    )
    [look] = response.json()["production_requests"]
    assert look["product_id"] == brief.products["shirt"] and look["style_id"] == style["id"]
    assert (look["width"], look["height"]) == (800, 1200)
    filtered = await brief.looks(
        shooting["id"],
        product_filters={"product_type": "dress", **brief.scope},
        subject_ids=[brief.subjects["anna"]],
    )
    assert {look["product_id"] for look in filtered.json()["production_requests"]} == {brief.products["dress"]}
    assert ("body", "product_filters", "sort_by") in error_locs(
        await brief.client.post(
            f"/shootings/{shooting['id']}/production-requests",
            json={"product_filters": {"sort_by": "nonsense"}, "subject_ids": [brief.subjects["anna"]]},
        )
    )
    none = await brief.looks(shooting["id"], subject_ids=[brief.subjects["anna"]])
    assert none.json()["production_requests"] == []


async def test_r70_r71_r75_a49_overrides_and_guidelines_snapshot(brief):
    pose = await post(
        brief.client, "/pose-presets/", {"name": "Walk", "shot_type_id": brief.shot_types["front"], **brief.scope}
    )
    other_pose = await post(
        brief.client, "/pose-presets/", {"name": "Sit", "shot_type_id": brief.shot_types["front"], **brief.scope}
    )
    design = await post(brief.client, "/set-designs/", {"name": "Loft", **brief.scope})
    shooting = await brief.shooting(
        default_guidelines={"name": "G", "pose_preset_ids": [pose["id"]], "set_design_id": design["id"]}
    )
    body = {
        "product_ids": [brief.products["dress"]],
        "subject_ids": [brief.subjects["anna"]],
        "default_instructions": "soft light",
    }
    [inherited] = (await brief.looks(shooting["id"], **body)).json()["production_requests"]
    assert [p["id"] for p in inherited["pose_presets"]] == [pose["id"]]
    assert inherited["set_design_id"] == design["id"] and inherited["set_design"]["name"] == "Loft"
    [overridden] = (
        await brief.looks(shooting["id"], pose_preset_ids=[other_pose["id"]], set_design_id=None, **body)
    ).json()["production_requests"]
    assert [p["id"] for p in overridden["pose_presets"]] == [other_pose["id"]]


async def test_r72_r74_templates_cross_org_and_mannequin_exclusivity(new_user):
    user = await new_user()
    brief, own, foreign = await templates_across_organizations(user.client)
    shooting = await brief.shooting()
    body = {"product_ids": [brief.products["dress"]], "subject_ids": [brief.subjects["anna"]]}
    assert ("body", "generative_workflow_template_id") in error_locs(
        await user.client.post(
            f"/shootings/{shooting['id']}/production-requests",
            json={**body, "generative_workflow_template_id": foreign},
        )
    )
    response = await user.client.post(
        f"/shootings/{shooting['id']}/production-requests",
        json={**body, "generative_workflow_template_id": own, "use_subject_mannequin_double": True},
    )
    assert response.status_code == 422
    [look] = (await brief.looks(shooting["id"], generative_workflow_template_id=own, **body)).json()[
        "production_requests"
    ]
    assert look["generative_workflow_template_id"] == own and look["use_subject_mannequin_double"] is None
    [forced] = (await brief.looks(shooting["id"], use_subject_mannequin_double=False, **body)).json()[
        "production_requests"
    ]
    assert forced["use_subject_mannequin_double"] is False  # R73 tri-state stored


async def test_r76_readiness_and_r78_bad_ids(brief):
    shooting = await brief.shooting()
    body = {"product_ids": [brief.products["dress"]], "subject_ids": [brief.subjects["anna"]]}
    [ready] = (await brief.looks(shooting["id"], readiness="READY", **body)).json()["production_requests"]
    assert ready["readiness"] == "READY" and ready["shot_status"] is None
    assert ("body", "subject_ids", 0) in error_locs(
        await brief.client.post(f"/shootings/{shooting['id']}/production-requests", json={"subject_ids": ["nope"]})
    )
    assert ("body", "product_ids") in error_locs(
        await brief.client.post(
            f"/shootings/{shooting['id']}/production-requests", json={**body, "product_ids": [str(uuid.uuid4())]}
        )
    )


async def test_one_look_overview_endpoint(brief):
    shooting = await brief.shooting()
    response = await brief.client.post(
        f"/shootings/{shooting['id']}/looks",
        json={
            "main_product_id": brief.products["shirt"],
            "subject_id": brief.subjects["carl"],
            "shot_type_ids": [brief.shot_types["front"]],
        },
    )
    assert response.status_code == 200, response.text
    look = response.json()
    assert look["product_id"] == brief.products["shirt"] and len(look["shots"]) == 1
    mismatch = await brief.client.post(
        f"/shootings/{shooting['id']}/looks",
        json={"main_product_id": brief.products["shirt"], "subject_id": brief.subjects["anna"]},
    )
    assert ("body", "subject_id") in error_locs(mismatch)


async def test_creation_is_visible_only_to_those_who_see_the_shooting(brief, new_user):
    shooting = await brief.shooting()
    stranger = await new_user()
    response = await stranger.client.post(
        f"/shootings/{shooting['id']}/production-requests",
        json={"product_ids": [brief.products["dress"]], "subject_ids": [brief.subjects["anna"]]},
    )
    assert response.status_code == 404


async def test_r68_r69_base_image_generations_are_created_and_returned_at_once(brief):
    """One generation per new shot whose shot type the subject has a base image for; back views
    are skipped (R115-R116); records come back immediately and render in the worker."""
    image = (
        "data:image/png;base64,"
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
    )
    subject = await post(
        brief.client,
        "/subjects/",
        {
            "name": "dana",
            "gender": "FEMALE",
            "base_images": [
                {"shot_type_id": brief.shot_types["front"], "image_url": image},
                {"shot_type_id": brief.shot_types["back"], "image_url": image},
            ],
            **brief.scope,
        },
    )
    shooting = await brief.shooting()
    response = await brief.looks(
        shooting["id"],
        product_ids=[brief.products["dress"]],
        subject_ids=[subject["id"]],
        shot_type_ids=list(brief.shot_types.values()),
        generate_base_images=True,
    )
    body = response.json()
    [look] = body["production_requests"]
    front = next(s["id"] for s in look["shots"] if s["shot_type"]["id"] == brief.shot_types["front"])
    assert body["total_generations_created"] == 1
    assert [(g["shot_id"], g["production_request_id"]) for g in body["generation_results"]] == [(front, look["id"])]
    generation = (await brief.client.get(f"/generations/{body['generation_results'][0]['generation_id']}")).json()
    assert generation["shot_id"] == front and generation["status"] in {"PENDING", "PROCESSING", "COMPLETED"}
