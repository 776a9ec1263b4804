"""Look creation's catalog read, look update, delete, restore and the soft-delete cascades over
real gRPC, with the shots service running next to the shootings service (each on its own real
database): what the calls write, the shots they create, delete or compensate, the roll-ups and the
events.

The HTTP behaviour of the same rules is covered end to end in tests/e2e/test_looks_change.py.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest
import pytest_asyncio
import sqlalchemy as sa
from google.protobuf.struct_pb2 import Struct
from sqlalchemy.ext.asyncio import AsyncEngine

from platformkit import rich_status
from platformkit.event_types import EventType
from protos.common.v1 import common_pb2
from protos.events.v1 import looks_pb2 as look_events
from protos.events.v1 import shots_pb2 as shot_event_pb2
from protos.events.v1.envelope_pb2 import EventEnvelope
from protos.shootings.v1 import catalog_pb2, productions_pb2, shootings_pb2
from protos.shootings.v1 import looks_pb2 as pb
from protos.shootings.v1.catalog_pb2_grpc import CatalogServiceStub
from protos.shootings.v1.looks_pb2_grpc import LooksServiceStub
from protos.shootings.v1.productions_pb2_grpc import ProductionsServiceStub
from protos.shootings.v1.shootings_pb2_grpc import ShootingsServiceStub
from services.shootings import events as shooting_events
from tests.integration.shootings.conftest import catalog_statements
from tests.support.services import as_user, shootings_service, shots_service

pytestmark = pytest.mark.asyncio(loop_scope="session")

OWNER, ADMIN = uuid.uuid4(), uuid.uuid4()
ME = as_user(OWNER)
ROOT = as_user(ADMIN, superuser=True)


@dataclass
class Platform:
    shootings: ShootingsServiceStub
    productions: ProductionsServiceStub
    catalog: CatalogServiceStub
    looks: LooksServiceStub
    engine: AsyncEngine
    shots_engine: AsyncEngine
    service_engine: AsyncEngine  # the one the shootings service's handlers use


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def platform(engines, new_database) -> AsyncIterator[Platform]:
    """The shots service, then the shootings service reaching it through ``shots_grpc_target``."""
    bootstrap = engines.broker.bootstrap
    async with shots_service(new_database("shots"), bootstrap) as shots:
        target = f"127.0.0.1:{shots.runtime.bound_port}"
        async with shootings_service(new_database("shootings"), bootstrap, shots_target=target) as service:
            channel = service.channel
            yield Platform(
                ShootingsServiceStub(channel),
                ProductionsServiceStub(channel),
                CatalogServiceStub(channel),
                LooksServiceStub(channel),
                service.engine,
                shots.engine,
                service.runtime.context.engine,
            )


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[sa.RowMapping]:
    async with engine.connect() as conn:
        return list((await conn.execute(sa.text(sql), params)).mappings().all())


async def entry(platform: Platform, kind: str, **fields: Any) -> str:
    values = Struct()
    values.update({"name": f"{kind} {uuid.uuid4().hex[:6]}", **fields})
    created = await platform.catalog.CreateEntry(catalog_pb2.CreateEntryRequest(kind=kind, fields=values), metadata=ME)
    return created.id


@dataclass
class Brief:
    shooting_id: str
    dress: str
    shirt: str
    anna: str
    carl: str
    front: str
    back: str
    detail: str


@pytest_asyncio.fixture(loop_scope="session")
async def brief(platform: Platform) -> Brief:
    """A fresh shooting in PRODUCTION (with its MAIN) and the catalog its looks name."""
    request = shootings_pb2.CreateShootingRequest(name="Looks")
    request.due_date.FromDatetime(datetime(2027, 1, 15, tzinfo=UTC))
    shooting = await platform.shootings.CreateShooting(request, metadata=ME)
    return Brief(
        shooting_id=shooting.id,
        dress=await entry(platform, "product", gender="FEMALE"),
        shirt=await entry(platform, "product", gender="MALE"),
        anna=await entry(platform, "subject", gender="FEMALE"),
        carl=await entry(platform, "subject", gender="MALE"),
        **{
            name: await entry(platform, "shot_type", view_angle=view, framing="FULL_BODY")
            for name, view in (("front", "FRONT"), ("back", "BACK"), ("detail", "SIDE"))
        },
    )


async def create_look(platform: Platform, brief: Brief, shot_types: list[str], **fields: Any) -> pb.Look:
    reply = await platform.looks.CreateLooks(
        pb.CreateLooksRequest(
            shooting_id=brief.shooting_id,
            product_ids=[brief.dress],
            subject_ids=[brief.anna],
            shot_type_ids=shot_types,
            **fields,
        ),
        metadata=ME,
    )
    [look] = reply.page.looks
    return look


def update(brief: Brief, look: pb.Look, *paths: str, **values: Any) -> pb.UpdateLookRequest:
    request = pb.UpdateLookRequest(shooting_id=brief.shooting_id, id=look.id, **values)
    request.update_mask.paths.extend(paths)
    return request


async def look_row(platform: Platform, look_id: str) -> sa.RowMapping:
    [row] = await rows(platform.engine, "SELECT * FROM looks WHERE id = :id", id=look_id)
    return row


async def shooting_row(platform: Platform, brief: Brief) -> sa.RowMapping:
    [row] = await rows(platform.engine, "SELECT * FROM shootings WHERE id = :id", id=brief.shooting_id)
    return row


async def shots_of(platform: Platform, look_id: str) -> dict[str, str]:
    """``{shot_type_id: shot_id}`` of the look's shots in the shots service."""
    found = await rows(
        platform.shots_engine, "SELECT id, shot_type_id FROM shots WHERE production_request_id = :id", id=look_id
    )
    return {str(r["shot_type_id"]): str(r["id"]) for r in found}


