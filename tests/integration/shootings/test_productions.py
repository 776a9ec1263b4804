"""ProductionsService over real gRPC against a real database: what each call writes (snapshot
rows, phase history, outbox events, soft deletes) and what a refused call leaves untouched.

The HTTP behaviour of the same rules is covered end to end in tests/e2e/test_productions.py.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
import pytest_asyncio
import sqlalchemy as sa
from google.protobuf.field_mask_pb2 import FieldMask

from platformkit.event_types import EventType
from protos.common.v1 import common_pb2
from protos.events.v1 import productions_pb2 as production_events
from protos.events.v1.envelope_pb2 import EventEnvelope
from protos.shootings.v1 import productions_pb2 as ppb
from protos.shootings.v1 import shootings_pb2 as pb
from protos.shootings.v1.productions_pb2_grpc import ProductionsServiceStub
from tests.integration.shootings.conftest import as_user
from tests.integration.shootings.test_service import create_request, rows
from tests.support.principals import signed_channel

pytestmark = pytest.mark.asyncio(loop_scope="session")

OWNER = uuid.uuid4()
ADMIN = uuid.uuid4()
MAIN, TEST = ppb.PRODUCTION_KIND_MAIN, ppb.PRODUCTION_KIND_TEST
BRIEF, PRODUCTION = pb.SHOOTING_PHASE_BRIEF, pb.SHOOTING_PHASE_PRODUCTION


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def productions(shootings) -> AsyncIterator[ProductionsServiceStub]:
    """ProductionsService of the module's running shootings service (same process, same port)."""
    channel = signed_channel(f"127.0.0.1:{shootings.runtime.bound_port}", "shootings")
    try:
        yield ProductionsServiceStub(channel)
    finally:
        await channel.close()


async def new_shooting(shootings, user=OWNER, **fields) -> pb.Shooting:
    return await shootings.stub.CreateShooting(create_request(**fields), metadata=as_user(user))


async def add(productions, shooting_id: str, kind: int, user=OWNER) -> ppb.Production:
    request = ppb.CreateProductionRequest(shooting_id=shooting_id, kind=kind)
    return await productions.CreateProduction(request, metadata=as_user(user))


async def refused(call, code: grpc.StatusCode) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert caught.value.code() == code, caught.value.details()


async def production_rows(shootings, shooting_id: str):
    return await rows(
        shootings.engine,
        "SELECT id, kind, deleted_at, guidelines_id FROM productions WHERE shooting_id = :id ORDER BY created_at",
        id=shooting_id,
    )


async def history(shootings, shooting_id: str) -> list[tuple]:
    found = await rows(
        shootings.engine,
        "SELECT from_phase, to_phase, changed_by FROM shooting_phase_changes WHERE shooting_id = :id"
        " ORDER BY changed_at, to_phase",
        id=shooting_id,
    )
    return [(h["from_phase"], h["to_phase"], h["changed_by"]) for h in found]


async def event_types(shootings, shooting_id: str) -> list[str]:
    found = await rows(
        shootings.engine, "SELECT event_type FROM outbox WHERE key = :id ORDER BY created_at", id=shooting_id
    )
    return [e["event_type"] for e in found]


async def production_events_of(shootings, shooting_id: str, event_type: str, message_class):
    found = await rows(
        shootings.engine,
        "SELECT payload FROM outbox WHERE key = :id AND event_type = :t ORDER BY created_at",
        id=shooting_id,
        t=event_type,
    )
    payloads = []
    for row in found:
        payload = message_class()
        EventEnvelope.FromString(row["payload"]).payload.Unpack(payload)
        payloads.append(payload)
    return payloads


