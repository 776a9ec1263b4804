"""Shootings end to end: HTTP -> gateway -> gRPC -> shootings service -> PostgreSQL (and events on Kafka).

Each test names the reference's rules it checks (docs/reference.md).
"""

from __future__ import annotations

import uuid

import httpx
import pytest

pytestmark = pytest.mark.asyncio(loop_scope="session")

DUE = "2026-12-24T09:30:00.123456Z"
HEADER_FIELDS = {
    "id",
    "organization_id",
    "public",
    "name",
    "description",
    "brand",
    "season",
    "collection",
    "created_at",
    "updated_at",
    "due_date",
    "owner_id",
    "shooting_type_id",
    "default_guidelines_id",
    "default_guidelines",
}
PUBLIC_FIELDS = {
    "id",
    "created_at",
    "updated_at",
    "name",
    "description",
    "due_date",
    "owner_id",
    "organization_id",
    "archived",
    "season",
    "collection",
    "brand",
    "default_guidelines_id",
    "default_guidelines",
    "phase",
    "require_test_shooting",
    "shooting_type_id",
    "shooting_type",
    "deleted_at",
    "shot_status",
    "status",
}


async def create(client: httpx.AsyncClient, expect: int = 200, params=None, **fields) -> dict:
    body = {"name": fields.pop("name", "Spring campaign"), "due_date": fields.pop("due_date", DUE), **fields}
    response = await client.post("/shootings/", json=body, params=params)
    assert response.status_code == expect, response.text
    return response.json()


async def organization(client: httpx.AsyncClient, *members) -> str:
    response = await client.post("/organizations/", json={"name": f"Brand {uuid.uuid4().hex[:6]}"})
    assert response.status_code == 200, response.text
    org_id = response.json()["id"]
    for member in members:
        added = await client.post(f"/organizations/{org_id}/members", json={"user_id": member.id})
        assert added.status_code == 200, added.text
    return org_id


def error_locs(response: httpx.Response) -> list[tuple]:
    assert response.status_code == 422, response.text
    return [tuple(item["loc"]) for item in response.json()["detail"]]


async def test_r1_every_shooting_endpoint_needs_a_token(anon_api):
    assert (await anon_api.get("/shootings/")).status_code == 401
    assert (await anon_api.get("/shootings/")).json() == {"detail": "Not authenticated"}
    anon_api.headers["Authorization"] = "Bearer not-a-token"
    try:
        response = await anon_api.post("/shootings/", json={"name": "x", "due_date": DUE})
        assert response.status_code == 401
        assert response.json() == {"detail": "Could not validate credentials"}
    finally:
        del anon_api.headers["Authorization"]


async def test_r15_r16_r17_r23_r29_creation_defaults(new_user):
    user = await new_user()
    shooting = await create(user.client, description="Knitwear", brand="Acme")
    assert set(shooting) == PUBLIC_FIELDS
    assert shooting["owner_id"] == user.id
    assert shooting["organization_id"] is None
    assert shooting["archived"] is False
    assert shooting["phase"] == "PRODUCTION"
    assert shooting["require_test_shooting"] is False
    assert shooting["due_date"] == "2026-12-24T09:30:00.123456Z"
    assert shooting["shooting_type"]["key"] == "default"
    assert shooting["shooting_type_id"] == shooting["shooting_type"]["id"]
    assert shooting["status"] is None and shooting["shot_status"] is None
    assert (shooting["description"], shooting["brand"], shooting["season"]) == ("Knitwear", "Acme", None)


async def test_r15_r2_name_and_due_date_are_required_and_typed(api):
    assert ("body", "due_date") in error_locs(await api.post("/shootings/", json={"name": "x"}))
    assert ("body", "name") in error_locs(await api.post("/shootings/", json={"due_date": DUE}))
    assert ("body", "due_date") in error_locs(await api.post("/shootings/", json={"name": "x", "due_date": "soon"}))
    assert ("path", "shooting_id") in error_locs(await api.get("/shootings/not-a-uuid"))


async def test_r18_only_brief_and_production_at_creation(api):
    for phase in ("TEST_SHOOTING", "PRODUCTS_SELECTION", "AGREEMENT", "CLOSED"):
        response = await api.post("/shootings/", json={"name": "x", "due_date": DUE, "phase": phase})
        assert ("body", "phase") in error_locs(response), phase
    assert (await create(api, phase="BRIEF"))["phase"] == "BRIEF"


async def test_r24_a16_require_test_shooting_needs_phase_brief(api):
    response = await api.post("/shootings/", json={"name": "x", "due_date": DUE, "require_test_shooting": True})
    assert response.status_code == 422
    response = await api.post(
        "/shootings/", json={"name": "x", "due_date": DUE, "require_test_shooting": True, "phase": "PRODUCTION"}
    )
    assert response.status_code == 422
    shooting = await create(api, require_test_shooting=True, phase="BRIEF")
    assert shooting["require_test_shooting"] is True


