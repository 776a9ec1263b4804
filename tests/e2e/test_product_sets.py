"""A shooting's main and sample product sets end to end (E27-E34): HTTP -> gateway ->
ProductSetsService -> PostgreSQL. Each test names the
reference's rules it checks (docs/reference.md)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.e2e.catalog_support import PRODUCT_FIELDS
from tests.e2e.test_shootings import create, error_locs, organization

pytestmark = pytest.mark.asyncio(loop_scope="session")

SETS = ("main-products", "sample-products")


async def product(client: httpx.AsyncClient, name: str = "Product", **fields) -> str:
    response = await client.post("/products/", json={"name": name, **fields})
    assert response.status_code == 200, response.text
    return response.json()["id"]


async def change(
    client: httpx.AsyncClient, method: str, shooting_id: str, product_ids: list[str], segment: str = "main-products"
) -> httpx.Response:
    """POST, DELETE (with a JSON body, A56) or PUT one of the shooting's sets."""
    return await client.request(
        method, f"/shootings/{shooting_id}/{segment}", json={"product_ids": [str(p) for p in product_ids]}
    )


async def in_set(client: httpx.AsyncClient, shooting_id: str, segment: str = "main-products", **params) -> dict:
    response = await client.get(f"/shootings/{shooting_id}/{segment}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def ids(page: dict) -> list[str]:
    return [p["id"] for p in page["data"]]


async def test_r1_product_set_endpoints_need_a_token(anon_api):
    for segment in SETS:
        path = f"/shootings/{uuid.uuid4()}/{segment}"
        assert (await anon_api.get(path)).status_code == 401
        for method in ("POST", "DELETE", "PUT"):
            assert (await anon_api.request(method, path, json={"product_ids": []})).status_code == 401


async def test_r126_a57_add_ignores_duplicates_and_answers_the_whole_set(new_user):
    user = await new_user()
    shooting = (await create(user.client))["id"]
    a, b = await product(user.client, "A"), await product(user.client, "B")
    first = await change(user.client, "POST", shooting, [a])
    assert first.status_code == 200 and first.json()["count"] == 1
    again = (await change(user.client, "POST", shooting, [b, a, b])).json()
    assert again["count"] == 2 and ids(again) == [a, b]
    assert all(set(p) == PRODUCT_FIELDS for p in again["data"])
    assert again == await in_set(user.client, shooting)


async def test_r125_main_and_sample_sets_are_independent(new_user):
    user = await new_user()
    shooting = (await create(user.client))["id"]
    main, sample = await product(user.client, "Main"), await product(user.client, "Sample")
    await change(user.client, "POST", shooting, [main])
    await change(user.client, "POST", shooting, [sample], "sample-products")
    assert ids(await in_set(user.client, shooting)) == [main]
    assert ids(await in_set(user.client, shooting, "sample-products")) == [sample]
    await change(user.client, "PUT", shooting, [], "sample-products")
    assert ids(await in_set(user.client, shooting)) == [main]


async def test_r127_a56_a57_delete_takes_a_json_body_and_absent_ids_are_a_no_op(new_user):
    user = await new_user()
    shooting = (await create(user.client))["id"]
    a, b, c = [await product(user.client, n) for n in "ABC"]
    await change(user.client, "POST", shooting, [a, b], "sample-products")
    removed = await change(user.client, "DELETE", shooting, [b, c, str(uuid.uuid4())], "sample-products")
    assert removed.status_code == 200 and ids(removed.json()) == [a] and removed.json()["count"] == 1
    still = await change(user.client, "DELETE", shooting, [b], "sample-products")
    assert still.status_code == 200 and ids(still.json()) == [a]


async def test_r128_a37_put_replaces_and_an_empty_list_clears(new_user):
    user = await new_user()
    shooting = (await create(user.client))["id"]
    a, b, c = [await product(user.client, n) for n in "ABC"]
    await change(user.client, "POST", shooting, [a, b])
    replaced = (await change(user.client, "PUT", shooting, [c, b])).json()
    assert set(ids(replaced)) == {b, c} and replaced["count"] == 2
    cleared = await user.client.put(f"/shootings/{shooting}/main-products", json={})
    assert cleared.status_code == 200 and cleared.json() == {"data": [], "count": 0}
    noop = await user.client.post(f"/shootings/{shooting}/main-products", json={})
    assert noop.json() == {"data": [], "count": 0}


async def test_r129_r3_r4_list_pages_with_skip_and_limit_and_counts_the_set(new_user):
    user = await new_user()
    shooting = (await create(user.client))["id"]
    products = [await product(user.client, f"P{i}") for i in range(3)]
    await change(user.client, "POST", shooting, products)
    page = await in_set(user.client, shooting, limit=2)
    rest = await in_set(user.client, shooting, skip=2)
    assert page["count"] == rest["count"] == 3 and len(page["data"]) == 2
    assert ids(page) + ids(rest) == products
    response = await user.client.get(f"/shootings/{shooting}/main-products", params={"limit": 1001})
    assert ("query", "limit") in error_locs(response)


async def test_a57_unknown_foreign_or_deleted_products_are_422_and_write_nothing(api, new_user):
    user, other = await new_user(), await new_user()
    org = await organization(user.client)
    shooting = (await create(user.client, organization_id=org))["id"]
    usable = await product(user.client, "In org", organization_id=org)
    personal_of_other = await product(other.client, "Theirs")
    other_org = await product(user.client, "Other org", organization_id=await organization(user.client))
    deleted = await product(user.client, "Deleted", organization_id=org)
    await user.client.delete(f"/products/{deleted}")
    for bad in (str(uuid.uuid4()), personal_of_other, other_org, deleted):
        for method in ("POST", "PUT"):
            response = await change(user.client, method, shooting, [usable, bad])
            assert error_locs(response) == [("body", "product_ids", "1")], (method, bad)
    assert (await in_set(user.client, shooting))["count"] == 0
    # A public product is usable anywhere.
    public = await product(api, "Public", public=True)
    assert ids((await change(user.client, "POST", shooting, [public, usable])).json()) == [public, usable]


async def test_r2_ids_must_be_uuids(api):
    shooting = (await create(api))["id"]
    assert ("body", "product_ids", 0) in error_locs(await change(api, "POST", shooting, ["not-a-uuid"]))
    assert ("path", "shooting_id") in error_locs(await change(api, "PUT", "nope", []))


async def test_r9_a20_strangers_get_404_members_may_edit_deleted_shootings_vanish(new_user):
    owner, member, stranger = await new_user(), await new_user(), await new_user()
    org = await organization(owner.client, member)
    shooting = (await create(owner.client, organization_id=org))["id"]
    item = await product(member.client, "Org product", organization_id=org)
    assert (await change(member.client, "POST", shooting, [item])).status_code == 200
    assert (await stranger.client.get(f"/shootings/{shooting}/main-products")).status_code == 404
    for method in ("POST", "DELETE", "PUT"):
        assert (await change(stranger.client, method, shooting, [])).status_code == 404
    assert (await change(owner.client, "POST", str(uuid.uuid4()), [])).status_code == 404
    await owner.client.delete(f"/shootings/{shooting}")
    assert (await owner.client.get(f"/shootings/{shooting}/main-products")).status_code == 404
    assert (await change(owner.client, "POST", shooting, [item])).status_code == 404
