"""Changing looks end to end: E13 update, E14 delete, E16 restore and the soft-delete cascades of
shootings and productions (RULES 2.8 R96-R104, R44-R46, R61, A13, A23, A36, A44).

A look's liveness is probed with the endpoints under test themselves: an empty PUT answers the
look (200) while it is live and 404 once it is deleted.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.brief import Brief, post, templates_across_organizations
from tests.e2e.test_shootings import error_locs

pytestmark = pytest.mark.asyncio(loop_scope="session")
# How long an event may take from one service to another on a loaded machine.
EVENT_DEADLINE = 20.0


@pytest.fixture(scope="module")
async def brief(new_user) -> Brief:
    user = await new_user()
    return await Brief(user.client).build()


def look_path(shooting_id: str, look_id: str) -> str:
    return f"/shootings/{shooting_id}/production-requests/{look_id}"


async def new_look(brief: Brief, shooting_id: str, shot_types: tuple[str, ...] = ("front",), **body: Any) -> dict:
    body = {
        "product_ids": [brief.products["dress"]],
        "subject_ids": [brief.subjects["anna"]],
        "shot_type_ids": [brief.shot_types[n] for n in shot_types],
        **body,
    }
    [look] = (await brief.looks(shooting_id, **body)).json()["production_requests"]
    return look


async def put(client: httpx.AsyncClient, look: dict, expect: int = 200, **body: Any) -> dict:
    response = await client.put(look_path(look["shooting_id"], look["id"]), json=body)
    assert response.status_code == expect, response.text
    return response.json()


async def shooting_status(client: httpx.AsyncClient, shooting_id: str) -> str | None:
    response = await client.get(f"/shootings/{shooting_id}")
    assert response.status_code == 200, response.text
    return response.json()["status"]


async def is_live(client: httpx.AsyncClient, look: dict) -> bool:
    response = await client.put(look_path(look["shooting_id"], look["id"]), json={})
    assert response.status_code in (200, 404), response.text
    return response.status_code == 200


# -- E13 -----------------------------------------------------------------------------------------


async def test_r102_readiness_moves_the_look_and_the_shooting_status(brief):
    shooting = await brief.shooting()
    look = await new_look(brief, shooting["id"])
    assert await shooting_status(brief.client, shooting["id"]) == "DRAFT"
    ready = await put(brief.client, look, readiness="READY")
    assert ready["readiness"] == "READY" and ready["shot_status"] == "PENDING"
    assert await shooting_status(brief.client, shooting["id"]) == "PENDING"
    assert (await put(brief.client, look, readiness="DRAFT"))["readiness"] == "DRAFT"
    assert await shooting_status(brief.client, shooting["id"]) == "DRAFT"
    assert ("body", "readiness") in error_locs(
        await brief.client.put(look_path(shooting["id"], look["id"]), json={"readiness": None})
    )
    assert ("body", "readiness") in error_locs(
        await brief.client.put(look_path(shooting["id"], look["id"]), json={"readiness": "DONE"})
    )


async def test_a13_r100_absent_keys_stay_and_null_switches_the_mannequin_back_to_auto(brief):
    shooting = await brief.shooting()
    look = await new_look(brief, shooting["id"])
    assert (await put(brief.client, look, use_subject_mannequin_double=False))["use_subject_mannequin_double"] is False
    style = await post(brief.client, "/styles/", {"name": "Studio"})
    kept = await put(brief.client, look, style_id=style["id"])
    assert kept["use_subject_mannequin_double"] is False and kept["style_id"] == style["id"]
    assert (await put(brief.client, look, use_subject_mannequin_double=True))["use_subject_mannequin_double"] is True
    auto = await put(brief.client, look, use_subject_mannequin_double=None)
    assert auto["use_subject_mannequin_double"] is None and auto["style_id"] == style["id"]
    assert (await put(brief.client, look, style_id=None))["style_id"] is None


async def test_r97_a_preset_and_a_custom_size_clear_each_other(brief):
    shooting = await brief.shooting()
    look = await new_look(brief, shooting["id"])
    preset = await post(brief.client, "/resolution-presets/", {"name": "HD", "width": 1920, "height": 1080})
    sized = await put(brief.client, look, width=800, height=1200)
    assert (sized["width"], sized["height"], sized["resolution_preset_id"]) == (800, 1200, None)
    preset_set = await put(brief.client, look, resolution_preset_id=preset["id"])
    assert (preset_set["width"], preset_set["height"], preset_set["resolution_preset_id"]) == (None, None, preset["id"])
    resized = await put(brief.client, look, width=640)
    assert (resized["width"], resized["resolution_preset_id"]) == (640, None)
    assert ("body", "resolution_preset_id") in error_locs(
        await brief.client.put(
            look_path(shooting["id"], look["id"]), json={"resolution_preset_id": preset["id"], "height": 10}
        )
    )
    assert ("body", "width") in error_locs(
        await brief.client.put(look_path(shooting["id"], look["id"]), json={"width": 0})
    )


async def test_r98_r99_cross_org_template_and_template_versus_forced_mannequin(new_user):
    user = await new_user()
    org_brief, own, foreign = await templates_across_organizations(user.client)
    shooting = await org_brief.shooting()
    look = await new_look(org_brief, shooting["id"])
    path = look_path(shooting["id"], look["id"])
    assert ("body", "generative_workflow_template_id") in error_locs(
        await user.client.put(path, json={"generative_workflow_template_id": foreign})
    )
    assert (await put(user.client, look, generative_workflow_template_id=own))["generative_workflow_template_id"] == own
    # R99 against the stored template, then against a stored forced mannequin.
    assert ("body", "use_subject_mannequin_double") in error_locs(
        await user.client.put(path, json={"use_subject_mannequin_double": True})
    )
    switched = await put(user.client, look, use_subject_mannequin_double=True, generative_workflow_template_id=None)
    assert switched["use_subject_mannequin_double"] is True and switched["generative_workflow_template_id"] is None
    assert ("body", "generative_workflow_template_id") in error_locs(
        await user.client.put(path, json={"generative_workflow_template_id": own})
    )


async def test_subject_and_product_changes_stay_usable_and_gender_compatible(brief, new_user):
    shooting = await brief.shooting()
    look = await new_look(brief, shooting["id"])
    moved = await put(brief.client, look, subject_id=brief.subjects["bea"])
    assert moved["subject_id"] == brief.subjects["bea"] and moved["subject_name"] == "bea"
    assert ("body", "subject_id") in error_locs(
        await brief.client.put(look_path(shooting["id"], look["id"]), json={"subject_id": brief.subjects["carl"]})
    )
    assert ("body", "product_id") in error_locs(
        await brief.client.put(look_path(shooting["id"], look["id"]), json={"product_id": brief.products["shirt"]})
    )
    both = await put(brief.client, look, product_id=brief.products["shirt"], subject_id=brief.subjects["carl"])
    assert (both["product_id"], both["subject_id"]) == (brief.products["shirt"], brief.subjects["carl"])
    assert both["product_name"].startswith("Shirt")
    stranger = await Brief((await new_user()).client).build()
    assert ("body", "product_id") in error_locs(
        await brief.client.put(look_path(shooting["id"], look["id"]), json={"product_id": stranger.products["shirt"]})
    )


async def test_assignee_is_an_active_user_shown_as_a_summary(brief, api, new_user):
    shooting = await brief.shooting()
    look = await new_look(brief, shooting["id"])
    assignee = await new_user(full_name="Ada Stylist")
    assigned = await put(brief.client, look, assignee_id=assignee.id)
    assert assigned["assignee_id"] == assignee.id
    assert assigned["assignee"]["email"] == assignee.email and assigned["assignee"]["full_name"] == "Ada Stylist"
    assert (await put(brief.client, look, assignee_id=None))["assignee"] is None
    path = look_path(shooting["id"], look["id"])
    assert ("body", "assignee_id") in error_locs(await brief.client.put(path, json={"assignee_id": str(uuid.uuid4())}))
    inactive = await new_user()
    assert (await api.patch(f"/users/{inactive.id}", json={"is_active": False})).status_code == 200
    assert ("body", "assignee_id") in error_locs(await brief.client.put(path, json={"assignee_id": inactive.id}))


async def test_unresolvable_setting_ids_are_422_and_null_clears_them(brief):
    """Export configurations live in a context that cannot resolve an id yet (always 422)."""
    shooting = await brief.shooting()
    look = await new_look(brief, shooting["id"])
    path = look_path(shooting["id"], look["id"])
    for field in ("export_configuration_id", "style_id", "background_preset_id", "resolution_preset_id"):
        assert ("body", field) in error_locs(await brief.client.put(path, json={field: str(uuid.uuid4())}))
    cleared = await put(brief.client, look, export_configuration_id=None, background_preset_id=None)
    assert cleared["export_configuration_id"] is None and cleared["background_preset_id"] is None


async def test_the_outfit_is_chosen_through_its_own_endpoints_and_may_only_be_sent_back(brief):
    shooting = await brief.shooting()
    look = await new_look(brief, shooting["id"])
    path = look_path(shooting["id"], look["id"])
    assert (await put(brief.client, look, outfit_id=None))["outfit_id"] is None  # none, and none sent back
    assert ("body", "outfit_id") in error_locs(await brief.client.put(path, json={"outfit_id": str(uuid.uuid4())}))
    manual = await brief.client.post(
        f"/shootings/production-requests/{look['id']}/outfit", json={"outfit_instruction": "Belted."}
    )
    assert manual.status_code == 200, manual.text
    outfit_id = manual.json()["outfit_id"]
    # The shootings service learns THE outfit from the outfits context's events: poll for it.
    deadline = time.monotonic() + EVENT_DEADLINE
    while (response := await brief.client.put(path, json={"outfit_id": outfit_id})).status_code != 200:
        assert response.status_code == 422 and time.monotonic() < deadline, response.text
        await asyncio.sleep(0.1)
    assert response.json()["outfit_id"] == outfit_id
    assert ("body", "outfit_id") in error_locs(await brief.client.put(path, json={"outfit_id": None}))


async def test_a36_shot_type_changes_create_and_delete_shots_and_keep_the_others(brief):
    shooting = await brief.shooting()
    look = await new_look(brief, shooting["id"], ("front", "back"), readiness="READY")
    kept = {s["shot_type"]["id"]: s["id"] for s in look["shots"]}
    front, back, detail = (brief.shot_types[n] for n in ("front", "back", "detail"))
    changed = await put(brief.client, look, shot_type_ids=[back, detail], auto_generate=False)
    shots = {s["shot_type"]["id"]: s for s in changed["shots"]}
    assert set(shots) == {back, detail}
    assert shots[back]["id"] == kept[back]  # an unchanged shot type keeps its shot
    assert shots[detail]["status"] == "PENDING" and changed["shot_status"] == "PENDING"
    emptied = await put(brief.client, look, shot_type_ids=[])
    assert emptied["shots"] == [] and emptied["shot_status"] is None
    assert await shooting_status(brief.client, shooting["id"]) == "READY"  # a READY look without shots
    restored = await put(brief.client, look, shot_type_ids=[front])
    assert [s["shot_type"]["id"] for s in restored["shots"]] == [front] and restored["shots"][0]["id"] != kept[front]
    path = look_path(shooting["id"], look["id"])
    assert ("body", "shot_type_ids") in error_locs(await brief.client.put(path, json={"shot_type_ids": None}))
    assert ("body", "shot_type_ids") in error_locs(
        await brief.client.put(path, json={"shot_type_ids": [str(uuid.uuid4())]})
    )


async def test_e13_is_404_outside_the_callers_reach(brief, new_user):
    shooting = await brief.shooting()
    other = await brief.shooting()
    look = await new_look(brief, shooting["id"])
    stranger = await new_user()
    assert (await stranger.client.put(look_path(shooting["id"], look["id"]), json={})).status_code == 404
    assert (await brief.client.put(look_path(other["id"], look["id"]), json={})).status_code == 404
    assert (await brief.client.put(look_path(shooting["id"], str(uuid.uuid4())), json={})).status_code == 404
    assert ("path", "production_request_id") in error_locs(
        await brief.client.put(look_path(shooting["id"], "nope"), json={})
    )


# -- E14, E16 ------------------------------------------------------------------------------------


async def test_r103_r104_delete_then_admin_restore(brief, api):
    shooting = await brief.shooting()
    look = await new_look(brief, shooting["id"], readiness="READY")
    path = look_path(shooting["id"], look["id"])
    assert await shooting_status(brief.client, shooting["id"]) == "PENDING"
    deleted = await brief.client.delete(path)
    assert deleted.status_code == 200 and deleted.json() == {"message": "Production request deleted successfully"}
    assert not await is_live(brief.client, look)
    assert (await brief.client.delete(path)).status_code == 404
    assert await shooting_status(brief.client, shooting["id"]) is None  # no live look left
    assert (await brief.client.post(f"{path}/restore")).status_code == 403  # owner, not admin
    restored = await api.post(f"{path}/restore")
    assert restored.status_code == 200 and restored.json() == {"message": "Production request restored successfully"}
    assert await is_live(brief.client, look)
    assert await shooting_status(brief.client, shooting["id"]) == "PENDING"
    assert (await api.post(f"{path}/restore")).status_code == 409  # not deleted


async def test_e14_e16_are_404_outside_the_callers_reach(brief, new_user, api):
    shooting = await brief.shooting()
    look = await new_look(brief, shooting["id"])
    path = look_path(shooting["id"], look["id"])
    stranger = await new_user()
    assert (await stranger.client.delete(path)).status_code == 404
    assert (await stranger.client.post(f"{path}/restore")).status_code == 404
    assert (await api.post(f"{look_path(shooting['id'], str(uuid.uuid4()))}/restore")).status_code == 404


# -- cascades --------------------------------------------------------------------------------------


async def test_r44_r45_r46_a23_shooting_delete_and_restore_take_exactly_their_looks(brief, api):
    shooting = await brief.shooting()
    alone = await new_look(brief, shooting["id"])
    taken = await new_look(brief, shooting["id"], readiness="READY")
    assert (await brief.client.delete(look_path(shooting["id"], alone["id"]))).status_code == 200
    assert (await brief.client.delete(f"/shootings/{shooting['id']}")).status_code == 200
    taken_path = look_path(shooting["id"], taken["id"])
    assert (await brief.client.put(taken_path, json={})).status_code == 404
    assert (await api.post(f"{taken_path}/restore")).status_code == 409  # A23: the shooting is deleted
    assert (await api.post(f"/shootings/{shooting['id']}/restore")).status_code == 200
    assert await is_live(brief.client, taken)
    assert not await is_live(brief.client, alone)  # R46: deleted earlier on its own
    assert await shooting_status(brief.client, shooting["id"]) == "PENDING"


async def test_r61_a23_a44_production_delete_takes_its_looks_only(brief, api):
    shooting = await brief.shooting()
    test_run = await post(brief.client, f"/shootings/{shooting['id']}/productions", {"kind": "TEST"})
    main_look = await new_look(brief, shooting["id"], readiness="READY")
    test_look = await new_look(brief, shooting["id"], (), production_id=test_run["id"], readiness="READY")
    assert await shooting_status(brief.client, shooting["id"]) == "READY"
    response = await brief.client.delete(f"/shootings/{shooting['id']}/productions/{test_run['id']}")
    assert response.status_code == 200
    assert not await is_live(brief.client, test_look) and await is_live(brief.client, main_look)
    assert await shooting_status(brief.client, shooting["id"]) == "PENDING"
    restore = await api.post(f"{look_path(shooting['id'], test_look['id'])}/restore")
    assert restore.status_code == 409  # its production is still deleted


async def listed_shots(client: httpx.AsyncClient, shooting_id: str) -> set[str]:
    response = await client.get("/shots/", params={"shooting_id": shooting_id, "limit": 1000})
    assert response.status_code == 200, response.text
    return {shot["id"] for shot in response.json()["data"]}


async def until_listed(client: httpx.AsyncClient, shooting_id: str, shot_ids: set[str], listed: bool) -> None:
    """The shots service learns of deleted and restored looks from their events: poll for it."""
    deadline = time.monotonic() + EVENT_DEADLINE
    while (shot_ids <= await listed_shots(client, shooting_id)) != listed:
        assert time.monotonic() < deadline, f"shots {sorted(shot_ids)} still {'absent' if listed else 'listed'}"
        await asyncio.sleep(0.1)


async def test_r103_r61_shots_of_deleted_looks_stay_but_leave_every_read(brief, api):
    shooting = await brief.shooting()
    test_run = await post(brief.client, f"/shootings/{shooting['id']}/productions", {"kind": "TEST"})
    alone = await new_look(brief, shooting["id"], ("front", "back"))
    in_test = await new_look(brief, shooting["id"], ("front",), production_id=test_run["id"])
    alone_shots = {shot["id"] for shot in alone["shots"]}
    test_shots = {shot["id"] for shot in in_test["shots"]}
    await until_listed(brief.client, shooting["id"], alone_shots | test_shots, listed=True)
    assert (await brief.client.delete(look_path(shooting["id"], alone["id"]))).status_code == 200
    await until_listed(brief.client, shooting["id"], alone_shots, listed=False)
    assert (await api.post(f"{look_path(shooting['id'], alone['id'])}/restore")).status_code == 200
    await until_listed(brief.client, shooting["id"], alone_shots, listed=True)  # the same shots, kept
    assert (await brief.client.delete(f"/shootings/{shooting['id']}/productions/{test_run['id']}")).status_code == 200
    await until_listed(brief.client, shooting["id"], test_shots, listed=False)
    assert alone_shots <= await listed_shots(brief.client, shooting["id"])
