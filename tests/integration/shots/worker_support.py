"""The generation worker's processing in a test: its settings, a started generation, a processor
on the real shots database, and the rows it leaves."""

from __future__ import annotations

import uuid
from pathlib import Path

import sqlalchemy as sa

from platformkit import db
from platformkit.media import MediaSettings
from platformkit.media.store import LocalMediaStore
from protos.shots.v1 import shots_pb2 as pb
from protos.shots.v1.shots_pb2_grpc import ShotsServiceStub
from services.shots.worker.processor import GenerationProcessor
from services.shots.worker.settings import GenerationSettings
from tests.e2e.shots_support import png_data_url
from tests.integration.shots.support import OWNER, new_shot
from tests.support.services import as_user


def settings(shots, **values) -> GenerationSettings:
    base = {"database_url": shots.database_url, "grpc_bind": "127.0.0.1:0", "generation_retry_initial_seconds": 0.01}
    return GenerationSettings(service_name="shots", **(base | values))


async def start(
    shots, predictions: int = 2, references: tuple[str, ...] = (), model_id: str | None = None
) -> tuple[str, str]:
    stub = ShotsServiceStub(shots.channel)
    shot = await new_shot(shots)
    inputs = pb.GenerationInputs(
        base_image_url=png_data_url((200, 100, 50)),
        reference_image_urls=list(references),
        view_angle="FRONT",
        framing="FULL_BODY",
        width=64,
        height=96,
    )
    spec = pb.GenerationSpec(shot_id=shot.id, count=1, num_predictions=predictions, inputs=inputs)
    if model_id is not None:
        spec.model_id = model_id
    started = await stub.StartGenerations(
        pb.StartGenerationsRequest(specs=[spec], owner_only=True), metadata=as_user(OWNER)
    )
    return shot.id, started.generations[0].id


def processor(shots, tmp_path: Path, provider, **values) -> GenerationProcessor:
    media = MediaSettings(media_root=tmp_path)
    sessions = db.session_factory(shots.engine)
    return GenerationProcessor(
        sessions, settings(shots, **values), media, LocalMediaStore(tmp_path), provider, "test:1"
    )


async def generation_row(shots, generation_id: str) -> sa.Row:
    async with shots.engine.connect() as conn:
        query = "SELECT status, error, attempts, revision_id FROM generations WHERE id = :id"
        return (await conn.execute(sa.text(query), {"id": uuid.UUID(generation_id)})).one()


async def revisions_of(shots, generation_id: str) -> int:
    async with shots.engine.connect() as conn:
        query = "SELECT count(*) FROM shot_revisions WHERE generation_id = :id"
        return (await conn.execute(sa.text(query), {"id": uuid.UUID(generation_id)})).scalar_one()
