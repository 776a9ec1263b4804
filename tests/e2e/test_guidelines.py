"""Guidelines templates end to end (/guidelines/, and as shootings use them: R21-R22, R27-R28, R42)."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.test_shootings import DUE, create, error_locs, organization

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_r28_create_with_rule_groups_then_read_list_and_delete(new_user):
    user = await new_user()
    created = await user.client.post(
        "/guidelines/",
        json={
            "name": "Knitwear brief",
            "auto_start_look_generations": True,
            "shot_type_rules": [
                {"rule_kind": "product_type", "rule_value": "knit"},
                {"rule_kind": "gender", "rule_value": "MALE"},
            ],
        },
    )
    assert created.status_code == 200, created.text
    template = created.json()
    assert template["owner_id"] == user.id and template["organization_id"] is None
    assert [(r["rule_kind"], r["rule_value"]) for r in template["shot_type_rules"]] == [
        ("product_type", "knit"),
        ("gender", "MALE"),
    ]
    assert (await user.client.get(f"/guidelines/{template['id']}")).json() == template
    listed = (await user.client.get("/guidelines/")).json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == template["id"]

    assert (await user.client.delete(f"/guidelines/{template['id']}")).status_code == 200
    assert (await user.client.get(f"/guidelines/{template['id']}")).status_code == 404
    assert (await user.client.get("/guidelines/")).json()["count"] == 0


async def test_patch_is_partial_and_rule_groups_are_replaced(api):
    template = (
        await api.post(
            "/guidelines/", json={"name": "Before", "shot_type_rules": [{"rule_kind": "a", "rule_value": "1"}]}
        )
    ).json()
    patched = await api.patch(f"/guidelines/{template['id']}", json={"name": "After", "shot_type_rules": []})
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["name"] == "After" and body["shot_type_rules"] == []
    assert body["updated_at"] >= template["updated_at"]
    unchanged = (await api.patch(f"/guidelines/{template['id']}", json={"auto_start_look_generations": True})).json()
    assert unchanged["name"] == "After" and unchanged["auto_start_look_generations"] is True
    assert ("body", "name") in error_locs(await api.patch(f"/guidelines/{template['id']}", json={"name": None}))
    # The owner is fixed at creation: an owner_id in a patch is not a field of the update.
    kept = await api.patch(f"/guidelines/{template['id']}", json={"owner_id": str(uuid.uuid4())})
    assert kept.status_code == 200 and kept.json()["owner_id"] == template["owner_id"]


async def test_organization_scoping_and_visibility(new_user):
    owner, member, stranger = await new_user(), await new_user(), await new_user()
    org = await organization(owner.client, member)
    template = (await owner.client.post("/guidelines/", json={"name": "Org brief", "organization_id": org})).json()
    assert template["organization_id"] == org
    listed = (await member.client.get("/guidelines/", params={"organization_id": org})).json()
    assert [t["id"] for t in listed["data"]] == [template["id"]]
    assert (await member.client.get("/guidelines/")).json()["count"] == 0  # personal list
    assert (await stranger.client.get(f"/guidelines/{template['id']}")).status_code == 404
    assert (await stranger.client.get("/guidelines/", params={"organization_id": org})).status_code == 403
    assert (await stranger.client.patch(f"/guidelines/{template['id']}", json={"name": "x"})).status_code == 404
    # Members edit organization templates.
    assert (await member.client.patch(f"/guidelines/{template['id']}", json={"name": "Edited"})).status_code == 200


async def test_r27_a_template_of_another_organization_cannot_be_used(new_user):
    user = await new_user()
    first, second = await organization(user.client), await organization(user.client)
    template = (await user.client.post("/guidelines/", json={"name": "First's", "organization_id": first})).json()
    response = await user.client.post(
        "/shootings/",
        json={"name": "x", "due_date": DUE, "organization_id": second, "default_guidelines_id": template["id"]},
    )
    assert ("body", "default_guidelines_id") in error_locs(response)
    same_org = await create(user.client, organization_id=first, default_guidelines_id=template["id"])
    assert same_org["default_guidelines"]["id"] == template["id"]
    shooting = await create(user.client, organization_id=first)
    moved = await user.client.put(f"/shootings/{shooting['id']}", json={"default_guidelines_id": template["id"]})
    assert moved.status_code == 200 and moved.json()["default_guidelines_id"] == template["id"]
    foreign = await user.client.put(
        f"/shootings/{shooting['id']}", json={"organization_id": second, "default_guidelines_id": template["id"]}
    )
    assert ("body", "default_guidelines_id") in error_locs(foreign)


async def test_unresolvable_references_are_422_at_their_field(api):
    response = await api.post(
        "/guidelines/",
        json={"name": "g", "subject_ids": [str(uuid.uuid4())], "export_configuration_id": str(uuid.uuid4())},
    )
    locs = error_locs(response)
    assert ("body", "subject_ids") in locs and ("body", "export_configuration_id") in locs


async def test_stylist_is_an_active_user_and_shows_in_the_header(api, new_user):
    stylist = await new_user(full_name="Ada Stylist")
    assert ("body", "stylist_id") in error_locs(
        await api.post("/guidelines/", json={"name": "g", "stylist_id": str(uuid.uuid4())})
    )
    assert ("body", "default_guidelines", "stylist_id") in error_locs(
        await api.post(
            "/shootings/",
            json={"name": "x", "due_date": DUE, "default_guidelines": {"name": "g", "stylist_id": str(uuid.uuid4())}},
        )
    )
    shooting = await create(api, default_guidelines={"name": "Styled", "stylist_id": stylist.id})
    header = (await api.get(f"/shootings/{shooting['id']}/header")).json()
    assert header["default_guidelines"]["stylist_id"] == stylist.id
    assert header["default_guidelines"]["stylist"] == {"id": stylist.id, "name": "Ada Stylist"}


async def test_templates_expand_their_catalog_entries_and_drop_deleted_ones(new_user):
    user = await new_user()
    shot_type = (
        await user.client.post("/shot-types/", json={"name": "Front", "view_angle": "FRONT", "framing": "FULL_BODY"})
    ).json()
    subject = (await user.client.post("/subjects/", json={"name": "Alba", "gender": "FEMALE"})).json()
    pose = (
        await user.client.post("/pose-presets/", json={"name": "Hands on hips", "shot_type_id": shot_type["id"]})
    ).json()
    design = (await user.client.post("/set-designs/", json={"name": "White studio"})).json()
    template = (
        await user.client.post(
            "/guidelines/",
            json={
                "name": "Expanded",
                "subject_ids": [subject["id"]],
                "shot_type_ids": [shot_type["id"]],
                "pose_preset_ids": [pose["id"]],
                "set_design_id": design["id"],
                "shot_type_rules": [{"rule_kind": "view", "rule_value": "front", "shot_type_ids": [shot_type["id"]]}],
            },
        )
    ).json()
    assert [s["name"] for s in template["subjects"]] == ["Alba"]
    assert template["shot_types"][0]["view_angle"] == "FRONT"
    assert template["pose_presets"][0]["shot_type_id"] == shot_type["id"]
    assert template["set_design"]["name"] == "White studio"
    assert template["shot_type_rules"][0]["shot_types"][0]["id"] == shot_type["id"]
    assert (await user.client.delete(f"/subjects/{subject['id']}")).status_code == 200
    again = (await user.client.get(f"/guidelines/{template['id']}")).json()
    assert again["subjects"] == [] and len(again["shot_types"]) == 1
