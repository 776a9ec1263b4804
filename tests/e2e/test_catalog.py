"""The reference catalog end to end: HTTP -> gateway -> CatalogService -> PostgreSQL.

Covers every kind's five endpoints, the public shapes, required fields and defaults, personal vs
organization scoping, visibility (404) and edit rights (403, public entries), the SKU rule (409),
references usable in the entry's scope (R27: 422 at the field), soft delete and the product
list filters (the keys E8's ``product_filters`` takes). The kinds' table (paths, public fields,
bodies) and the shared helpers are in tests/e2e/catalog_support.py.
"""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.catalog_support import KINDS, Kind, ids, moment, post, shot_type
from tests.e2e.test_shootings import error_locs, organization

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_r1_catalog_endpoints_need_a_token(anon_api):
    for kind in KINDS:
        assert (await anon_api.get(kind.path)).status_code == 401
        assert (await anon_api.post(kind.path, json=kind.body)).status_code == 401
        assert (await anon_api.delete(f"{kind.path}{uuid.uuid4()}")).status_code == 401


@pytest.mark.parametrize("kind", KINDS, ids=[k.path.strip("/") for k in KINDS])
async def test_crud_of_every_kind_with_its_full_public_shape(new_user, kind: Kind):
    user = await new_user()
    body = dict(kind.body)
    if kind.needs_shot_type:
        body["shot_type_id"] = (await shot_type(user.client))["id"]
    created = await post(user.client, kind.path, **body)
    assert set(created) == kind.fields
    assert created["owner_id"] == user.id and created["organization_id"] is None and created["deleted_at"] is None
    url = f"{kind.path}{created['id']}"
    assert (await user.client.get(url)).json() == created
    patched = await user.client.patch(url, json=kind.patch)
    assert patched.status_code == 200, patched.text
    assert {k: patched.json()[k] for k in kind.patch} == kind.patch
    assert moment(patched.json()["updated_at"]) > moment(created["updated_at"])
    listed = (await user.client.get(kind.path)).json()
    assert listed == {"data": [patched.json()], "count": 1}
    deleted = await user.client.delete(url)
    assert deleted.status_code == 200 and deleted.json()["message"].endswith("deleted successfully")
    assert (await user.client.get(url)).status_code == 404
    assert (await user.client.patch(url, json=kind.patch)).status_code == 404
    assert (await user.client.get(kind.path)).json() == {"data": [], "count": 0}
    for name in kind.required:
        assert ("body", name) in error_locs(await user.client.post(kind.path, json={}))
        assert ("body", name) in error_locs(
            await user.client.patch(url.replace(created["id"], str(uuid.uuid4())), json={name: None})
        )


async def test_product_defaults_and_computed_fields(api):
    product = await post(api, "/products/", name="Shirt")
    assert product["gender"] == "UNISEX"
    assert (product["enabled"], product["archived"], product["demo"], product["public"]) == (True, False, False, False)
    assert product["reference_images"] == [] and product["shots"] == []
    assert product["shot_status"] is None and product["exports_completed"] is None
    assert ("body", "gender") in error_locs(await api.post("/products/", json={"name": "x", "gender": "OTHER"}))
    assert ("body", "year") in error_locs(await api.post("/products/", json={"name": "x", "year": "soon"}))
    assert ("body", "name") in error_locs(await api.post("/products/", json={"name": "x" * 256}))


async def test_patch_is_partial_null_clears_optional_and_is_refused_for_required(api):
    product = await post(api, "/products/", name="Shirt", brand="Acme", colour="red")
    url = f"/products/{product['id']}"
    patched = (await api.patch(url, json={"brand": None, "gender": "MALE"})).json()
    assert (patched["brand"], patched["gender"], patched["colour"], patched["name"]) == (None, "MALE", "red", "Shirt")
    for key in ("name", "gender", "enabled", "reference_images"):
        assert ("body", key) in error_locs(await api.patch(url, json={key: None}))


