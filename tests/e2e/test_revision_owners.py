"""Every revision answer names who made it (issue 15 item 3): the user who uploaded or created a
revision, or the user who requested the generation of an AI revision, as a UserSummary in
``owner`` beside ``owner_id``, on every endpoint that shows revisions."""

from __future__ import annotations

import pytest

from tests.e2e.brief import post
from tests.e2e.shots_support import GenerationLook, png_data_url

pytestmark = pytest.mark.asyncio(loop_scope="session")


def owners(revisions: list[dict]) -> list[tuple[str | None, str | None]]:
    return [(r["owner_id"], (r["owner"] or {}).get("email")) for r in revisions]


async def test_every_revision_answer_names_its_owner(new_user, api):
    owner, member = await new_user(), await new_user()
    organization = await post(owner.client, "/organizations/", {"name": "Owners"})
    await post(owner.client, f"/organizations/{organization['id']}/members", {"user_id": member.id})
    look = await GenerationLook(owner.client).build(organization["id"])
    shot_id = look.shot("front")["id"]
    image = {"source_type": "UPLOAD", "image_data": png_data_url((80, 80, 200))}
    made = await member.client.post(f"/shots/{shot_id}/revision", json={"shot_status": "REVIEW", "images": [image]})
    assert made.status_code == 200, made.text
    assert made.json()["owner"]["email"] == member.email and made.json()["owner"]["id"] == member.id
    admin = (await api.get("/users/me")).json()
    generated = await api.post(f"/shots/{shot_id}/generate")  # an admin may start generations
    assert generated.status_code == 200, generated.text
    [generation] = await look.settled(shot_id, 1)
    assert generation["status"] == "COMPLETED"
    expected = [(member.id, member.email), (admin["id"], admin["email"])]
    shot = (await owner.client.get(f"/shots/{shot_id}")).json()
    assert owners(shot["revisions"]) == expected
    ai_revision = (await owner.client.get(f"/shots/revisions/{generation['revision_id']}")).json()
    assert owners([ai_revision]) == expected[1:] and ai_revision["owner"]["role"]
    scoped = {"production_request_id": look.look["id"], "organization_id": organization["id"]}  # R7
    listed = (await owner.client.get("/shots/", params=scoped)).json()
    assert owners(next(s for s in listed["data"] if s["id"] == shot_id)["revisions"]) == expected
    look_id = look.look["id"]
    for path in (
        f"/shootings/production-requests/{look_id}",
        f"/shootings/{look.shooting['id']}/production-requests/{look_id}",
    ):
        full = (await owner.client.get(path)).json()
        assert owners(next(s for s in full["shots"] if s["id"] == shot_id)["revisions"]) == expected, path
    board = (await owner.client.get(f"/shootings/{look.shooting['id']}/production-requests")).json()
    [row] = [r for r in board["data"] if r["id"] == look_id]
    assert owners(next(s for s in row["shots"] if s["id"] == shot_id)["revisions"]) == expected
    updated = await owner.client.put(
        f"/shootings/{look.shooting['id']}/production-requests/{look_id}", json={"readiness": "READY"}
    )
    assert owners(next(s for s in updated.json()["shots"] if s["id"] == shot_id)["revisions"]) == expected
    approved = (await owner.client.post(f"/shots/{shot_id}/approve")).json()
    assert owners(approved["revisions"]) == expected
