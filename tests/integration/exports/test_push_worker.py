"""The push worker against the real exports database and a real HTTP receiver on loopback
(D0.37): the signature verifies, 503 twice then 200 completes after retries,
400 fails with the reason, 202 then a signed callback completes, a forged callback is refused,
a redelivered push never sends twice once it succeeded."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import grpc
import pytest
import sqlalchemy as sa
from PIL import Image

from platformkit import db
from platformkit.db import transaction
from platformkit.event_types import EventType
from platformkit.media import MediaSettings
from platformkit.media.store import LocalMediaStore
from platformkit.outbox import build_envelope
from protos.common.v1 import common_pb2
from protos.events.v1 import exports_pb2 as events_pb2
from protos.events.v1.envelope_pb2 import EventEnvelope
from protos.exports.v1 import exports_pb2 as pb
from protos.exports.v1.exports_pb2_grpc import ExportsServiceStub
from services.exports.domain.adapters import ImageFacts
from services.exports.domain.formats import RenderSpec
from services.exports.models import PushRecord
from services.exports.pushes import Snapshot
from services.exports.rendering import Renderer
from services.exports.secret_box import SecretBox
from services.exports.settings import ExportsSettings
from services.exports.worker.processor import PushProcessor
from services.exports.worker.sender import Sender
from tests.e2e.shots_support import png_data_url
from tests.support.push_receiver import push_receiver
from tests.support.services import as_user

pytestmark = pytest.mark.asyncio(loop_scope="session")

OWNER = uuid.uuid4()
SECRET = "receiver-secret-" + uuid.uuid4().hex
TEST_KEY = "integration-tests-exports-key"


def processor(exports, tmp_path: Path, **values) -> PushProcessor:
    base = {"database_url": exports.database_url, "push_retry_initial_seconds": 0.01, "push_retry_max_seconds": 0.05}
    settings = ExportsSettings(**(base | values))
    media = MediaSettings(media_root=tmp_path)
    return PushProcessor(
        db.session_factory(exports.engine),
        settings,  # type: ignore[arg-type]
        SecretBox([TEST_KEY]),
        Renderer(media, LocalMediaStore(tmp_path)),
        Sender(settings.push_timeout_seconds, public_only=False),
        "test:1",
    )


class Seeded(NamedTuple):
    push_id: str
    integration_id: str
    facts: ImageFacts


async def new_push(exports, endpoint: str, spec: RenderSpec = RenderSpec("JPEG", 80, "default")) -> Seeded:
    """An integration sending to ``endpoint`` and a PENDING push of a new revision to it."""
    stub = ExportsServiceStub(exports.channel)
    fields = pb.IntegrationFields(name="Shop", integration_type="webhook", endpoint_url=endpoint, secret=SECRET)
    integration = await stub.CreateIntegration(pb.CreateIntegrationRequest(fields=fields), metadata=as_user(OWNER))
    facts = ImageFacts(
        revision_id=str(uuid.uuid4()),
        revision_version=2,
        shot_id=str(uuid.uuid4()),
        production_request_id=str(uuid.uuid4()),
        product_id=str(uuid.uuid4()),
        product_name="Coat",
        sku="COAT-1",
        shot_type="front",
        external_id="EXT-9",
    )
    push_id, now = uuid.uuid4(), datetime.now(UTC)
    async with transaction(db.session_factory(exports.engine)) as session:
        session.add(
            PushRecord(
                id=push_id,
                revision_id=uuid.UUID(facts.revision_id),
                shot_id=uuid.UUID(facts.shot_id),
                production_request_id=uuid.UUID(facts.production_request_id),
                product_id=uuid.UUID(facts.product_id),
                integration_id=uuid.UUID(integration.id),
                status="PENDING",
                payload=Snapshot(png_data_url((10, 120, 200)), spec, facts).to_json(),
                created_by=OWNER,
                created_at=now,
                updated_at=now,
            )
        )
    return Seeded(str(push_id), integration.id, facts)


async def push_row(exports, push_id: str) -> sa.Row:
    async with exports.engine.connect() as conn:
        query = "SELECT status, attempts, error_message, pushed_at, completed_at FROM push_records WHERE id = :id"
        return (await conn.execute(sa.text(query), {"id": uuid.UUID(push_id)})).one()


async def announced(exports, push_id: str) -> list[str]:
    """The statuses the push announced on exports.events, in order."""
    async with exports.engine.connect() as conn:
        rows = await conn.execute(
            sa.text("SELECT event_type, payload FROM outbox WHERE key = :key ORDER BY created_at"), {"key": push_id}
        )
        statuses = []
        for row in rows:
            envelope = EventEnvelope.FromString(row.payload)
            change = events_pb2.PushChanged()
            envelope.payload.Unpack(change)
            statuses.append(change.push.push_status)
        return statuses


async def test_a_signed_multipart_push_completes_once_and_a_redelivery_sends_nothing(exports, tmp_path):
    async with push_receiver(SECRET) as receiver:
        push_id, _, facts = await new_push(exports, receiver.url + "/ok")
        work = processor(exports, tmp_path)
        assert await work.process(uuid.UUID(push_id)) == "COMPLETED"
        assert await work.process(uuid.UUID(push_id)) is None  # redelivered: nothing is sent twice
        [sent] = receiver.on("/ok")
    assert sent.signature_valid
    assert sent.metadata == {
        "push_id": push_id,
        "revision_id": facts.revision_id,
        "shot_id": facts.shot_id,
        "production_request_id": facts.production_request_id,
        "product_id": facts.product_id,
        "sku": "COAT-1",
        "external_id": "EXT-9",
        "shot_type": "front",
        "format": "JPEG",
    }
    assert sent.image[:3] == b"\xff\xd8\xff" and sent.content_type == "image/jpeg"
    assert sent.filename == "COAT-1_front_v2.jpg" and Image.open(io.BytesIO(sent.image)).size == (48, 72)
    row = await push_row(exports, push_id)
    assert (row.status, row.attempts, row.error_message) == ("COMPLETED", 1, None)
    assert row.pushed_at is not None and row.completed_at is not None
    assert await announced(exports, push_id) == ["IN_PROGRESS", "COMPLETED"]


async def test_503_twice_then_200_completes_after_retries(exports, tmp_path):
    async with push_receiver(SECRET) as receiver:
        receiver.fail_first = 2
        push_id, *_ = await new_push(exports, receiver.url + "/flaky")
        assert await processor(exports, tmp_path).process(uuid.UUID(push_id)) == "COMPLETED"
        sent = receiver.on("/flaky")
    assert len(sent) == 3 and all(s.signature_valid for s in sent)
    assert len({s.image for s in sent}) == 1  # every retry sends the same bytes
    assert (await push_row(exports, push_id)).attempts == 3


async def test_400_fails_at_once_with_the_reason(exports, tmp_path):
    async with push_receiver(SECRET) as receiver:
        push_id, *_ = await new_push(exports, receiver.url + "/refuse")
        assert await processor(exports, tmp_path).process(uuid.UUID(push_id)) == "FAILED"
        assert len(receiver.on("/refuse")) == 1
    row = await push_row(exports, push_id)
    assert row.attempts == 1 and "HTTP 400" in row.error_message and "unknown article code" in row.error_message
    assert row.completed_at is None


async def test_retries_stop_after_the_configured_attempts(exports, tmp_path):
    async with push_receiver(SECRET) as receiver:
        receiver.fail_first = 100
        push_id, *_ = await new_push(exports, receiver.url + "/flaky")
        assert await processor(exports, tmp_path).process(uuid.UUID(push_id)) == "FAILED"
        assert len(receiver.on("/flaky")) == 5
    row = await push_row(exports, push_id)
    assert row.attempts == 5 and row.error_message.startswith("gave up after 5 attempts") and "503" in row.error_message


async def test_a_timeout_is_retried_like_a_5xx(exports, tmp_path):
    async with push_receiver(SECRET) as receiver:
        receiver.slow_seconds = 2.0
        push_id, *_ = await new_push(exports, receiver.url + "/slow")
        work = processor(exports, tmp_path, push_timeout_seconds=0.2, push_max_attempts=2)
        assert await work.process(uuid.UUID(push_id)) == "FAILED"
        assert len(receiver.on("/slow")) == 2
    assert "timed out" in (await push_row(exports, push_id)).error_message


async def test_202_awaits_a_signed_callback_and_a_forged_one_is_refused(exports, tmp_path):
    stub = ExportsServiceStub(exports.channel)
    async with push_receiver(SECRET) as receiver:
        push_id, integration_id, _ = await new_push(exports, receiver.url + "/accept", RenderSpec("PNG", None, "ovs"))
        assert await processor(exports, tmp_path).process(uuid.UUID(push_id)) == "AWAITING_CONFIRMATION"
        assert receiver.on("/accept")[0].filename == "COAT-1_FRONT_02.png"
        row = await push_row(exports, push_id)
        assert row.pushed_at is not None and row.completed_at is None
        body = f'{{"push_id": "{push_id}", "status": "COMPLETED"}}'.encode()
        forged = pb.ConfirmPushRequest(integration_id=integration_id, body=body, signature="sha256=" + "0" * 64)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.ConfirmPush(forged)
        assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
        assert (await push_row(exports, push_id)).status == "AWAITING_CONFIRMATION"
        signed = pb.ConfirmPushRequest(integration_id=integration_id, body=body, signature=receiver.sign(body))
        confirmed = await stub.ConfirmPush(signed)
        assert confirmed.push_status == "COMPLETED" and confirmed.HasField("completed_at")
        assert (await stub.ConfirmPush(signed)).push_status == "COMPLETED"  # a retried callback changes nothing
        late = f'{{"push_id": "{push_id}", "status": "FAILED"}}'.encode()
        with pytest.raises(grpc.aio.AioRpcError) as conflict:
            await stub.ConfirmPush(
                pb.ConfirmPushRequest(integration_id=integration_id, body=late, signature=receiver.sign(late))
            )
        assert conflict.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert await announced(exports, push_id) == ["IN_PROGRESS", "AWAITING_CONFIRMATION", "COMPLETED"]


async def test_a_push_to_a_deleted_integration_fails_without_sending(exports, tmp_path):
    stub = ExportsServiceStub(exports.channel)
    async with push_receiver(SECRET) as receiver:
        push_id, integration_id, _ = await new_push(exports, receiver.url + "/ok")
        await stub.DeleteIntegration(common_pb2.IdRequest(id=integration_id), metadata=as_user(OWNER))
        assert await processor(exports, tmp_path).process(uuid.UUID(push_id)) is None
        assert receiver.on("/ok") == []
    row = await push_row(exports, push_id)
    assert row.status == "FAILED" and "deleted" in row.error_message


async def test_the_consumer_handler_sends_a_requested_push(exports, tmp_path):
    async with push_receiver(SECRET) as receiver:
        push_id, *_ = await new_push(exports, receiver.url + "/ok")
        envelope = build_envelope(
            event_id=uuid.uuid4(),
            event_type=EventType.PUSH_REQUESTED,
            aggregate_id=push_id,
            payload=events_pb2.PushRequested(push_id=push_id),
            source="exports",
        )
        work = processor(exports, tmp_path)
        async with transaction(db.session_factory(exports.engine)) as session:
            await work.handle(session, envelope)
        assert len(receiver.on("/ok")) == 1
    assert (await push_row(exports, push_id)).status == "COMPLETED"