async def test_r53_r57_each_test_run_bakes_its_own_snapshot_and_publishes_created(shootings, productions):
    shooting = await new_shooting(
        shootings,
        phase=BRIEF,
        default_guidelines=pb.GuidelinesInput(name="House style", auto_start_look_generations=True),
    )
    first = await add(productions, shooting.id, TEST)
    second = await add(productions, shooting.id, TEST)
    snapshots = await rows(
        shootings.engine,
        "SELECT g.id, g.snapshot_of, g.auto_start_look_generations FROM productions p"
        " JOIN guidelines g ON g.id = p.guidelines_id WHERE p.shooting_id = :id",
        id=shooting.id,
    )
    assert {str(s["id"]) for s in snapshots} == {first.guidelines_id, second.guidelines_id}
    assert first.guidelines_id != second.guidelines_id != shooting.default_guidelines_id
    assert {(str(s["snapshot_of"]), s["auto_start_look_generations"]) for s in snapshots} == {
        (shooting.default_guidelines_id, True)
    }
    created = await production_events_of(
        shootings, shooting.id, EventType.PRODUCTION_CREATED, production_events.ProductionCreated
    )
    assert [(e.production.id, e.production.kind, e.created_by) for e in created] == [
        (first.id, "TEST", str(OWNER)),
        (second.id, "TEST", str(OWNER)),
    ]
    assert created[0].production.guidelines_id == first.guidelines_id
    # R57: TEST runs leave the phase alone.
    assert await history(shootings, shooting.id) == [(None, "BRIEF", OWNER)]


async def test_r53_without_a_template_no_snapshot_is_written(shootings, productions):
    shooting = await new_shooting(shootings, phase=BRIEF)
    (before,) = await rows(shootings.engine, "SELECT count(*) n FROM guidelines")
    production = await add(productions, shooting.id, TEST)
    assert not production.HasField("guidelines_id")
    assert await rows(shootings.engine, "SELECT count(*) n FROM guidelines") == [before]
    assert [p["guidelines_id"] for p in await production_rows(shootings, shooting.id)] == [None]


async def test_r56_main_moves_the_shooting_to_production_naming_the_member_who_asked(shootings, productions):
    organization, member = uuid.uuid4(), uuid.uuid4()
    shooting = await shootings.stub.CreateShooting(
        create_request(phase=BRIEF, organization_id=str(organization)),
        metadata=as_user(OWNER, organizations=[organization]),
    )
    main = await productions.CreateProduction(
        ppb.CreateProductionRequest(shooting_id=shooting.id, kind=MAIN),
        metadata=as_user(member, organizations=[organization]),
    )
    assert main.kind == MAIN
    assert await history(shootings, shooting.id) == [(None, "BRIEF", OWNER), ("BRIEF", "PRODUCTION", member)]
    (row,) = await rows(shootings.engine, "SELECT phase, updated_at FROM shootings WHERE id = :id", id=shooting.id)
    assert row["phase"] == "PRODUCTION"
    assert await event_types(shootings, shooting.id) == [
        EventType.SHOOTING_CREATED,
        EventType.SHOOTING_PHASE_CHANGED,
        EventType.PRODUCTION_CREATED,
        EventType.SHOOTING_PHASE_CHANGED,
    ]


async def test_r56_main_in_production_adds_no_history_row(shootings, productions):
    shooting = await new_shooting(shootings)  # PRODUCTION with its MAIN
    (main,) = await production_rows(shootings, shooting.id)
    ref = ppb.ProductionRef(shooting_id=shooting.id, production_id=str(main["id"]))
    await productions.DeleteProduction(ref, metadata=as_user(OWNER))
    await add(productions, shooting.id, MAIN)
    assert await history(shootings, shooting.id) == [(None, "PRODUCTION", OWNER)]
    assert [(p["kind"], p["deleted_at"] is None) for p in await production_rows(shootings, shooting.id)] == [
        ("MAIN", False),
        ("MAIN", True),
    ]


async def test_r54_r55_refused_main_writes_nothing(shootings, productions):
    shooting = await new_shooting(shootings, phase=BRIEF, require_test_shooting=True)
    await refused(add(productions, shooting.id, MAIN), grpc.StatusCode.FAILED_PRECONDITION)
    assert await production_rows(shootings, shooting.id) == []
    assert await event_types(shootings, shooting.id) == [EventType.SHOOTING_CREATED, EventType.SHOOTING_PHASE_CHANGED]
    await add(productions, shooting.id, TEST)
    await add(productions, shooting.id, MAIN)
    await refused(add(productions, shooting.id, MAIN), grpc.StatusCode.FAILED_PRECONDITION)
    kinds = [p["kind"] for p in await production_rows(shootings, shooting.id)]
    assert kinds == ["TEST", "MAIN"]


