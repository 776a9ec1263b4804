"""`auto_generate` on a look update (R101, A36): when `shot_type_ids` adds shot types, the new
shots are generated as E21 would generate them (back views and shot types the subject has no
base image for are skipped); with `auto_generate: false` the shots are only created. `PUT` and
`PATCH` are the same partial update."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.shots_support import GenerationLook

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
async def look(new_user) -> GenerationLook:
    return await GenerationLook((await new_user()).client).build()


async def update(look: GenerationLook, method: str, **body: Any) -> dict[str, Any]:
    path = f"/shootings/{look.shooting['id']}/production-requests/{look.look['id']}"
    response = await look.client.request(method, path, json=body)
    assert response.status_code == 200, response.text
    look.look = response.json()
    return look.look


async def test_added_shot_types_are_generated_by_default_as_e21_would(look):
    types = look.shot_types
    kept = look.shot("detail")["id"]
    await update(look, "PUT", shot_type_ids=[types["detail"]])  # removes three: nothing to generate
    assert await look.generations(kept) == []
    await update(look, "PUT", shot_type_ids=[types["detail"], types["front"], types["back"], types["side"]])
    front, back, side = (look.shot(name) for name in ("front", "back", "side"))
    assert front["status"] == "PENDING"  # the answer comes before the render
    # The generation is recorded before the update answers; a worker renders it afterwards.
    assert len(await look.generations(front["id"])) == 1
    [generation] = await look.settled(front["id"], 1)
    assert generation["status"] == "COMPLETED", generation["error"]
    shot = (await look.client.get(f"/shots/{front['id']}")).json()
    assert shot["status"] == "PROPOSAL" and shot["current_revision_id"] == generation["revision_id"]
    assert shot["revisions"][-1]["images"][0]["source_type"] == "PREDICTION"
    assert await look.generations(back["id"]) == []  # a back view is never generated (R115)
    assert await look.generations(side["id"]) == []  # the subject has no base image for it (R116)
    assert await look.generations(kept) == []  # a kept shot type is not generated again


async def test_auto_generate_false_only_creates_the_shots_and_patch_is_the_same_update(look):
    types = look.shot_types
    await update(look, "PATCH", shot_type_ids=[types["detail"]])
    await update(look, "PATCH", shot_type_ids=[types["detail"], types["front"]], auto_generate=False)
    front = look.shot("front")
    assert front["status"] == "PENDING" and front["current_revision_id"] is None
    # Generations are recorded before an update answers: none now means none at all.
    assert await look.generations(front["id"]) == []
    await update(look, "PATCH", shot_type_ids=[types["detail"], types["front"], types["back"]], auto_generate=True)
    assert await look.generations(front["id"]) == []  # not added by this update
    assert await look.generations(look.shot("back")["id"]) == []  # added, but a back view
    assert await look.generations(look.shot("detail")["id"]) == []