async def look_events_of(platform: Platform, look_id: str) -> list[tuple[str, look_events.LookChanged]]:
    """The look.updated/deleted/restored events of one look, oldest first."""
    found = await rows(
        platform.engine,
        "SELECT event_type, payload FROM outbox WHERE event_type = ANY(:types) ORDER BY created_at",
        types=[EventType.LOOK_UPDATED, EventType.LOOK_DELETED, EventType.LOOK_RESTORED],
    )
    result = []
    for row in found:
        envelope = EventEnvelope.FromString(row["payload"])
        payload = look_events.LookChanged()
        envelope.payload.Unpack(payload)
        if payload.look.id == look_id:
            result.append((row["event_type"], payload))
    return result


async def shot_events_of(platform: Platform, look_id: str, shot_type_id: str) -> list[str]:
    """The shots service's events about the look's shots of one shot type, oldest first."""
    found = await rows(platform.shots_engine, "SELECT event_type, payload FROM outbox ORDER BY created_at")
    result = []
    for row in found:
        state = shot_event_pb2.ShotState()
        EventEnvelope.FromString(row["payload"]).payload.Unpack(state)
        if state.look_id == look_id and state.shot_type_id == shot_type_id:
            result.append(row["event_type"])
    return result


async def test_a_creation_checks_every_catalog_entry_it_names_against_one_read(platform, brief):
    """The look's own entries (product, subject, shot type, pose preset, set design: shown in the
    answer) and its other references (a style) are read in one statement."""
    pose = await entry(platform, "pose_preset", shot_type_id=brief.front)
    design, style = await entry(platform, "set_design"), await entry(platform, "style")
    with catalog_statements(platform.service_engine) as statements:
        look = await create_look(
            platform,
            brief,
            [brief.front],
            pose_preset_ids=[pose],
            has_pose_preset_ids=True,
            set_design_id=design,
            defaults=pb.LookSettings(style_id=style),
        )
    assert len(statements) == 1, statements
    assert (look.style_id, look.set_design_id, list(look.pose_preset_ids)) == (style, design, [pose])


