"""The media lifecycle through the running stack: an upload nobody names and the image of a deleted
revision are swept after the grace period, from the media folder and the shots database, while an
image a revision shows stays. The sweep runs in a second replica of the shots service (same
database and media, its own port) started with a grace period of a second and a short interval,
beside the stack's own replica, which sweeps with the default day: two replicas sweeping the
same data at once, as in production."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from devstack.child import Child
from devstack.environment import process_env
from devstack.ports import free_port
from devstack.processes import PROCESSES
from platformkit.media.keys import key_from_url
from tests.e2e.brief import Brief
from tests.e2e.conftest import OUTPUT
from tests.e2e.shots_support import eventually
from tests.e2e.test_media import relative

pytestmark = pytest.mark.asyncio(loop_scope="session")
SHOTS = next(spec for spec in PROCESSES if spec.name == "shots")


@contextmanager
def sweeping_replica(stack, grace_seconds: float) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    """One more shots service process sweeping every half second; yields the media folder."""
    env = process_env(SHOTS, stack.wiring) | {
        "SHOTS_GRPC_BIND": f"127.0.0.1:{free_port()}",
        "METRICS_BIND": f"127.0.0.1:{free_port()}",
        "MEDIA_SWEEP_GRACE_SECONDS": str(grace_seconds),
        "MEDIA_SWEEP_INTERVAL_SECONDS": "0.5",
    }
    child = Child.python_module("shots-sweeper", SHOTS.module, env, OUTPUT)
    child.start()
    try:
        yield Path(env["STATE_DIR"]) / "media"
    finally:
        child.stop(5)


@pytest.fixture
async def shots_db(stack) -> AsyncIterator[AsyncEngine]:  # type: ignore[no-untyped-def]
    engine = create_async_engine(stack.wiring.database_urls["shots"], pool_size=1)
    yield engine
    await engine.dispose()


async def count(engine: AsyncEngine, query: str, key: str) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(sa.text(query), {"key": key})).scalar_one()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 160, 90)).save(out, format="JPEG")
    return out.getvalue()


async def upload(client, anon_api, shot_id: str) -> str:  # type: ignore[no-untyped-def]
    """E44 then the signed PUT; the canonical image URL."""
    target = (await client.get("/shots/revisions/upload-url", params={"shot_id": shot_id})).json()
    put = await anon_api.put(relative(target["upload_url"]), content=jpeg(), headers=target["headers"])
    assert put.status_code == 200, put.text
    return str(target["image_url"])


async def revision(client, shot_id: str, image_url: str) -> dict:  # type: ignore[no-untyped-def]
    body = {"shot_status": "PROPOSAL", "images": [{"source_type": "UPLOAD", "image_url": image_url}]}
    response = await client.post(f"/shots/{shot_id}/revision", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_unnamed_uploads_and_deleted_revisions_images_are_swept_and_shown_ones_stay(
    stack, new_user, anon_api, shots_db
):
    brief = await Brief((await new_user()).client).build()
    shooting = await brief.shooting()
    [look] = (
        await brief.looks(
            shooting["id"],
            product_ids=[brief.products["dress"]],
            subject_ids=[brief.subjects["anna"]],
            shot_type_ids=[brief.shot_types["front"]],
        )
    ).json()["production_requests"]
    shot_id = look["shots"][0]["id"]
    client = brief.client
    abandoned = key_from_url(await upload(client, anon_api, shot_id))
    deleted_url = await upload(client, anon_api, shot_id)
    shown_url = await upload(client, anon_api, shot_id)
    deleted = await revision(client, shot_id, deleted_url)
    assert (await client.delete(f"/shots/revisions/{deleted['id']}")).status_code == 204
    shown = await revision(client, shot_id, shown_url)
    deleted_key, shown_key = key_from_url(deleted_url), key_from_url(shown_url)
    assert abandoned and deleted_key and shown_key
    slots = "SELECT count(*) FROM upload_slots WHERE key = :key"
    media = "SELECT count(*) FROM media_objects WHERE key = :key"
    assert await count(shots_db, slots, abandoned) == 1  # E44 reserved it before handing out the URL

    with sweeping_replica(stack, grace_seconds=1) as root:
        assert (root / abandoned).is_file() and (root / deleted_key).is_file()

        async def swept() -> bool:  # objects go first, their rows with the sweep's commit
            rows = await count(shots_db, slots, abandoned) + await count(shots_db, media, deleted_key)
            return rows == 0 and not (root / abandoned).exists() and not (root / deleted_key).exists()

        await eventually(swept, "the sweep to delete the unnamed upload and the deleted revision's image", 90)
    assert (root / shown_key).is_file() and await count(shots_db, media, shown_key) == 1
    picture = await anon_api.get(relative(shown["images"][0]["effective_image_url"]))
    assert picture.status_code == 200 and picture.content == jpeg()
    late = await client.post(
        f"/shots/{shot_id}/revision",
        json={"shot_status": "PROPOSAL", "images": [{"source_type": "UPLOAD", "image_url": deleted_url}]},
    )
    assert late.status_code == 422  # a swept upload cannot be named any more