async def test_subject_slug_measurements_and_base_image_labels(api):
    front = await shot_type(api, name="Front")
    subject = await post(
        api,
        "/subjects/",
        name="Zoë",
        surname="Smith",
        gender="FEMALE",
        measurements={"height_cm": 172, "eye_color": "green"},
        base_images=[{"shot_type_id": front["id"], "image_url": "https://img.example/zoe.png"}],
    )
    assert subject["slug"] == "zoe-smith" and subject["subject_type"] == "AI"
    assert subject["measurements"]["height_cm"] == 172 and uuid.UUID(subject["measurements"]["id"])
    assert subject["base_images"] == [
        {"shot_type_id": front["id"], "image_url": "https://img.example/zoe.png", "shot_type_label": "Front"}
    ]
    await api.patch(f"/shot-types/{front['id']}", json={"name": "Front full body"})
    read = (await api.get(f"/subjects/{subject['id']}")).json()
    assert read["base_images"][0]["shot_type_label"] == "Front full body"
    assert ("body", "gender") in error_locs(await api.post("/subjects/", json={"name": "x", "gender": "ROBOT"}))
    assert ("body", "slug") in error_locs(
        await api.post("/subjects/", json={"name": "x", "gender": "MALE", "slug": "A B"})
    )


async def test_enumerations_and_positive_resolutions(api):
    bad_shot = await api.post("/shot-types/", json={"name": "x", "view_angle": "TOP", "framing": "WIDE"})
    assert {("body", "view_angle"), ("body", "framing")} <= set(error_locs(bad_shot))
    for size in (0, -1, 1.5):
        response = await api.post("/resolution-presets/", json={"name": "x", "width": size, "height": 10})
        assert ("body", "width") in error_locs(response)


async def test_sku_is_unique_within_a_catalog_409(new_user):
    owner, other = await new_user(), await new_user()
    org = await organization(owner.client)
    await post(owner.client, "/products/", name="A", sku="SKU-1")
    duplicate = await owner.client.post("/products/", json={"name": "B", "sku": "sku-1"})
    assert duplicate.status_code == 409 and "SKU" in duplicate.json()["detail"]
    # Another owner's catalog and the organization's catalog are other catalogs.
    await post(other.client, "/products/", name="C", sku="SKU-1")
    in_org = await post(owner.client, "/products/", name="D", sku="SKU-1", organization_id=org)
    assert (
        await owner.client.post("/products/", json={"name": "E", "sku": "SKU-1", "organization_id": org})
    ).status_code == 409
    second = await post(owner.client, "/products/", name="F", sku="SKU-2", organization_id=org)
    assert (await owner.client.patch(f"/products/{second['id']}", json={"sku": "Sku-1"})).status_code == 409
    # Soft delete frees the SKU.
    await owner.client.delete(f"/products/{in_org['id']}")
    assert (await owner.client.patch(f"/products/{second['id']}", json={"sku": "SKU-1"})).status_code == 200


async def test_r5_r8_a45_personal_and_organization_scoping(new_user):
    owner, member, outsider = await new_user(), await new_user(), await new_user()
    org = await organization(owner.client, member)
    personal = await post(owner.client, "/styles/", name="Mine")
    by_body = await post(owner.client, "/styles/", name="Org body", organization_id=org)
    by_query = await post(member.client, "/styles/", name="Org query", params={"organization_id": org})
    assert by_query["organization_id"] == org and by_query["owner_id"] == member.id
    assert ids((await owner.client.get("/styles/")).json()) == [personal["id"]]
    org_page = (await member.client.get("/styles/", params={"organization_id": org})).json()
    assert ids(org_page) == [by_query["id"], by_body["id"]] and org_page["count"] == 2
    assert (await outsider.client.get("/styles/", params={"organization_id": org})).status_code == 403
    assert (
        await outsider.client.post("/styles/", params={"organization_id": org}, json={"name": "x"})
    ).status_code == 403
    assert ("body", "organization_id") in error_locs(
        await outsider.client.post("/styles/", json={"name": "x", "organization_id": org})
    )
    other = await organization(owner.client)
    mismatch = await owner.client.post(
        "/styles/", params={"organization_id": org}, json={"name": "x", "organization_id": other}
    )
    assert ("body", "organization_id") in error_locs(mismatch)
    # PATCH never moves an entry to another catalog.
    moved = await owner.client.patch(f"/styles/{personal['id']}", json={"organization_id": org})
    assert moved.status_code == 200 and moved.json()["organization_id"] is None


