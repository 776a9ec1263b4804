"""Productions, phase moves, look statuses and shooting types end to end: HTTP -> gateway -> gRPC
-> shootings service -> PostgreSQL.

Each test names the reference's rules it checks (docs/reference.md). What the calls write underneath (snapshot rows,
phase history naming the user, outbox events) is checked in
tests/integration/shootings/test_productions.py.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.e2e.test_shootings import PUBLIC_FIELDS, create, error_locs, organization

pytestmark = pytest.mark.asyncio(loop_scope="session")

PRODUCTION_FIELDS = {"id", "shooting_id", "kind", "archived", "created_at", "updated_at", "deleted_at", "guidelines_id"}
STATUS_KEYS = ["PENDING", "PROPOSAL", "REJECTED", "POST_PROD", "POST_PROD_REJECTED", "REVIEW", "APPROVED"]


async def add(client: httpx.AsyncClient, shooting_id: str, kind: str = "TEST", expect: int = 200, **extra) -> dict:
    response = await client.post(f"/shootings/{shooting_id}/productions", json={"kind": kind, **extra})
    assert response.status_code == expect, response.text
    return response.json()


async def listed(client: httpx.AsyncClient, shooting_id: str, **params) -> dict:
    response = await client.get(f"/shootings/{shooting_id}/productions", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["data"])  # A19: no paging, count = rows
    return body


async def the_main(client: httpx.AsyncClient, shooting_id: str) -> dict:
    (main,) = (await listed(client, shooting_id, kind="MAIN"))["data"]
    return main


async def move(client: httpx.AsyncClient, shooting_id: str, phase: str, expect: int = 200) -> dict:
    response = await client.patch(f"/shootings/{shooting_id}/phase", json={"phase": phase})
    assert response.status_code == expect, response.text
    return response.json()


async def test_r1_production_endpoints_need_a_token(anon_api):
    some = uuid.uuid4()
    for method, path in [
        ("POST", f"/shootings/{some}/productions"),
        ("GET", f"/shootings/{some}/productions"),
        ("PATCH", f"/shootings/{some}/phase"),
        ("GET", f"/shootings/{some}/production-request-statuses"),
        ("GET", "/shooting-types/"),
    ]:
        assert (await anon_api.request(method, path)).status_code == 401, path


async def test_r52_r57_r58_test_productions_are_unlimited_and_server_state_is_not_settable(new_user):
    user = await new_user()
    shooting = await create(user.client, phase="BRIEF")
    foreign = str(uuid.uuid4())
    first = await add(
        user.client, shooting["id"], archived=True, guidelines_id=foreign, deleted_at="2020-01-01T00:00:00Z"
    )
    assert set(first) == PRODUCTION_FIELDS
    assert (first["kind"], first["shooting_id"], first["archived"]) == ("TEST", shooting["id"], False)
    assert first["guidelines_id"] is None and first["deleted_at"] is None
    assert first["created_at"] == first["updated_at"]
    await add(user.client, shooting["id"])
    await add(user.client, shooting["id"])
    assert (await listed(user.client, shooting["id"], kind="TEST"))["count"] == 3
    # R57: TEST runs leave the phase where it was.
    assert (await user.client.get(f"/shootings/{shooting['id']}")).json()["phase"] == "BRIEF"


async def test_r52_kind_is_required_and_only_main_or_test(api):
    shooting = await create(api, phase="BRIEF")
    path = f"/shootings/{shooting['id']}/productions"
    assert ("body", "kind") in error_locs(await api.post(path, json={}))
    for kind in ("SAMPLE", "main", "", 1):
        assert ("body", "kind") in error_locs(await api.post(path, json={"kind": kind})), kind
    assert (await listed(api, shooting["id"]))["count"] == 0


async def test_r53_a_production_bakes_its_own_snapshot_of_the_default_guidelines(new_user):
    user = await new_user()
    shooting = await create(user.client, phase="BRIEF", default_guidelines={"name": "House style"})
    first, second = await add(user.client, shooting["id"]), await add(user.client, shooting["id"])
    snapshots = {first["guidelines_id"], second["guidelines_id"]}
    assert None not in snapshots and len(snapshots) == 2
    assert shooting["default_guidelines_id"] not in snapshots


async def test_r54_r26_require_test_shooting_blocks_main_until_a_live_test_exists(new_user):
    user = await new_user()
    shooting = await create(user.client, phase="BRIEF", require_test_shooting=True)
    refused = await user.client.post(f"/shootings/{shooting['id']}/productions", json={"kind": "MAIN"})
    assert refused.status_code == 409 and "TEST" in refused.json()["detail"]
    test_run = await add(user.client, shooting["id"])
    # A deleted TEST run does not count.
    await user.client.delete(f"/shootings/{shooting['id']}/productions/{test_run['id']}")
    await add(user.client, shooting["id"], "MAIN", expect=409)
    await add(user.client, shooting["id"])
    main = await add(user.client, shooting["id"], "MAIN")
    assert main["kind"] == "MAIN"


async def test_r55_one_live_main_per_shooting(api):
    shooting = await create(api)  # PRODUCTION: MAIN made at creation (R19)
    main = await the_main(api, shooting["id"])
    refused = await api.post(f"/shootings/{shooting['id']}/productions", json={"kind": "MAIN"})
    assert refused.status_code == 409 and "MAIN" in refused.json()["detail"]
    await api.delete(f"/shootings/{shooting['id']}/productions/{main['id']}")
    again = await add(api, shooting["id"], "MAIN")
    assert again["id"] != main["id"]
    assert (await listed(api, shooting["id"], kind="MAIN", include_deleted=True))["count"] == 2


async def test_r56_main_moves_the_shooting_to_production(new_user):
    user = await new_user()
    shooting = await create(user.client, phase="BRIEF")
    await move(user.client, shooting["id"], "AGREEMENT")
    await add(user.client, shooting["id"], "MAIN")
    after = (await user.client.get(f"/shootings/{shooting['id']}")).json()
    assert after["phase"] == "PRODUCTION" and after["updated_at"] > shooting["updated_at"]


async def test_r59_a19_list_hides_deleted_by_default_filters_by_kind_and_never_pages(api):
    shooting = await create(api)
    tests = [await add(api, shooting["id"]) for _ in range(3)]
    await api.delete(f"/shootings/{shooting['id']}/productions/{tests[0]['id']}")
    live = await listed(api, shooting["id"])
    assert [p["kind"] for p in live["data"]] == ["MAIN", "TEST", "TEST"]
    everything = await listed(api, shooting["id"], include_deleted=True)
    assert everything["count"] == 4
    assert [p["id"] for p in everything["data"] if p["deleted_at"]] == [tests[0]["id"]]
    assert (await listed(api, shooting["id"], kind="TEST", include_deleted="true"))["count"] == 3
    # A19: skip/limit are not parameters of this list.
    assert (await listed(api, shooting["id"], limit=1, skip=2))["count"] == 3
    response = await api.get(f"/shootings/{shooting['id']}/productions", params={"kind": "SAMPLE"})
    assert ("query", "kind") in error_locs(response)


async def test_e24_read_one_production_of_its_own_shooting_only(api):
    shooting, other = await create(api), await create(api)
    main = await the_main(api, shooting["id"])
    fetched = await api.get(f"/shootings/{shooting['id']}/productions/{main['id']}")
    assert fetched.status_code == 200 and fetched.json() == main
    assert (await api.get(f"/shootings/{other['id']}/productions/{main['id']}")).status_code == 404
    assert (await api.get(f"/shootings/{shooting['id']}/productions/{uuid.uuid4()}")).status_code == 404
    assert ("path", "production_id") in error_locs(await api.get(f"/shootings/{shooting['id']}/productions/nope"))


async def test_r60_only_archived_is_mutable(api):
    shooting = await create(api)
    main = await the_main(api, shooting["id"])
    path = f"/shootings/{shooting['id']}/productions/{main['id']}"
    archived = await api.patch(path, json={"archived": True})
    assert archived.status_code == 200
    body = archived.json()
    assert body["archived"] is True and body["updated_at"] > main["updated_at"]
    # Other keys are ignored, as in the shooting update; an empty body changes nothing.
    ignored = await api.patch(path, json={"kind": "TEST", "guidelines_id": str(uuid.uuid4()), "deleted_at": None})
    assert ignored.status_code == 200 and ignored.json() == body
    assert (await api.patch(path, json={})).json() == body
    assert ("body", "archived") in error_locs(await api.patch(path, json={"archived": None}))
    assert (await api.patch(path, json={"archived": False})).json()["archived"] is False


async def test_r61_delete_is_soft_and_always_allowed_in_any_phase(api):
    shooting = await create(api)
    main = await the_main(api, shooting["id"])
    await move(api, shooting["id"], "CLOSED")
    test_run = await add(api, shooting["id"])
    for production in (main, test_run):
        response = await api.delete(f"/shootings/{shooting['id']}/productions/{production['id']}")
        assert response.status_code == 200 and response.json() == {"message": "Production deleted successfully"}
        assert (await api.get(f"/shootings/{shooting['id']}/productions/{production['id']}")).status_code == 404
    again = await api.delete(f"/shootings/{shooting['id']}/productions/{main['id']}")
    assert again.status_code == 404
    everything = await listed(api, shooting["id"], include_deleted=True)
    assert all(p["deleted_at"] for p in everything["data"]) and everything["count"] == 2
    assert (await api.get(f"/shootings/{shooting['id']}")).json()["phase"] == "CLOSED"


async def test_r61_r44_r45_r46_shooting_restore_revives_only_what_its_deletion_took(api):
    shooting = await create(api)
    kept, dropped = await add(api, shooting["id"]), await add(api, shooting["id"])
    await api.delete(f"/shootings/{shooting['id']}/productions/{dropped['id']}")
    assert (await api.delete(f"/shootings/{shooting['id']}")).status_code == 200
    assert (await api.get(f"/shootings/{shooting['id']}/productions")).status_code == 404
    assert (await api.post(f"/shootings/{shooting['id']}/restore")).status_code == 200
    live = await listed(api, shooting["id"])
    assert {p["kind"] for p in live["data"]} == {"MAIN", "TEST"}
    assert kept["id"] in {p["id"] for p in live["data"]} and dropped["id"] not in {p["id"] for p in live["data"]}


async def test_r42_r60_guidelines_change_through_the_shooting_and_are_rebaked(new_user):
    user = await new_user()
    shooting = await create(user.client, default_guidelines={"name": "First"})
    second = await create(user.client, default_guidelines={"name": "Second"})
    main = await the_main(user.client, shooting["id"])
    path = f"/shootings/{shooting['id']}/productions/{main['id']}"
    # R60: the production's own PATCH cannot point it at another template.
    assert (await user.client.patch(path, json={"guidelines_id": second["default_guidelines_id"]})).json() == main
    updated = await user.client.put(
        f"/shootings/{shooting['id']}", json={"default_guidelines_id": second["default_guidelines_id"]}
    )
    assert updated.status_code == 200
    rebaked = (await user.client.get(path)).json()
    assert rebaked["guidelines_id"] not in (None, main["guidelines_id"], second["default_guidelines_id"])


async def test_r41_r47_r49_phase_moves_only_through_the_phase_endpoint_and_any_move_is_allowed(api):
    shooting = await create(api, phase="BRIEF")
    ignored = await api.put(f"/shootings/{shooting['id']}", json={"phase": "CLOSED"})
    assert ignored.json()["phase"] == "BRIEF"  # R41
    for phase in ("CLOSED", "TEST_SHOOTING", "AGREEMENT", "PRODUCTS_SELECTION", "BRIEF", "CLOSED"):
        body = await move(api, shooting["id"], phase)
        assert set(body) == PUBLIC_FIELDS and body["phase"] == phase
    assert body == (await api.get(f"/shootings/{shooting['id']}")).json()


async def test_r48_asking_for_the_current_phase_changes_nothing(api):
    shooting = await create(api, phase="BRIEF")
    moved = await move(api, shooting["id"], "AGREEMENT")
    again = await move(api, shooting["id"], "AGREEMENT")
    assert again == moved


async def test_r50_a18_entering_production_creates_main_under_its_guards(new_user):
    user = await new_user()
    shooting = await create(user.client, phase="BRIEF", require_test_shooting=True)
    refused = await move(user.client, shooting["id"], "PRODUCTION", expect=409)
    assert "TEST" in refused["detail"]
    assert (await user.client.get(f"/shootings/{shooting['id']}")).json()["phase"] == "BRIEF"
    await add(user.client, shooting["id"])
    assert (await move(user.client, shooting["id"], "PRODUCTION"))["phase"] == "PRODUCTION"
    main = await the_main(user.client, shooting["id"])
    # A18: leaving PRODUCTION keeps MAIN; coming back with MAIN live adds none.
    await move(user.client, shooting["id"], "CLOSED")
    await move(user.client, shooting["id"], "PRODUCTION")
    assert await the_main(user.client, shooting["id"]) == main


async def test_r51_phase_is_required_and_must_be_a_shooting_phase(api):
    shooting = await create(api)
    path = f"/shootings/{shooting['id']}/phase"
    assert ("body", "phase") in error_locs(await api.patch(path, json={}))
    assert ("body", "phase") in error_locs(await api.patch(path, json={"phase": "DONE"}))
    assert ("path", "shooting_id") in error_locs(await api.patch("/shootings/nope/phase", json={"phase": "BRIEF"}))


async def test_r130_r131_statuses_of_the_shooting_type_worst_to_best(api):
    shooting = await create(api)
    response = await api.get(f"/shootings/{shooting['id']}/production-request-statuses")
    assert response.status_code == 200
    statuses = response.json()
    assert [s["key"] for s in statuses] == STATUS_KEYS
    assert all(set(s) == {"id", "key", "label", "sorting"} for s in statuses)
    sortings = [s["sorting"] for s in statuses]
    assert sortings == sorted(sortings) and len(set(sortings)) == len(sortings)


async def test_r10_a20_strangers_get_404_and_organization_members_may_write(new_user):
    owner, member, stranger = await new_user(), await new_user(), await new_user()
    org = await organization(owner.client, member)
    shooting = await create(owner.client, organization_id=org, phase="BRIEF")
    base = f"/shootings/{shooting['id']}"
    for method, path, body in [
        ("POST", f"{base}/productions", {"kind": "TEST"}),
        ("GET", f"{base}/productions", None),
        ("PATCH", f"{base}/phase", {"phase": "CLOSED"}),
        ("GET", f"{base}/production-request-statuses", None),
    ]:
        assert (await stranger.client.request(method, path, json=body)).status_code == 404, path
    test_run = await add(member.client, shooting["id"])
    assert (await stranger.client.get(f"{base}/productions/{test_run['id']}")).status_code == 404
    assert (await move(member.client, shooting["id"], "PRODUCTION"))["phase"] == "PRODUCTION"
    assert (await listed(owner.client, shooting["id"]))["count"] == 2
    # A deleted shooting is invisible to every caller.
    await owner.client.delete(base)
    assert (await owner.client.get(f"{base}/production-request-statuses")).status_code == 404


async def test_shooting_types_are_listed_with_their_statuses(new_user):
    user = await new_user()
    response = await user.client.get("/shooting-types/")
    assert response.status_code == 200
    page = response.json()
    (default,) = [t for t in page["data"] if t["key"] == "default"]
    assert set(default) == {"id", "key", "label", "description", "archived", "statuses"}
    assert [s["key"] for s in default["statuses"]] == STATUS_KEYS
    assert page["count"] == len(page["data"])
    shooting = await create(user.client)
    assert shooting["shooting_type_id"] == default["id"]
    empty = (await user.client.get("/shooting-types/", params={"limit": 0})).json()
    assert empty == {"data": [], "count": page["count"]}
    assert ("query", "limit") in error_locs(await user.client.get("/shooting-types/", params={"limit": 1001}))