async def test_references_checked_against_that_read_keep_their_rules(platform, brief):
    """A style of someone else's catalog (read, out of scope) and a deleted set design (not read)
    are refused at their own fields; nothing is created."""
    stranger = Struct()
    stranger.update({"name": "Theirs"})
    foreign = await platform.catalog.CreateEntry(
        catalog_pb2.CreateEntryRequest(kind="style", fields=stranger), metadata=as_user(uuid.uuid4())
    )
    gone = await entry(platform, "set_design")
    await platform.catalog.DeleteEntry(catalog_pb2.EntryRef(kind="set_design", id=gone), metadata=ME)
    for fields, loc in (
        ({"defaults": pb.LookSettings(style_id=foreign.id)}, ("defaults", "style_id")),
        ({"set_design_id": gone}, ("set_design_id",)),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await create_look(platform, brief, [brief.front], **fields)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, caught.value.details()
        violations = rich_status.field_violations(rich_status.read_status(caught.value))
        assert [v.loc for v in violations] == [loc]
    assert await rows(platform.engine, "SELECT id FROM looks WHERE shooting_id = :id", id=brief.shooting_id) == []


async def test_r96_r102_update_writes_recomputes_rollups_and_announces_the_changed_fields(platform, brief):
    look = await create_look(platform, brief, [brief.front])
    style = await entry(platform, "style")
    reply = await platform.looks.UpdateLook(
        update(brief, look, "readiness", "style_id", readiness="READY", style_id=style), metadata=ME
    )
    assert reply.looks[0].readiness == "READY" and reply.looks[0].status == "PENDING"
    assert [s.shot_type_id for s in reply.shots] == [brief.front]
    row = await look_row(platform, look.id)
    assert (row["readiness"], row["status"], str(row["style_id"])) == ("READY", "PENDING", style)
    assert (await shooting_row(platform, brief))["status"] == "PENDING"
    await platform.looks.UpdateLook(update(brief, look, "readiness", readiness="DRAFT"), metadata=ME)
    assert (await look_row(platform, look.id))["status"] == "DRAFT"
    assert (await shooting_row(platform, brief))["status"] == "DRAFT"
    announced = await look_events_of(platform, look.id)
    assert [(t, list(e.changed_fields)) for t, e in announced] == [
        (EventType.LOOK_UPDATED, ["readiness", "style_id"]),
        (EventType.LOOK_UPDATED, ["readiness"]),
    ]


async def test_a13_r100_absent_keys_stay_and_an_explicit_null_is_auto(platform, brief):
    look = await create_look(platform, brief, [], use_subject_mannequin_double=False)
    await platform.looks.UpdateLook(update(brief, look, "width", width=640), metadata=ME)
    assert (await look_row(platform, look.id))["use_subject_mannequin_double"] is False
    await platform.looks.UpdateLook(update(brief, look, "use_subject_mannequin_double"), metadata=ME)
    row = await look_row(platform, look.id)
    assert row["use_subject_mannequin_double"] is None and row["width"] == 640
    await platform.looks.UpdateLook(update(brief, look, "width", width=640), metadata=ME)  # nothing changes
    assert (await look_row(platform, look.id))["updated_at"] == row["updated_at"]
    assert [t for t, _ in await look_events_of(platform, look.id)] == [EventType.LOOK_UPDATED, EventType.LOOK_UPDATED]


async def test_a36_shot_type_change_creates_and_deletes_shots_and_keeps_the_others(platform, brief):
    look = await create_look(platform, brief, [brief.front, brief.back])
    before = await shots_of(platform, look.id)
    reply = await platform.looks.UpdateLook(
        update(brief, look, "shot_type_ids", shot_type_ids=[brief.back, brief.detail], auto_generate=True), metadata=ME
    )
    after = await shots_of(platform, look.id)
    assert set(after) == {brief.back, brief.detail}
    assert after[brief.back] == before[brief.back]  # a kept shot type keeps its shot
    assert {s.id for s in reply.shots} == set(after.values())
    assert list(reply.created_shot_ids) == [after[brief.detail]]  # what auto_generate generates
    read_model = await rows(
        platform.engine, "SELECT shot_type_id, deleted FROM look_shots WHERE look_id = :id", id=look.id
    )
    assert {(str(r["shot_type_id"]), r["deleted"]) for r in read_model} == {
        (brief.front, True),
        (brief.back, False),
        (brief.detail, False),
    }
    assert list((await look_row(platform, look.id))["shot_type_ids"]) == [
        uuid.UUID(brief.back),
        uuid.UUID(brief.detail),
    ]
    [(kind, event)] = await look_events_of(platform, look.id)
    assert kind == EventType.LOOK_UPDATED and list(event.changed_fields) == ["shot_type_ids"]
    assert event.auto_generate and list(event.created_shot_ids) == [after[brief.detail]]


async def test_a36_a_failed_update_takes_back_the_shots_it_created(platform, brief, monkeypatch):
    look = await create_look(platform, brief, [brief.front])

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the outbox write failed")

    monkeypatch.setattr(shooting_events, "look_changed", broken)
    with pytest.raises(grpc.aio.AioRpcError):
        await platform.looks.UpdateLook(
            update(brief, look, "shot_type_ids", shot_type_ids=[brief.front, brief.detail]), metadata=ME
        )
    assert set(await shots_of(platform, look.id)) == {brief.front}
    # The detail shot did exist before the failure, and was taken back.
    assert await shot_events_of(platform, look.id, brief.detail) == [EventType.SHOT_CREATED, EventType.SHOT_DELETED]
    assert list((await look_row(platform, look.id))["shot_type_ids"]) == [uuid.UUID(brief.front)]
    assert await look_events_of(platform, look.id) == []


def ref(brief: Brief, look: pb.Look) -> pb.LookRef:
    return pb.LookRef(shooting_id=brief.shooting_id, id=look.id)


async def test_r103_r104_delete_then_admin_restore_recompute_the_shooting_and_announce(platform, brief):
    look = await create_look(platform, brief, [brief.front])
    await platform.looks.DeleteLook(ref(brief, look), metadata=ME)
    assert (await look_row(platform, look.id))["deleted_at"] is not None
    assert (await shooting_row(platform, brief))["status"] is None  # no live look left
    assert set(await shots_of(platform, look.id)) == {brief.front}  # shots stay in the shots service
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await platform.looks.RestoreLook(ref(brief, look), metadata=ME)
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    await platform.looks.RestoreLook(ref(brief, look), metadata=ROOT)
    assert (await look_row(platform, look.id))["deleted_at"] is None
    assert (await shooting_row(platform, brief))["status"] == "DRAFT"
    with pytest.raises(grpc.aio.AioRpcError) as live:
        await platform.looks.RestoreLook(ref(brief, look), metadata=ROOT)
    assert live.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert [(t, list(e.changed_fields)) for t, e in await look_events_of(platform, look.id)] == [
        (EventType.LOOK_DELETED, ["deleted_at"]),
        (EventType.LOOK_RESTORED, ["deleted_at"]),
    ]


async def test_r44_r45_r46_a23_shooting_delete_and_restore_take_exactly_their_looks(platform, brief):
    alone = await create_look(platform, brief, [brief.front])
    taken = await create_look(platform, brief, [brief.front], readiness="READY")
    await platform.looks.DeleteLook(ref(brief, alone), metadata=ME)
    await platform.shootings.DeleteShooting(common_pb2.IdRequest(id=brief.shooting_id), metadata=ME)
    shooting = await shooting_row(platform, brief)
    assert (await look_row(platform, taken.id))["deleted_at"] == shooting["deleted_at"]  # R44: same instant
    assert shooting["status"] is None
    with pytest.raises(grpc.aio.AioRpcError) as conflict:
        await platform.looks.RestoreLook(ref(brief, taken), metadata=ROOT)
    assert conflict.value.code() == grpc.StatusCode.FAILED_PRECONDITION  # A23: shooting deleted
    await platform.shootings.RestoreShooting(common_pb2.IdRequest(id=brief.shooting_id), metadata=ROOT)
    assert (await look_row(platform, taken.id))["deleted_at"] is None
    assert (await look_row(platform, alone.id))["deleted_at"] is not None  # R46: deleted earlier on its own
    assert (await shooting_row(platform, brief))["status"] == "PENDING"
    # Contexts projecting looks learn of the cascade look by look.
    taken_events = await look_events_of(platform, taken.id)
    assert [t for t, _ in taken_events] == [EventType.LOOK_DELETED, EventType.LOOK_RESTORED]
    assert taken_events[0][1].look.deleted_at.ToDatetime(tzinfo=UTC) == shooting["deleted_at"]
    assert not taken_events[1][1].look.HasField("deleted_at")
    assert [t for t, _ in await look_events_of(platform, alone.id)] == [EventType.LOOK_DELETED]


async def test_r61_a23_production_delete_stamps_its_looks_and_blocks_their_restore(platform, brief):
    test_run = await platform.productions.CreateProduction(
        productions_pb2.CreateProductionRequest(
            shooting_id=brief.shooting_id, kind=productions_pb2.PRODUCTION_KIND_TEST
        ),
        metadata=ME,
    )
    main_look = await create_look(platform, brief, [brief.front], readiness="READY")
    test_look = await create_look(platform, brief, [], production_id=test_run.id, readiness="READY")
    assert (await shooting_row(platform, brief))["status"] == "READY"  # the TEST look has no shots
    await platform.productions.DeleteProduction(
        productions_pb2.ProductionRef(shooting_id=brief.shooting_id, production_id=test_run.id), metadata=ME
    )
    [production] = await rows(platform.engine, "SELECT deleted_at FROM productions WHERE id = :id", id=test_run.id)
    assert (await look_row(platform, test_look.id))["deleted_at"] == production["deleted_at"]
    assert (await look_row(platform, main_look.id))["deleted_at"] is None
    assert (await shooting_row(platform, brief))["status"] == "PENDING"
    assert [t for t, _ in await look_events_of(platform, test_look.id)] == [EventType.LOOK_DELETED]
    assert await look_events_of(platform, main_look.id) == []
    with pytest.raises(grpc.aio.AioRpcError) as conflict:
        await platform.looks.RestoreLook(ref(brief, test_look), metadata=ROOT)
    assert conflict.value.code() == grpc.StatusCode.FAILED_PRECONDITION