async def test_r3_list_pages_with_skip_and_limit(new_user):
    user = await new_user()
    created = [await post(user.client, "/background-presets/", name=f"B{i}") for i in range(3)]
    first = (await user.client.get("/background-presets/", params={"limit": 2})).json()
    rest = (await user.client.get("/background-presets/", params={"skip": 2})).json()
    assert first["count"] == rest["count"] == 3 and len(first["data"]) == 2
    assert ids(first) + ids(rest) == [c["id"] for c in reversed(created)]
    assert ("query", "limit") in error_locs(await user.client.get("/background-presets/", params={"limit": 1001}))


async def test_visibility_404_edit_rights_403_and_public_entries(api, new_user):
    owner, member, stranger = await new_user(), await new_user(), await new_user()
    org = await organization(owner.client, member)
    private = await post(owner.client, "/subjects/", name="Private", gender="MALE", organization_id=org)
    url = f"/subjects/{private['id']}"
    assert (await stranger.client.get(url)).status_code == 404
    assert (await stranger.client.patch(url, json={"name": "Mine"})).status_code == 404
    assert (await stranger.client.delete(url)).status_code == 404
    assert (await member.client.patch(url, json={"name": "Edited"})).json()["name"] == "Edited"
    assert (await api.get(url)).status_code == 200
    # A public entry is readable (and usable) by everyone, but stays its owner's.
    public = await shot_type(api, public=True)
    public_url = f"/shot-types/{public['id']}"
    assert (await stranger.client.get(public_url)).json()["public"] is True
    assert (await stranger.client.patch(public_url, json={"name": "Mine"})).status_code == 403
    assert (await stranger.client.delete(public_url)).status_code == 403
    assert public["id"] not in ids((await stranger.client.get("/shot-types/")).json())
    pose = await post(stranger.client, "/pose-presets/", name="Pose", shot_type_id=public["id"])
    assert pose["shot_type_id"] == public["id"]
    # Only an admin publishes.
    assert (await owner.client.post("/shot-types/", json={**public, "public": True})).status_code == 403
    assert (await owner.client.patch(url, json={"public": True})).status_code == 403


async def test_r27_references_must_resolve_to_live_entries_usable_in_the_scope(new_user):
    user, other = await new_user(), await new_user()
    first, second = await organization(user.client), await organization(user.client)
    foreign_shot = await shot_type(user.client, organization_id=second)
    response = await user.client.post(
        "/pose-presets/", json={"name": "x", "shot_type_id": foreign_shot["id"], "organization_id": first}
    )
    assert error_locs(response) == [("body", "shot_type_id")]
    theirs = await post(other.client, "/subjects/", name="Theirs", gender="FEMALE")
    mine = await shot_type(user.client)
    design = await user.client.post(
        "/set-designs/",
        json={
            "name": "Set",
            "background_preset_id": str(uuid.uuid4()),
            "base_images": [{"subject_id": theirs["id"], "shot_type_id": mine["id"]}],
        },
    )
    assert set(error_locs(design)) == {("body", "background_preset_id"), ("body", "base_images", "0", "subject_id")}
    subject = await post(user.client, "/subjects/", name="S", gender="OTHER")
    await user.client.delete(f"/shot-types/{mine['id']}")
    gone = await user.client.patch(
        f"/subjects/{subject['id']}",
        json={"base_images": [{"shot_type_id": mine["id"], "image_url": "https://x/y.png"}]},
    )
    assert error_locs(gone) == [("body", "base_images", "0", "shot_type_id")]


