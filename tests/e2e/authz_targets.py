"""Throwaway targets of the authorization matrix: a resource built for one request that consumes
it (a delete, a restore), once for the refused callers and once per caller expected to succeed."""

from __future__ import annotations

import uuid

from tests.e2e.authz_world import (
    FreshFn,
    Json,
    Target,
    World,
    expect_status,
    new_integration,
    new_look,
    new_revision,
    shot_of,
)
from tests.e2e.brief import DUE, post

# Fresh targets ------------------------------------------------------------------------------


async def fresh_shooting(w: World, delete: bool = False) -> Target:
    shooting = await post(w.owner.client, "/shootings/", {"name": "Fresh", "due_date": DUE, **w.org})
    if delete:
        await expect_status(await w.owner.client.delete(f"/shootings/{shooting['id']}"))
    return {"params": {"shooting_id": shooting["id"]}}


async def fresh_look(w: World, delete: bool = False) -> Target:
    look = await new_look(w)
    path = f"/shootings/{w.ids['shooting_id']}/production-requests/{look['id']}"
    if delete:
        await expect_status(await w.owner.client.delete(path))
    shot = shot_of(look, w.ids["shot_type_id"])
    return {"params": {"production_request_id": look["id"], "shot_id": shot}}


async def fresh_production(w: World) -> Target:
    created = await post(w.owner.client, f"/shootings/{w.ids['shooting_id']}/productions", {"kind": "TEST"})
    return {"params": {"production_id": created["id"]}}


def fresh_entry(path: str, param: str, create: Json) -> FreshFn:
    async def make(w: World) -> Target:
        entry = await post(w.owner.client, path, {**create, **w.org})
        return {"params": {param: entry["id"]}}

    return make


async def fresh_revision(w: World) -> Target:
    look = await fresh_look(w)
    revision = await new_revision(w.owner.client, look["params"]["shot_id"])
    return {"params": {"revision_id": revision["id"]}}


async def fresh_older_revision(w: World) -> Target:
    """A shot with two revisions: restoring the first drops the second."""
    look = await fresh_look(w)
    first = await new_revision(w.owner.client, look["params"]["shot_id"])
    await new_revision(w.owner.client, look["params"]["shot_id"])
    return {"params": {"revision_id": first["id"]}}


async def fresh_mapping_body(w: World) -> Target:
    integration = await new_integration(w.owner.client, **w.org)
    return {"body": {"integration_id": integration["id"], "external_id": "EXT-NEW"}}


async def fresh_mapping(w: World) -> Target:
    target = await fresh_mapping_body(w)
    mapping = await post(w.owner.client, f"/products/{w.ids['product_id']}/external-mappings", target["body"])
    return {"params": {"mapping_id": mapping["id"]}}


async def fresh_shot_body(w: World) -> Target:
    shot_type = await post(
        w.owner.client, "/shot-types/", {"name": "Extra", "view_angle": "SIDE", "framing": "UPPER_BODY", **w.org}
    )
    return {"body": {"production_request_id": w.ids["production_request_id"], "shot_type_id": shot_type["id"]}}


async def fresh_user(w: World) -> Target:
    """An account created by the admin (no login: each password hash costs CPU time)."""
    made = await new_user_body(w)
    return {"params": {"user_id": (await post(w.admin, "/users/", made["body"]))["id"]}}


async def fresh_fellow(w: World) -> Target:
    """A new member of the owner's organization, to be removed."""
    target = await fresh_user(w)
    await post(w.owner.client, f"/organizations/{w.ids['organization_id']}/members", target["params"])
    return target


async def new_user_body(w: World) -> Target:
    email = f"made-{uuid.uuid4().hex[:12]}@example.com"
    return {"body": {"email": email, "password": f"pw-{uuid.uuid4().hex}"}}
