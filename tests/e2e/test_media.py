"""Media through Envoy (D0.17; R142): E44's signed upload URL, the upload with no
token, 403 for a tampered or expired signature, 413 over the size limit, image types only,
sanitised file names, and read URLs a browser can load."""

from __future__ import annotations

import io
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from platformkit.media import MediaSettings
from platformkit.media.signing import signature
from tests.e2e.brief import Brief

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def brief(new_user) -> Brief:
    return await Brief((await new_user()).client).build()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (250, 120, 0)).save(out, format="JPEG")
    return out.getvalue()


def relative(url: str) -> str:
    """An absolute media URL as a path under the clients' /api/v1 base."""
    parts = urlsplit(url)
    return parts.path.split("/api/v1", 1)[1] + (f"?{parts.query}" if parts.query else "")


async def test_r142_upload_then_name_the_image_in_a_revision(brief, anon_api, stack):
    shooting = await brief.shooting()
    look = (
        await brief.looks(
            shooting["id"],
            product_ids=[brief.products["dress"]],
            subject_ids=[brief.subjects["anna"]],
            shot_type_ids=[brief.shot_types["front"]],
        )
    ).json()["production_requests"][0]
    shot_id = look["shots"][0]["id"]
    answer = await brief.client.get(
        "/shots/revisions/upload-url", params={"shot_id": shot_id, "filename": "../Ête final?.jpeg"}
    )
    assert answer.status_code == 200, answer.text
    target = answer.json()
    assert target["method"] == "PUT" and target["headers"] == {"Content-Type": "image/jpeg"} and target["expires_at"]
    assert target["upload_url"].startswith(stack.gateway_url) and target["image_url"].startswith(stack.gateway_url)
    assert target["image_url"].endswith("/Ete-final.jpg") and ".." not in target["image_url"]  # sanitised
    put = await anon_api.put(relative(target["upload_url"]), content=jpeg(), headers=target["headers"])
    assert put.status_code == 200, put.text
    revision = await brief.client.post(
        f"/shots/{shot_id}/revision",
        json={"shot_status": "PROPOSAL", "images": [{"source_type": "UPLOAD", "image_url": target["image_url"]}]},
    )
    assert revision.status_code == 200, revision.text
    image = revision.json()["images"][0]
    assert image["image_url"] == target["image_url"] and image["image_media"]["extension"] == "jpg"
    assert (image["image_media"]["width"], image["image_media"]["height"]) == (30, 20)
    loaded = await anon_api.get(relative(image["effective_image_url"]))  # a browser: no token
    assert loaded.status_code == 200 and loaded.content == jpeg() and loaded.headers["content-type"] == "image/jpeg"
    unsigned = await anon_api.get(relative(target["image_url"]))
    assert unsigned.status_code == 403
    never = await brief.client.get("/shots/revisions/upload-url")
    missing = await brief.client.post(
        f"/shots/{shot_id}/revision",
        json={"shot_status": "PROPOSAL", "images": [{"source_type": "UPLOAD", "image_url": never.json()["image_url"]}]},
    )
    assert missing.status_code == 422  # named but never uploaded


async def test_tampered_or_expired_signatures_are_403(brief, anon_api, stack):
    target = (await brief.client.get("/shots/revisions/upload-url", params={"content_type": "image/png"})).json()
    url = urlsplit(target["upload_url"])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    path = url.path.split("/api/v1", 1)[1]
    headers = {"Content-Type": "image/png"}
    tampered = {**query, "expires": str(int(query["expires"]) + 3600)}
    assert (await anon_api.put(path, params=tampered, content=b"x", headers=headers)).status_code == 403
    other_type = {"Content-Type": "image/jpeg"}  # the signature covers the declared type
    assert (await anon_api.put(path, params=query, content=b"x", headers=other_type)).status_code == 403
    key = path.split("/media/", 1)[1]
    secret = MediaSettings(secret_key=stack.wiring.secret_key).signing_key()
    past = int(time.time()) - 10
    expired = {"expires": str(past), "signature": signature(secret, "PUT", key, past, "image/png")}
    assert (await anon_api.put(path, params=expired, content=b"x", headers=headers)).status_code == 403
    assert (await anon_api.put(path, params=query, content=b"x", headers=headers)).status_code == 200


async def test_only_images_and_at_most_the_size_limit(brief, anon_api):
    refused = await brief.client.get("/shots/revisions/upload-url", params={"content_type": "application/pdf"})
    assert refused.status_code == 422
    target = (await brief.client.get("/shots/revisions/upload-url")).json()
    assert target["max_bytes"] == 25 * 1024 * 1024
    too_big = b"\0" * (target["max_bytes"] + 1)
    response = await anon_api.put(relative(target["upload_url"]), content=too_big, headers=target["headers"])
    assert response.status_code == 413
    shot_hidden = await brief.client.get(
        "/shots/revisions/upload-url", params={"shot_id": "00000000-0000-4000-8000-000000000000"}
    )
    assert shot_hidden.status_code == 404
