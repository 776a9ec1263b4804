"""Exports through the gateway against every process (R137-R138, R151-R156; A26, A27, A58,
A59; D0.13, D0.33-D0.37): configurations and
integrations, download in each format with its metadata read back, export of a revision and of a
look pushed by the push worker to a real receiver on loopback, push records on revisions, and
export configuration references resolved by the exports service."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from PIL import Image

from tests.e2e.brief import post
from tests.e2e.exports_support import (
    SECRET,
    ExportBrief,
    integration,
    mapped,
    revision,
    settled,
)
from tests.e2e.test_shootings import error_locs
from tests.support.push_receiver import push_receiver

pytestmark = pytest.mark.asyncio(loop_scope="session")

EXIF_DESCRIPTION = 0x010E
SIGNATURES = {
    "image/jpeg": lambda data: data[:3] == b"\xff\xd8\xff",
    "image/png": lambda data: data[:8] == b"\x89PNG\r\n\x1a\n",
    "image/webp": lambda data: data[:4] == b"RIFF" and data[8:12] == b"WEBP",
    "image/avif": lambda data: data[4:12] in (b"ftypavif", b"ftypavis"),
}


@pytest.fixture(scope="module")
async def owner(new_user):
    return await new_user()


@pytest.fixture(scope="module")
async def brief(owner) -> ExportBrief:
    return await ExportBrief(owner.client).build()


async def configuration(client, fmt: str, adapter: str = "default", **extra) -> str:
    body = {"name": f"{fmt} {adapter}", "format": fmt, "metadata_adapter": adapter, **extra}
    return str((await post(client, "/export-configurations/", body))["id"])


async def test_metadata_adapters_and_export_configurations(brief, new_user):
    client = brief.client
    adapters = (await client.get("/metadata-adapters/")).json()
    assert {a["code"]: a["naming_convention_example"] for a in adapters} == {
        "default": "SKU-123_front_v2.jpg",
        "ovs": "SKU-123_FRONT_02.jpg",
    }
    created = await post(client, "/export-configurations/", {"name": "Web", "format": "WEBP", "quality": 70})
    assert (created["format"], created["quality"], created["metadata_adapter"]) == ("WEBP", 70, "default")
    for bad, loc in (
        ({"format": "GIF"}, "format"),
        ({"quality": 0}, "quality"),
        ({"metadata_adapter": "x"}, "metadata_adapter"),
    ):
        response = await client.post("/export-configurations/", json={"name": "Bad", **bad})
        assert ("body", loc) in error_locs(response)
    patched = await client.patch(f"/export-configurations/{created['id']}", json={"format": "AVIF", "quality": None})
    assert patched.status_code == 200 and (patched.json()["format"], patched.json()["quality"]) == ("AVIF", None)
    listed = (await client.get("/export-configurations/")).json()
    assert created["id"] in [c["id"] for c in listed["data"]] and listed["count"] >= 1
    stranger = await new_user()
    assert (await stranger.client.get(f"/export-configurations/{created['id']}")).status_code == 404
    assert (await client.delete(f"/export-configurations/{created['id']}")).status_code == 200
    assert (await client.get(f"/export-configurations/{created['id']}")).status_code == 404


async def test_integration_secrets_are_write_only(brief):
    client = brief.client
    created = await integration(client, "https://shop.example.com/in")
    assert "secret" not in created and SECRET not in json.dumps(created)
    read = (await client.get(f"/external-integrations/{created['id']}")).json()
    assert "secret" not in read and read["endpoint_url"] == "https://shop.example.com/in"
    short = await client.post(
        "/external-integrations/",
        json={"name": "x", "integration_type": "webhook", "endpoint_url": "https://a.example", "secret": "too-short"},
    )
    assert ("body", "secret") in error_locs(short)
    rotated = await client.patch(
        f"/external-integrations/{created['id']}", json={"secret": "rotated-secret-0123456789"}
    )
    assert rotated.status_code == 200 and "secret" not in rotated.json()


async def test_export_configuration_references_resolve_through_exports(brief, new_user):
    client = brief.client
    mine = await configuration(client, "PNG")
    theirs = await configuration((await new_user()).client, "PNG")
    product = await post(client, "/products/", {"name": "Ref", "sku": f"REF-{uuid.uuid4().hex[:6]}"})
    looks = f"/shootings/{brief.shooting}/production-requests"
    for unusable in (theirs, str(uuid.uuid4())):
        response = await client.patch("/users/me", json={"export_configuration_id": unusable})
        assert ("body", "export_configuration_id") in error_locs(response)
        bad = await client.post(
            looks,
            json={
                "product_ids": [product["id"]],
                "subject_ids": [brief.subject],
                "default_export_configuration_id": unusable,
            },
        )
        assert ("body", "default_export_configuration_id") in error_locs(bad)
        guidelines = await client.post("/guidelines/", json={"name": "G", "export_configuration_id": unusable})
        assert ("body", "export_configuration_id") in error_locs(guidelines)
    me = await client.patch("/users/me", json={"export_configuration_id": mine})
    assert me.json()["export_configuration_id"] == mine
    look = await brief.look(default_export_configuration_id=mine)
    assert look["export_configuration_id"] == mine
    other = await configuration(client, "JPEG")
    updated = await client.put(
        f"/shootings/{brief.shooting}/production-requests/{look['id']}", json={"export_configuration_id": other}
    )
    assert updated.status_code == 200 and updated.json()["export_configuration_id"] == other  # E13
    template = await post(client, "/guidelines/", {"name": "G", "export_configuration_id": mine})
    assert template["export_configuration_id"] == mine
    assert (await client.patch("/users/me", json={"export_configuration_id": None})).status_code == 200


async def download(client, shot_id: str):
    response = await client.get(f"/shots/{shot_id}/download")
    assert response.status_code == 200, response.text
    return response


async def test_r138_download_needs_a_current_revision_with_an_image(brief, new_user):
    look = await brief.look()
    shot = brief.shot(look, "front")
    assert (await brief.client.get(f"/shots/{shot}/download")).status_code == 400
    await revision(brief.client, shot, "PROPOSAL", image=False)
    assert (await brief.client.get(f"/shots/{shot}/download")).status_code == 400
    await revision(brief.client, shot, "PROPOSAL")
    assert (await (await new_user()).client.get(f"/shots/{shot}/download")).status_code == 404
    assert (await brief.client.get(f"/shots/{uuid.uuid4()}/download")).status_code == 404


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "AVIF"])
async def test_r137_download_renders_the_users_format_with_metadata(brief, fmt):
    client = brief.client
    look = await brief.look()
    shot = brief.shot(look, "front")
    current = await revision(client, shot, "REVIEW")
    await client.patch("/users/me", json={"export_configuration_id": await configuration(client, fmt)})
    try:
        response = await download(client, shot)
    finally:
        await client.patch("/users/me", json={"export_configuration_id": None})
    content_type = response.headers["content-type"]
    assert content_type == f"image/{fmt.lower()}" and SIGNATURES[content_type](response.content)
    extension = {"JPEG": "jpg"}.get(fmt, fmt.lower())
    assert (
        response.headers["content-disposition"] == f'attachment; filename="{look["product_sku"]}_front_v1.{extension}"'
    )
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (64, 96)
    described = json.loads(image.getexif()[EXIF_DESCRIPTION])
    assert (described["Sku"], described["ShotType"], described["Revision"]) == (
        look["product_sku"],
        "front",
        current["id"],
    )
    assert described["Shooting"] == "Exports"
    xmp = image.getxmp()["xmpmeta"]["RDF"]["Description"]
    assert (xmp["Sku"], xmp["Product"], xmp["RevisionVersion"]) == (look["product_sku"], look["product_name"], "1")


async def test_r137_the_looks_configuration_wins_over_the_users(brief):
    client = brief.client
    look = await brief.look(default_export_configuration_id=await configuration(client, "PNG", "ovs"))
    shot = brief.shot(look, "front")
    await revision(client, shot, "REVIEW")
    await client.patch("/users/me", json={"export_configuration_id": await configuration(client, "WEBP")})
    try:
        response = await download(client, shot)
    finally:
        await client.patch("/users/me", json={"export_configuration_id": None})
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"] == f'attachment; filename="{look["product_sku"]}_FR_01.png"'
    xmp = Image.open(io.BytesIO(response.content)).getxmp()["xmpmeta"]["RDF"]["Description"]
    assert (xmp["ArticleCode"], xmp["ShotCode"], xmp["Version"]) == (look["product_sku"], "fr", "01")


async def test_r152_r153_a26_a27_export_preconditions_are_400(brief, new_user):
    client = brief.client
    look = await brief.look()
    shot = brief.shot(look, "front")
    proposal = await revision(client, shot, "PROPOSAL")
    assert (await client.post(f"/shots/revisions/{proposal['id']}/export")).status_code == 400  # R152, A26
    approved = await revision(client, shot, "APPROVED")
    unmapped = await client.post(f"/shots/revisions/{approved['id']}/export")
    assert unmapped.status_code == 400 and "mapping" in unmapped.json()["detail"]  # R153, A27
    assert (await client.post(f"/shots/production-requests/{look['id']}/export")).status_code == 400
    assert (await client.post(f"/shots/revisions/{uuid.uuid4()}/export")).status_code == 404
    stranger = await new_user()
    assert (await stranger.client.post(f"/shots/revisions/{approved['id']}/export")).status_code == 404
    assert (await stranger.client.post(f"/shots/production-requests/{look['id']}/export")).status_code == 404


async def test_mappings_belong_to_the_products_scope(brief, new_user):
    client = brief.client
    look = await brief.look()
    product = look["product_id"]
    shop = await integration(client, "https://shop.example.com/in")
    created = await post(
        client, f"/products/{product}/external-mappings", {"integration_id": shop["id"], "external_id": "A-1"}
    )
    again = await client.post(
        f"/products/{product}/external-mappings", json={"integration_id": shop["id"], "external_id": "A-2"}
    )
    assert again.status_code == 409
    stranger = await new_user()
    foreign = await integration(stranger.client, "https://other.example.com/in")
    wrong = await client.post(
        f"/products/{product}/external-mappings", json={"integration_id": foreign["id"], "external_id": "B"}
    )
    assert ("body", "integration_id") in error_locs(wrong)
    assert (await stranger.client.get(f"/products/{product}/external-mappings")).status_code == 404
    listed = (await client.get(f"/products/{product}/external-mappings")).json()
    assert [m["external_id"] for m in listed["data"]] == ["A-1"] and listed["count"] == 1
    deleted = await client.delete(f"/products/{product}/external-mappings/{created['id']}")
    assert (
        deleted.status_code == 200 and (await client.get(f"/products/{product}/external-mappings")).json()["count"] == 0
    )


async def test_r151_r155_r156_export_pushes_to_every_integration_and_shows_the_aggregate(brief, anon_api):
    client = brief.client
    look = await brief.look()
    shot = brief.shot(look, "front")
    async with push_receiver(SECRET) as receiver:
        receiver.fail_first = 2
        flaky = await mapped(client, look["product_id"], receiver.url + "/flaky", "EXT-FLAKY")
        refusing = await mapped(client, look["product_id"], receiver.url + "/refuse", "EXT-REFUSE")
        accepting = await mapped(client, look["product_id"], receiver.url + "/accept", "EXT-ACCEPT")
        approved = await revision(client, shot, "APPROVED")
        assert approved["push_status"] is None and approved["push_records"] == []  # R156
        exported = await client.post(f"/shots/revisions/{approved['id']}/export")
        assert exported.status_code == 200, exported.text
        assert (exported.json()["exports_created"], exported.json()["exports_skipped"]) == (3, 0)
        again = (await client.post(f"/shots/revisions/{approved['id']}/export")).json()
        # Live and completed pushes are never repeated; only the refused one, when its 400 has
        # already come back (FAILED may be pushed again), can be created a second time.
        repeated = again["exports_created"]
        assert repeated in (0, 1) and again["exports_skipped"] == 3 - repeated, again
        found = await settled(client, approved["id"], 3 + repeated)
        by_integration = {p["integration_id"]: p for p in found["push_records"]}
        assert [p["push_status"] for p in found["push_records"] if p["integration_id"] == refusing] == ["FAILED"] * (
            1 + repeated
        )
        assert by_integration[flaky]["push_status"] == "COMPLETED"  # 503 twice, then 200
        assert (
            by_integration[refusing]["push_status"] == "FAILED"
            and "HTTP 400" in by_integration[refusing]["error_message"]
        )
        awaiting = by_integration[accepting]
        assert awaiting["push_status"] == "AWAITING_CONFIRMATION" and awaiting["completed_at"] is None
        assert found["push_status"] == "FAILED"  # R155: the worst wins
        assert all(r.signature_valid for r in receiver.received) and len(receiver.on("/flaky")) == 3
        assert {r.metadata["external_id"] for r in receiver.received} == {"EXT-FLAKY", "EXT-REFUSE", "EXT-ACCEPT"}
        assert receiver.on("/accept")[0].metadata["revision_id"] == approved["id"]
        callback = f"/external-integrations/{accepting}/callback"
        body = json.dumps({"push_id": awaiting["id"], "status": "COMPLETED"}).encode()
        forged = await anon_api.post(callback, content=body, headers={"X-Signature": "sha256=" + "0" * 64})
        assert forged.status_code == 401
        # Bytes beyond ASCII in the header (read as latin-1): the same 401, not an error.
        garbled = await anon_api.post(callback, content=body, headers={"X-Signature": b"sha256=\xb1\xe9" + b"0" * 62})
        assert garbled.status_code == 401, garbled.text
        confirmed = await anon_api.post(callback, content=body, headers={"X-Signature": receiver.sign(body)})
        assert confirmed.status_code == 200 and confirmed.json()["push_status"] == "COMPLETED"
        retried = (await client.post(f"/shots/revisions/{approved['id']}/export")).json()
        assert (retried["exports_created"], retried["exports_skipped"]) == (1, 2)  # only the FAILED one again
        final = await settled(client, approved["id"], 4 + repeated)
    assert len(receiver.on("/refuse")) == 2 + repeated and final["push_status"] == "FAILED"
    statuses = sorted(p["push_status"] for p in final["push_records"])
    assert statuses == ["COMPLETED", "COMPLETED"] + ["FAILED"] * (2 + repeated)
    shot_read = (await client.get(f"/shots/{shot}")).json()
    current = next(r for r in shot_read["revisions"] if r["id"] == approved["id"])
    assert current["push_records"] == final["push_records"] and current["push_status"] == "FAILED"


async def test_r154_a26_export_of_a_look_takes_its_approved_current_revisions(brief):
    client = brief.client
    look = await brief.look()
    front, detail = brief.shot(look, "front"), brief.shot(look, "detail")
    async with push_receiver(SECRET) as receiver:
        await mapped(client, look["product_id"], receiver.url + "/ok")
        approved = await revision(client, front, "APPROVED")
        await revision(client, detail, "REVIEW")
        exported = await client.post(f"/shots/production-requests/{look['id']}/export")
        assert exported.status_code == 200, exported.text
        counts = exported.json()
        assert (counts["revisions_processed"], counts["revisions_skipped"]) == (1, 1)
        assert (counts["exports_created"], counts["exports_skipped"]) == (1, 0)
        await settled(client, approved["id"], 1)
        [sent] = receiver.on("/ok")
        assert sent.metadata["shot_id"] == front and sent.metadata["sku"] == look["product_sku"]
        assert sent.filename == f"{look['product_sku']}_front_v1.jpg" and SIGNATURES["image/jpeg"](sent.image)
    again = (await client.post(f"/shots/production-requests/{look['id']}/export")).json()
    assert (again["revisions_processed"], again["exports_created"], again["exports_skipped"]) == (1, 0, 1)
    board = (await client.get(f"/shootings/{brief.shooting}/production-requests-summary")).json()
    summary = next(s for lk in board["data"] if lk["id"] == look["id"] for s in lk["shots"] if s["id"] == front)
    assert summary["push_status"] == "COMPLETED"
    full = (await client.get(f"/shootings/production-requests/{look['id']}")).json()
    revisions = next(s for s in full["shots"] if s["id"] == front)["revisions"]
    assert [r["push_status"] for r in revisions] == ["COMPLETED"] and len(revisions[0]["push_records"]) == 1


async def test_a59_a_pushed_revision_is_never_deleted(brief):
    client = brief.client
    look = await brief.look()
    shot = brief.shot(look, "front")
    first = await revision(client, shot, "REVIEW")
    async with push_receiver(SECRET) as receiver:
        await mapped(client, look["product_id"], receiver.url + "/ok")
        pushed = await revision(client, shot, "APPROVED")
        assert (await client.post(f"/shots/revisions/{pushed['id']}/export")).status_code == 200
        # Settled means the worker sent it, well after push.created reached the shots service.
        await settled(client, pushed["id"], 1)
    assert (await client.post(f"/shots/revisions/{first['id']}/restore")).status_code == 409
    assert (await client.delete(f"/shots/revisions/{pushed['id']}")).status_code == 409
    shot_read = (await client.get(f"/shots/{shot}")).json()
    assert shot_read["current_revision_id"] == pushed["id"] and len(shot_read["revisions"]) == 2