async def test_set_design_items_get_ids_and_times(api):
    subject = await post(api, "/subjects/", name="Model", gender="FEMALE")
    front = await shot_type(api)
    background = await post(api, "/background-presets/", name="Grey")
    design = await post(
        api,
        "/set-designs/",
        name="Loft",
        background_preset_id=background["id"],
        base_images=[{"subject_id": subject["id"], "shot_type_id": front["id"], "image_url": "https://x/a.png"}],
        reference_images=[{"shot_type_id": front["id"], "label": "mood"}],
        subject_portraits=[{"subject_id": subject["id"]}],
    )
    base = design["base_images"][0]
    assert set(base) == {
        "id",
        "subject_id",
        "shot_type_id",
        "variant_index",
        "image_url",
        "image_media",
        "created_at",
        "updated_at",
    }
    assert base["variant_index"] == 0 and base["image_media"] is None
    assert design["reference_images"][0]["label"] == "mood"
    assert set(design["subject_portraits"][0]) == {"id", "subject_id", "image_media", "created_at", "updated_at"}


async def test_product_list_filters_and_sorting(new_user):
    user = await new_user()
    org = await organization(user.client)
    rows = [
        {"name": "Alpha tee", "sku": "T-1", "brand": "Acme", "brand_collection": "SS27", "product_type": "tshirt"},
        {
            "name": "beta coat",
            "sku": "C-9",
            "brand": "acme",
            "gender": "FEMALE",
            "archived": True,
            "description": "100% wool",
        },
        {"name": "Gamma jeans", "sku": "J-5", "brand": "Other", "gender": "MALE", "enabled": False, "demo": True},
    ]
    made = {r["name"]: await post(user.client, "/products/", organization_id=org, **r) for r in rows}
    await post(user.client, "/products/", name="Personal tee", brand="Acme")

    async def names(**params) -> list[str]:
        response = await user.client.get("/products/", params={"organization_id": org, **params})
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["count"] == len(page["data"]) or "limit" in params
        return [p["name"] for p in page["data"]]

    assert await names() == ["Gamma jeans", "beta coat", "Alpha tee"]  # created_at desc
    assert await names(brand="ACME", sort_by="name", sort_order="asc") == ["Alpha tee", "beta coat"]
    assert await names(archived="true") == ["beta coat"]
    assert await names(enabled="false") == ["Gamma jeans"]
    assert await names(demo="false", sort_by="sku") == ["Alpha tee", "beta coat"]
    assert await names(brand_collection="ss27") == ["Alpha tee"]
    assert await names(gender="MALE") == ["Gamma jeans"]
    assert await names(product_type="TSHIRT") == ["Alpha tee"]
    for term in ("WOOL", "j-5", "tee", "100%"):
        assert len(await names(search=term)) == 1, term
    assert await names(search="%") == ["beta coat"]
    assert await names(sort_by="sku", sort_order="asc") == ["beta coat", "Gamma jeans", "Alpha tee"]
    assert await names(sort_by="brand", sort_order="desc", limit=1) == ["Gamma jeans"]
    limited = await user.client.get("/products/", params={"organization_id": org, "limit": 1, "skip": 1})
    assert limited.json()["count"] == 3 and len(limited.json()["data"]) == 1
    assert (await names(sort_by="updated_at", sort_order="asc"))[0] == "Alpha tee"
    assert await names(shot_statuses="WITHOUT_STATUS", gender="FEMALE") == ["beta coat"]
    assert await names(shot_statuses="APPROVED") == []
    for bad in ({"sort_by": "price"}, {"sort_order": "up"}, {"gender": "OTHER"}, {"shot_statuses": "DONE"}):
        response = await user.client.get("/products/", params=bad)
        key = next(iter(bad))
        assert any(loc[:2] == ("query", key) for loc in error_locs(response)), bad
    assert made["Alpha tee"]["brand_collection"] == "SS27"