async def test_r55_concurrent_main_requests_create_exactly_one(shootings, productions):
    shooting = await new_shooting(shootings, phase=BRIEF)
    outcomes = await asyncio.gather(*(add(productions, shooting.id, MAIN) for _ in range(4)), return_exceptions=True)
    created = [o for o in outcomes if isinstance(o, ppb.Production)]
    conflicts = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
    assert len(created) == 1
    assert {c.code() for c in conflicts} == {grpc.StatusCode.FAILED_PRECONDITION}
    assert [p["kind"] for p in await production_rows(shootings, shooting.id)] == ["MAIN"]
    assert len(await history(shootings, shooting.id)) == 2


async def test_r52_unspecified_kind_is_invalid(shootings, productions):
    shooting = await new_shooting(shootings, phase=BRIEF)
    await refused(add(productions, shooting.id, ppb.PRODUCTION_KIND_UNSPECIFIED), grpc.StatusCode.INVALID_ARGUMENT)


async def phase(productions, shooting_id: str, to: int, user=OWNER) -> pb.Shooting:
    request = ppb.UpdateShootingPhaseRequest(shooting_id=shooting_id, phase=to)
    return await productions.UpdateShootingPhase(request, metadata=as_user(user))


async def test_r47_r48_r49_a18_phase_moves_append_history_and_production_creates_main(shootings, productions):
    shooting = await new_shooting(shootings, phase=BRIEF, default_guidelines=pb.GuidelinesInput(name="Look"))
    await phase(productions, shooting.id, pb.SHOOTING_PHASE_TEST_SHOOTING)
    again = await phase(productions, shooting.id, pb.SHOOTING_PHASE_TEST_SHOOTING)  # R48: no row
    assert again.phase == pb.SHOOTING_PHASE_TEST_SHOOTING
    moved = await phase(productions, shooting.id, PRODUCTION)
    assert moved.phase == PRODUCTION and moved.default_guidelines.name == "Look"
    (main,) = await production_rows(shootings, shooting.id)
    assert main["kind"] == "MAIN" and main["guidelines_id"] is not None
    await phase(productions, shooting.id, pb.SHOOTING_PHASE_CLOSED)
    await phase(productions, shooting.id, PRODUCTION)  # A18: MAIN present, a plain row
    await phase(productions, shooting.id, BRIEF)  # R49: backwards is fine
    assert [(f, t) for f, t, _ in await history(shootings, shooting.id)] == [
        (None, "BRIEF"),
        ("BRIEF", "TEST_SHOOTING"),
        ("TEST_SHOOTING", "PRODUCTION"),
        ("PRODUCTION", "CLOSED"),
        ("CLOSED", "PRODUCTION"),
        ("PRODUCTION", "BRIEF"),
    ]
    # A18: leaving PRODUCTION leaves MAIN alone.
    assert [(p["kind"], p["deleted_at"]) for p in await production_rows(shootings, shooting.id)] == [("MAIN", None)]
    types = await event_types(shootings, shooting.id)
    assert types.count(EventType.SHOOTING_PHASE_CHANGED) == 6 and types.count(EventType.PRODUCTION_CREATED) == 1


async def test_r50_a_refused_move_to_production_writes_nothing(shootings, productions):
    shooting = await new_shooting(shootings, phase=BRIEF, require_test_shooting=True)
    await refused(phase(productions, shooting.id, PRODUCTION), grpc.StatusCode.FAILED_PRECONDITION)
    (row,) = await rows(shootings.engine, "SELECT phase FROM shootings WHERE id = :id", id=shooting.id)
    assert row["phase"] == "BRIEF"
    assert len(await history(shootings, shooting.id)) == 1
    assert await production_rows(shootings, shooting.id) == []
    await add(productions, shooting.id, TEST)
    await phase(productions, shooting.id, PRODUCTION)
    assert [p["kind"] for p in await production_rows(shootings, shooting.id)] == ["TEST", "MAIN"]