async def test_r21_r28_inline_guidelines_are_created_and_returned(new_user):
    user = await new_user()
    shooting = await create(
        user.client,
        default_guidelines={
            "name": "House style",
            "auto_start_look_generations": True,
            "allow_back_shots_without_back_image": True,
            "shot_type_rules": [{"rule_kind": "gender", "rule_value": "FEMALE"}],
        },
    )
    guidelines = shooting["default_guidelines"]
    assert shooting["default_guidelines_id"] == guidelines["id"]
    assert guidelines["name"] == "House style"
    assert guidelines["owner_id"] == user.id
    assert guidelines["auto_start_look_generations"] is True
    assert guidelines["allow_back_shots_without_back_image"] is True
    assert guidelines["shot_type_rules"] == [{"rule_kind": "gender", "rule_value": "FEMALE", "shot_types": []}]
    assert guidelines["subjects"] == [] and guidelines["set_design"] is None
    # An existing template can be reused by id by its owner ...
    again = await create(user.client, default_guidelines_id=guidelines["id"])
    assert again["default_guidelines"]["id"] == guidelines["id"]


async def test_r22_inline_guidelines_and_template_id_are_exclusive(api):
    response = await api.post(
        "/shootings/",
        json={
            "name": "x",
            "due_date": DUE,
            "default_guidelines": {"name": "g"},
            "default_guidelines_id": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 422


async def test_r27_unresolvable_template_references_are_422_and_write_nothing(new_user):
    user = await new_user()
    before = (await user.client.get("/shootings/")).json()["count"]
    response = await user.client.post(
        "/shootings/",
        json={
            "name": "x",
            "due_date": DUE,
            "default_guidelines": {"name": "g", "generative_workflow_template_id": str(uuid.uuid4())},
        },
    )
    assert ("body", "default_guidelines", "generative_workflow_template_id") in error_locs(response)
    assert (await user.client.get("/shootings/")).json()["count"] == before


async def test_unknown_or_foreign_template_id_is_422(new_user):
    owner, stranger = await new_user(), await new_user()
    template = (await create(owner.client, default_guidelines={"name": "Private"}))["default_guidelines_id"]
    response = await stranger.client.post(
        "/shootings/", json={"name": "x", "due_date": DUE, "default_guidelines_id": template}
    )
    assert ("body", "default_guidelines_id") in error_locs(response)


async def test_r3_r4_r5_personal_list_counts_all_and_pages(new_user):
    user = await new_user()
    created = [await create(user.client, name=f"S{i}") for i in range(3)]
    page = (await user.client.get("/shootings/", params={"limit": 2})).json()
    assert page["count"] == 3 and len(page["data"]) == 2
    rest = (await user.client.get("/shootings/", params={"skip": 2})).json()
    assert {s["id"] for s in page["data"] + rest["data"]} == {s["id"] for s in created}
    # R30: no looks or shots in the list.
    assert all(set(s) == PUBLIC_FIELDS for s in page["data"])
    assert ("query", "limit") in error_locs(await user.client.get("/shootings/", params={"limit": 1001}))
    assert ("query", "skip") in error_locs(await user.client.get("/shootings/", params={"skip": -1}))


async def test_r5_r8_r29_organization_scoping(new_user):
    owner, member, outsider = await new_user(), await new_user(), await new_user()
    org = await organization(owner.client, member)
    personal = await create(owner.client, name="Personal")
    in_org = await create(owner.client, name="Org", organization_id=org)
    by_query = await create(owner.client, name="Org by query", params={"organization_id": org})
    assert by_query["organization_id"] == org

    mine = {s["id"] for s in (await owner.client.get("/shootings/")).json()["data"]}
    assert mine == {personal["id"]}
    org_list = await member.client.get("/shootings/", params={"organization_id": org})
    assert {s["id"] for s in org_list.json()["data"]} == {in_org["id"], by_query["id"]}
    assert (await outsider.client.get("/shootings/", params={"organization_id": org})).status_code == 403
    # A non-member cannot create into the organization: 403 by query, 422 by body.
    assert (
        await outsider.client.post("/shootings/", params={"organization_id": org}, json={"name": "x", "due_date": DUE})
    ).status_code == 403
    response = await outsider.client.post("/shootings/", json={"name": "x", "due_date": DUE, "organization_id": org})
    assert ("body", "organization_id") in error_locs(response)


async def test_a45_body_and_query_organization_must_agree(new_user):
    user = await new_user()
    first, second = await organization(user.client), await organization(user.client)
    response = await user.client.post(
        "/shootings/", params={"organization_id": first}, json={"name": "x", "due_date": DUE, "organization_id": second}
    )
    assert ("body", "organization_id") in error_locs(response)


async def test_r9_a20_visibility_owner_member_stranger(new_user):
    owner, member, stranger = await new_user(), await new_user(), await new_user()
    org = await organization(owner.client, member)
    shooting = await create(owner.client, organization_id=org)
    for client in (owner.client, member.client):
        assert (await client.get(f"/shootings/{shooting['id']}")).status_code == 200
        assert (await client.get(f"/shootings/{shooting['id']}/header")).status_code == 200
    for path in (f"/shootings/{shooting['id']}", f"/shootings/{shooting['id']}/header"):
        assert (await stranger.client.get(path)).status_code == 404
    assert (await stranger.client.put(f"/shootings/{shooting['id']}", json={"name": "Mine"})).status_code == 404
    assert (await stranger.client.delete(f"/shootings/{shooting['id']}")).status_code == 404
    # A member may edit (A20).
    edited = await member.client.patch(f"/shootings/{shooting['id']}", json={"season": "FW27"})
    assert edited.status_code == 200 and edited.json()["season"] == "FW27"


async def test_r8_header_with_organization_query(new_user):
    owner, outsider = await new_user(), await new_user()
    org = await organization(owner.client)
    personal = await create(owner.client)
    assert (
        await owner.client.get(f"/shootings/{personal['id']}/header", params={"organization_id": org})
    ).status_code == 404
    assert (
        await outsider.client.get(f"/shootings/{personal['id']}/header", params={"organization_id": org})
    ).status_code == 403


async def test_r37_r38_header_has_only_header_fields(api):
    shooting = await create(api, default_guidelines={"name": "Chips"})
    header = (await api.get(f"/shootings/{shooting['id']}/header")).json()
    assert set(header) == HEADER_FIELDS
    assert header["public"] is False
    assert header["default_guidelines_id"] == shooting["default_guidelines_id"]
    assert set(header["default_guidelines"]) >= {"subjects", "shot_types", "pose_presets", "stylist"}


async def test_get_shooting_returns_the_full_public_shape(api):
    shooting = await create(api)
    fetched = (await api.get(f"/shootings/{shooting['id']}")).json()
    assert fetched == shooting
    assert (await api.get(f"/shootings/{uuid.uuid4()}")).status_code == 404


async def test_r39_r25_r41_put_and_patch_are_partial(api):
    shooting = await create(api, require_test_shooting=True, phase="BRIEF", brand="Acme")
    updated = await api.put(
        f"/shootings/{shooting['id']}", json={"name": "Renamed", "require_test_shooting": False, "phase": "CLOSED"}
    )
    assert updated.status_code == 200
    body = updated.json()
    assert body["name"] == "Renamed" and body["brand"] == "Acme"
    assert body["require_test_shooting"] is True and body["phase"] == "BRIEF"
    assert body["updated_at"] > shooting["updated_at"]
    patched = (await api.patch(f"/shootings/{shooting['id']}", json={"brand": None, "archived": True})).json()
    assert patched["brand"] is None and patched["archived"] is True and patched["name"] == "Renamed"
    assert ("body", "name") in error_locs(await api.put(f"/shootings/{shooting['id']}", json={"name": None}))
    assert ("body", "name") in error_locs(await api.patch(f"/shootings/{shooting['id']}", json={"name": ""}))


async def test_r40_a43_transfer_needs_owner_and_target_membership(new_user):
    owner, member = await new_user(), await new_user()
    source = await organization(owner.client, member)
    target = await organization(owner.client)
    foreign = await organization(member.client)
    shooting = await create(owner.client, organization_id=source)
    denied = await member.client.put(f"/shootings/{shooting['id']}", json={"organization_id": target})
    assert denied.status_code == 403
    assert ("body", "organization_id") in error_locs(
        await owner.client.put(f"/shootings/{shooting['id']}", json={"organization_id": foreign})
    )
    moved = await owner.client.put(f"/shootings/{shooting['id']}", json={"organization_id": target})
    assert moved.status_code == 200 and moved.json()["organization_id"] == target


async def test_r43_r12_r45_soft_delete_then_admin_restore(api, new_user):
    user = await new_user()
    shooting = await create(user.client)
    deleted = await user.client.delete(f"/shootings/{shooting['id']}")
    assert deleted.status_code == 200 and deleted.json() == {"message": "Shooting deleted successfully"}
    assert (await user.client.get(f"/shootings/{shooting['id']}")).status_code == 404
    assert shooting["id"] not in {s["id"] for s in (await user.client.get("/shootings/")).json()["data"]}
    assert (await user.client.post(f"/shootings/{shooting['id']}/restore")).status_code == 403
    restored = await api.post(f"/shootings/{shooting['id']}/restore")
    assert restored.status_code == 200 and "message" in restored.json()
    back = await user.client.get(f"/shootings/{shooting['id']}")
    assert back.status_code == 200 and back.json()["deleted_at"] is None
    assert (await api.post(f"/shootings/{shooting['id']}/restore")).status_code == 409


async def test_r32_r33_status_filter(new_user):
    user = await new_user()
    shooting = await create(user.client)
    without = (await user.client.get("/shootings/", params={"statuses": "WITHOUT_STATUS"})).json()
    assert shooting["id"] in {s["id"] for s in without["data"]}
    approved = (await user.client.get("/shootings/", params=[("statuses", "APPROVED"), ("statuses", "DRAFT")])).json()
    assert approved == {"data": [], "count": 0}
    assert ("query", "statuses", 0) in error_locs(await user.client.get("/shootings/", params={"statuses": "DONE"}))
