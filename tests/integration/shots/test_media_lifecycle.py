"""The media lifecycle against the real shots database, with the local store and the S3 store
(moto on loopback): upload slots nobody names and media nothing names any more are swept after
the grace period, from the store and the database; what is still named stays; two sweeping
replicas delete each object once; an upload over the size limit never becomes media."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections import Counter
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
from PIL import Image

from platformkit import db
from platformkit.errors import TooLarge
from platformkit.media import MediaStore, open_store
from platformkit.media.keys import upload_key
from platformkit.media.store import LocalMediaStore
from platformkit.principal import Caller
from protos.common.v1 import common_pb2
from protos.shots.v1 import shots_pb2 as pb
from protos.shots.v1.shots_pb2_grpc import ShotsServiceStub
from services.shots import revisions
from services.shots.media import reserve_slots
from services.shots.media_sweep import MediaSweeper, Swept
from services.shots.worker.providers.local import LocalProvider
from tests.integration.shots.support import OWNER, new_shot
from tests.integration.shots.worker_support import processor, start
from tests.support.services import as_user

pytestmark = pytest.mark.asyncio(loop_scope="session")
OWNER_CALLER = Caller(OWNER, False, frozenset())
LIMIT = 25 * 1024 * 1024


def png(size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 30, 200)).save(out, format="PNG")
    return out.getvalue()


async def uploaded(shots, store: MediaStore, data: bytes | None = None) -> str:
    """An object uploaded through a slot, as E44 and the signed PUT leave it."""
    key = upload_key(str(OWNER), "a.png", "image/png")
    async with db.transaction(db.session_factory(shots.engine)) as session:
        await reserve_slots(session, [key], OWNER)
    await store.put(key, data or png(), "image/png")
    return key


async def revision_naming(shots, store: MediaStore, shot_id: str, key: str, max_bytes: int = LIMIT) -> uuid.UUID:
    async with db.transaction(db.session_factory(shots.engine)) as session:
        revision = await revisions.create_revision(
            session,
            OWNER_CALLER,
            store,
            uuid.UUID(shot_id),
            shot_status="PROPOSAL",
            images=[{"source_type": "UPLOAD", "image_url": f"media:{key}", "media_key": key}],
            previous_revision_id=None,
            notes=None,
            max_bytes=max_bytes,
        )
        return revision.id


async def delete_revision(shots, revision_id: uuid.UUID) -> None:
    async with db.transaction(db.session_factory(shots.engine)) as session:
        await revisions.delete_revision(session, OWNER_CALLER, revision_id)


async def media_row(shots, key: str) -> sa.Row | None:
    async with shots.engine.connect() as conn:
        query = "SELECT id, detached_at FROM media_objects WHERE key = :key"
        return (await conn.execute(sa.text(query), {"key": key})).one_or_none()


async def slot_count(shots, keys: list[str]) -> int:
    async with shots.engine.connect() as conn:
        query = "SELECT count(*) FROM upload_slots WHERE key = ANY(:keys)"
        return (await conn.execute(sa.text(query), {"keys": keys})).scalar_one()


def sweeper(shots, store: MediaStore, grace: float, batch: int = 200) -> MediaSweeper:
    return MediaSweeper(db.session_factory(shots.engine), store, grace, batch)


async def sweep_all(shots, store: MediaStore) -> None:
    """A sweep with no grace at all: everything unnamed so far goes (other tests' leftovers too)."""
    await sweeper(shots, store, 0).sweep()


async def test_an_upload_nobody_names_is_swept_after_the_grace_period(shots, tmp_path):
    store = LocalMediaStore(tmp_path)
    shot = await new_shot(shots)
    abandoned, named = await uploaded(shots, store), await uploaded(shots, store)
    await revision_naming(shots, store, shot.id, named)
    assert await slot_count(shots, [abandoned, named]) == 1  # naming it consumed its slot
    assert await sweeper(shots, store, grace=3600).sweep() == Swept(0, 0)  # both too recent
    assert await store.head(abandoned) is not None
    await sweep_all(shots, store)
    assert await store.head(abandoned) is None and await slot_count(shots, [abandoned]) == 0
    assert not (tmp_path / abandoned).parent.exists()  # its folder went with it
    assert await store.head(named) is not None and await media_row(shots, named) is not None


async def test_detached_media_go_once_nothing_names_them_and_predictions_keep_theirs(shots, tmp_path):
    store = LocalMediaStore(tmp_path)
    shot = await new_shot(shots)
    key = await uploaded(shots, store)
    first = await revision_naming(shots, store, shot.id, key)
    second = await revision_naming(shots, store, shot.id, key)
    await delete_revision(shots, second)
    assert (await media_row(shots, key)).detached_at is None  # the first revision still shows it
    await sweep_all(shots, store)
    assert await store.head(key) is not None
    await delete_revision(shots, first)
    assert (await media_row(shots, key)).detached_at is not None
    assert await sweeper(shots, store, grace=3600).sweep() == Swept(0, 0)
    await sweep_all(shots, store)
    assert await store.head(key) is None and await media_row(shots, key) is None
    # A generation's images stay while the generation shows them, its revision deleted or not.
    shot_id, generation_id = await start(shots, predictions=1)
    assert await processor(shots, tmp_path, LocalProvider()).process(uuid.UUID(generation_id)) == "COMPLETED"
    stub = ShotsServiceStub(shots.channel)
    generation = await stub.GetGeneration(common_pb2.IdRequest(id=generation_id), metadata=as_user(OWNER))
    prediction = generation.predictions[0].media_key
    await delete_revision(shots, uuid.UUID(generation.revision_id))
    await sweep_all(shots, store)
    assert await store.head(prediction) is not None and await slot_count(shots, [prediction]) == 0
    await stub.DeleteShot(common_pb2.IdRequest(id=shot_id), metadata=as_user(OWNER))  # generations go with it
    await sweep_all(shots, store)
    assert await store.head(prediction) is None and await media_row(shots, prediction) is None


class CountingStore(LocalMediaStore):
    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.deleted: Counter[str] = Counter()

    async def delete(self, key: str) -> None:
        self.deleted[key] += 1
        await asyncio.sleep(0.001)  # let the other replica's batch interleave
        await super().delete(key)


async def test_two_replicas_sweeping_at_once_delete_each_object_once(shots, tmp_path):
    store = CountingStore(tmp_path)
    await sweep_all(shots, store)  # earlier tests' leftovers out of the count
    store.deleted.clear()
    keys = [await uploaded(shots, store) for _ in range(40)]
    results = await asyncio.gather(sweeper(shots, store, 0, batch=5).sweep(), sweeper(shots, store, 0, batch=5).sweep())
    assert sum(r.slots for r in results) == 40
    assert set(store.deleted) == set(keys) and set(store.deleted.values()) == {1}
    assert await slot_count(shots, keys) == 0


async def test_upload_keys_are_reserved_only_under_uploads(shots):
    stub = ShotsServiceStub(shots.channel)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.ReserveUploads(pb.ReserveUploadsRequest(keys=["predictions/x/y.png"]), metadata=as_user(OWNER))
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    key = upload_key("scope", "b.png", "image/png")
    await stub.ReserveUploads(pb.ReserveUploadsRequest(keys=[key, key]), metadata=as_user(OWNER))
    assert await slot_count(shots, [key]) == 1


async def test_s3_an_upload_over_the_limit_never_becomes_media_and_leftovers_are_swept(shots, s3_settings):
    store = open_store(s3_settings)
    shot = await new_shot(shots)
    big = await uploaded(shots, store, png((256, 256)))
    size = (await store.head(big)).size
    with pytest.raises(TooLarge, match=f"{size - 1} byte limit"):
        await revision_naming(shots, store, shot.id, big, max_bytes=size - 1)
    assert await store.head(big) is None and await media_row(shots, big) is None  # deleted at once
    fits = await uploaded(shots, store)
    await revision_naming(shots, store, shot.id, fits, max_bytes=size - 1)
    assert await media_row(shots, fits) is not None
    abandoned = await uploaded(shots, store)
    await sweep_all(shots, store)
    assert await store.head(abandoned) is None and await slot_count(shots, [abandoned, big]) == 0
    assert await store.head(fits) is not None