async def test_r51_unspecified_phase_is_invalid(shootings, productions):
    shooting = await new_shooting(shootings)
    await refused(phase(productions, shooting.id, pb.SHOOTING_PHASE_UNSPECIFIED), grpc.StatusCode.INVALID_ARGUMENT)


async def test_r60_archiving_publishes_one_update_and_repeating_it_none(shootings, productions):
    shooting = await new_shooting(shootings)
    (main,) = await production_rows(shootings, shooting.id)
    request = ppb.UpdateProductionRequest(shooting_id=shooting.id, production_id=str(main["id"]), archived=True)
    first = await productions.UpdateProduction(request, metadata=as_user(OWNER))
    second = await productions.UpdateProduction(request, metadata=as_user(OWNER))
    assert first.archived and second.archived
    assert second.updated_at == first.updated_at
    updates = await production_events_of(
        shootings, shooting.id, EventType.PRODUCTION_UPDATED, production_events.ProductionUpdated
    )
    assert [(u.production.archived, list(u.changed_fields)) for u in updates] == [(True, ["archived"])]


async def test_r61_delete_is_soft_hides_the_production_and_publishes_deleted(shootings, productions):
    shooting = await new_shooting(shootings)
    (main,) = await production_rows(shootings, shooting.id)
    ref = ppb.ProductionRef(shooting_id=shooting.id, production_id=str(main["id"]))
    await productions.DeleteProduction(ref, metadata=as_user(OWNER))
    (row,) = await production_rows(shootings, shooting.id)
    assert row["deleted_at"] is not None
    await refused(productions.GetProduction(ref, metadata=as_user(OWNER)), grpc.StatusCode.NOT_FOUND)
    await refused(productions.DeleteProduction(ref, metadata=as_user(OWNER)), grpc.StatusCode.NOT_FOUND)
    (deleted,) = await production_events_of(
        shootings, shooting.id, EventType.PRODUCTION_DELETED, production_events.ProductionDeleted
    )
    assert deleted.production.id == str(main["id"]) and deleted.production.HasField("deleted_at")
    # R61: the phase does not move when MAIN goes.
    (current,) = await rows(shootings.engine, "SELECT phase FROM shootings WHERE id = :id", id=shooting.id)
    assert current["phase"] == "PRODUCTION"


async def test_r44_r45_r46_a_production_deleted_on_its_own_stays_deleted_after_shooting_restore(shootings, productions):
    shooting = await new_shooting(shootings)
    kept = await add(productions, shooting.id, TEST)
    dropped = await add(productions, shooting.id, TEST)
    ref = ppb.ProductionRef(shooting_id=shooting.id, production_id=dropped.id)
    await productions.DeleteProduction(ref, metadata=as_user(OWNER))
    (dropped_at,) = await rows(shootings.engine, "SELECT deleted_at FROM productions WHERE id = :id", id=dropped.id)

    await shootings.stub.DeleteShooting(common_pb2.IdRequest(id=shooting.id), metadata=as_user(OWNER))
    await refused(
        productions.ListProductions(ppb.ListProductionsRequest(shooting_id=shooting.id), metadata=as_user(OWNER)),
        grpc.StatusCode.NOT_FOUND,
    )
    await shootings.stub.RestoreShooting(common_pb2.IdRequest(id=shooting.id), metadata=as_user(ADMIN, superuser=True))

    listed = await productions.ListProductions(
        ppb.ListProductionsRequest(shooting_id=shooting.id, include_deleted=True), metadata=as_user(OWNER)
    )
    state = {p.id: p.HasField("deleted_at") for p in listed.productions}
    assert state[kept.id] is False and state[dropped.id] is True
    assert [p.kind for p in listed.productions if not p.HasField("deleted_at")] == [MAIN, TEST]
    (still,) = await rows(shootings.engine, "SELECT deleted_at FROM productions WHERE id = :id", id=dropped.id)
    assert still == dropped_at


async def test_r42_changing_the_default_template_rebakes_live_productions_only(shootings, productions):
    shooting = await new_shooting(shootings, default_guidelines=pb.GuidelinesInput(name="First"))
    other = await new_shooting(shootings, default_guidelines=pb.GuidelinesInput(name="Second"))
    test_run = await add(productions, shooting.id, TEST)
    gone = await add(productions, shooting.id, TEST)
    await productions.DeleteProduction(
        ppb.ProductionRef(shooting_id=shooting.id, production_id=gone.id), metadata=as_user(OWNER)
    )
    update = pb.UpdateShootingRequest(
        id=shooting.id,
        patch=pb.ShootingPatch(default_guidelines_id=other.default_guidelines_id),
        update_mask=FieldMask(paths=["default_guidelines_id"]),
    )
    await shootings.stub.UpdateShooting(update, metadata=as_user(OWNER))
    baked = await rows(
        shootings.engine,
        "SELECT p.id, p.deleted_at IS NULL live, g.snapshot_of FROM productions p"
        " JOIN guidelines g ON g.id = p.guidelines_id WHERE p.shooting_id = :id",
        id=shooting.id,
    )
    sources = {str(b["id"]): str(b["snapshot_of"]) for b in baked}
    assert {source for p, source in sources.items() if p != gone.id} == {other.default_guidelines_id}
    assert sources[gone.id] == shooting.default_guidelines_id
    fetched = await productions.GetProduction(
        ppb.ProductionRef(shooting_id=shooting.id, production_id=test_run.id), metadata=as_user(OWNER)
    )
    assert fetched.guidelines_id != test_run.guidelines_id


async def test_a20_a_stranger_sees_nothing_and_writes_nothing(shootings, productions):
    shooting = await new_shooting(shootings, phase=BRIEF)
    stranger = uuid.uuid4()
    await refused(add(productions, shooting.id, TEST, user=stranger), grpc.StatusCode.NOT_FOUND)
    await refused(phase(productions, shooting.id, PRODUCTION, user=stranger), grpc.StatusCode.NOT_FOUND)
    await refused(
        productions.ListStatusKeys(ppb.ShootingRef(shooting_id=shooting.id), metadata=as_user(stranger)),
        grpc.StatusCode.NOT_FOUND,
    )
    assert await production_rows(shootings, shooting.id) == []
    assert len(await history(shootings, shooting.id)) == 1


async def test_r130_r131_statuses_come_from_the_type_junction_and_fall_back_to_the_default_type(shootings, productions):
    shooting = await new_shooting(shootings)
    listed = await productions.ListStatusKeys(ppb.ShootingRef(shooting_id=shooting.id), metadata=as_user(OWNER))
    expected = await rows(
        shootings.engine,
        "SELECT s.key FROM status_keys s JOIN shooting_type_statuses j ON j.status_id = s.id"
        " WHERE j.shooting_type_id = :t ORDER BY s.sorting",
        t=shooting.shooting_type_id,
    )
    assert [s.key for s in listed.statuses] == [e["key"] for e in expected] and len(expected) == 7
    assert [s.sorting for s in listed.statuses] == sorted(s.sorting for s in listed.statuses)
    # A row without a type (written before types existed) answers with the default type's statuses.
    async with shootings.engine.begin() as conn:
        await conn.execute(sa.text("UPDATE shootings SET shooting_type_id = NULL WHERE id = :id"), {"id": shooting.id})
    fallback = await productions.ListStatusKeys(ppb.ShootingRef(shooting_id=shooting.id), metadata=as_user(OWNER))
    assert fallback == listed


async def test_shooting_types_list_their_statuses_worst_to_best(shootings, productions):
    request = ppb.ListShootingTypesRequest(page=common_pb2.PageRequest(skip=0, limit=100))
    reply = await productions.ListShootingTypes(request, metadata=as_user(OWNER))
    (default,) = [t for t in reply.shooting_types if t.shooting_type.key == "default"]
    assert reply.count == len(reply.shooting_types)
    assert [s.key for s in default.statuses][:2] == ["PENDING", "PROPOSAL"] and len(default.statuses) == 7
    bad = ppb.ListShootingTypesRequest(page=common_pb2.PageRequest(skip=-1, limit=100))
    await refused(productions.ListShootingTypes(bad, metadata=as_user(OWNER)), grpc.StatusCode.INVALID_ARGUMENT)
