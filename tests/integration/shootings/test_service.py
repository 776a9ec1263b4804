"""The shootings service over real gRPC against a real database: what each call writes.

The HTTP behaviour of the same rules is covered end to end in tests/e2e/test_shootings.py.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf.field_mask_pb2 import FieldMask

from platformkit import metrics
from platformkit.event_types import EventType
from protos.common.v1 import common_pb2
from protos.shootings.v1 import shootings_pb2 as pb
from tests.integration.shootings.conftest import as_user

pytestmark = pytest.mark.asyncio(loop_scope="session")

OWNER = uuid.uuid4()
ADMIN = uuid.uuid4()


COUNT_ALL = (
    "SELECT (SELECT count(*) FROM shootings) s, (SELECT count(*) FROM guidelines) g, (SELECT count(*) FROM outbox) o"
)


def create_request(**fields) -> pb.CreateShootingRequest:
    request = pb.CreateShootingRequest(name=fields.pop("name", "Spring campaign"), **fields)
    request.due_date.FromDatetime(datetime(2026, 12, 24, 9, 30, 0, 123456, tzinfo=UTC))
    return request


async def rows(engine, sql: str, **params):
    async with engine.connect() as conn:
        return (await conn.execute(sa.text(sql), params)).mappings().all()


async def test_r19_production_phase_creates_main_with_phase_history_and_outbox_events(shootings):
    reply = await shootings.stub.CreateShooting(create_request(), metadata=as_user(OWNER))
    assert reply.phase == pb.SHOOTING_PHASE_PRODUCTION
    productions = await rows(
        shootings.engine, "SELECT kind, deleted_at FROM productions WHERE shooting_id = :id", id=reply.id
    )
    assert [(p["kind"], p["deleted_at"]) for p in productions] == [("MAIN", None)]
    history = await rows(
        shootings.engine, "SELECT from_phase, to_phase FROM shooting_phase_changes WHERE shooting_id = :id", id=reply.id
    )
    assert [(h["from_phase"], h["to_phase"]) for h in history] == [(None, "PRODUCTION")]
    events = await rows(
        shootings.engine, "SELECT event_type, topic FROM outbox WHERE key = :id ORDER BY created_at", id=reply.id
    )
    assert {(e["event_type"], e["topic"]) for e in events} == {
        (EventType.SHOOTING_CREATED, "shootings.events"),
        (EventType.SHOOTING_PHASE_CHANGED, "shootings.events"),
    }


async def test_r20_brief_phase_creates_no_production(shootings):
    reply = await shootings.stub.CreateShooting(create_request(phase=pb.SHOOTING_PHASE_BRIEF), metadata=as_user(OWNER))
    assert await rows(shootings.engine, "SELECT id FROM productions WHERE shooting_id = :id", id=reply.id) == []


async def test_r21_r28_inline_guidelines_and_rule_groups_are_stored_and_snapshotted(shootings):
    inline = pb.GuidelinesInput(
        name="House style",
        auto_start_look_generations=True,
        shot_type_rules=[pb.ShotTypeRuleGroupInput(rule_kind="gender", rule_value="FEMALE")],
    )
    reply = await shootings.stub.CreateShooting(create_request(default_guidelines=inline), metadata=as_user(OWNER))
    template_id = reply.default_guidelines_id
    assert reply.default_guidelines.name == "House style"
    assert reply.default_guidelines.owner_id == str(OWNER)
    rules = await rows(
        shootings.engine,
        "SELECT rule_kind, rule_value FROM guidelines_shot_type_rules WHERE guidelines_id = :id",
        id=template_id,
    )
    assert [(r["rule_kind"], r["rule_value"]) for r in rules] == [("gender", "FEMALE")]
    # R53: MAIN bakes its own copy of the template.
    snapshot = await rows(
        shootings.engine,
        "SELECT g.snapshot_of, g.auto_start_look_generations FROM productions p"
        " JOIN guidelines g ON g.id = p.guidelines_id WHERE p.shooting_id = :id",
        id=reply.id,
    )
    assert [(str(s["snapshot_of"]), s["auto_start_look_generations"]) for s in snapshot] == [(template_id, True)]


async def test_r28_an_invalid_inline_template_writes_nothing(shootings):
    before = await rows(
        shootings.engine,
        COUNT_ALL,
    )
    inline = pb.GuidelinesInput(name="Broken", subject_ids=[str(uuid.uuid4())])
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await shootings.stub.CreateShooting(create_request(default_guidelines=inline), metadata=as_user(OWNER))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    after = await rows(
        shootings.engine,
        COUNT_ALL,
    )
    assert after == before


async def test_r44_r45_r46_delete_cascades_and_restore_revives_only_the_cascade(shootings):
    reply = await shootings.stub.CreateShooting(create_request(), metadata=as_user(OWNER))
    # A TEST production deleted on its own before the shooting (productions endpoints come later: write it directly).
    earlier = datetime.now(UTC) - timedelta(hours=1)
    async with shootings.engine.begin() as conn:
        await conn.execute(
            sa.text("INSERT INTO productions (id, shooting_id, kind, deleted_at) VALUES (:id, :s, 'TEST', :at)"),
            {"id": uuid.uuid4(), "s": reply.id, "at": earlier},
        )
    await shootings.stub.DeleteShooting(common_pb2.IdRequest(id=reply.id), metadata=as_user(OWNER))
    shooting = (await rows(shootings.engine, "SELECT deleted_at FROM shootings WHERE id = :id", id=reply.id))[0]
    productions = await rows(
        shootings.engine, "SELECT kind, deleted_at FROM productions WHERE shooting_id = :id", id=reply.id
    )
    assert {p["kind"]: p["deleted_at"] for p in productions} == {"MAIN": shooting["deleted_at"], "TEST": earlier}

    await shootings.stub.RestoreShooting(common_pb2.IdRequest(id=reply.id), metadata=as_user(ADMIN, superuser=True))
    productions = await rows(
        shootings.engine, "SELECT kind, deleted_at FROM productions WHERE shooting_id = :id", id=reply.id
    )
    assert {p["kind"]: p["deleted_at"] for p in productions} == {"MAIN": None, "TEST": earlier}
    types = await rows(shootings.engine, "SELECT event_type FROM outbox WHERE key = :id", id=reply.id)
    assert {EventType.SHOOTING_DELETED, EventType.SHOOTING_RESTORED} <= {t["event_type"] for t in types}


async def test_r42_a_new_default_template_is_rebaked_into_live_productions(shootings):
    first = await shootings.stub.CreateShooting(
        create_request(default_guidelines=pb.GuidelinesInput(name="First")), metadata=as_user(OWNER)
    )
    second = await shootings.stub.CreateShooting(
        create_request(default_guidelines=pb.GuidelinesInput(name="Second")), metadata=as_user(OWNER)
    )
    update = pb.UpdateShootingRequest(
        id=first.id,
        patch=pb.ShootingPatch(default_guidelines_id=second.default_guidelines_id),
        update_mask=FieldMask(paths=["default_guidelines_id"]),
    )
    reply = await shootings.stub.UpdateShooting(update, metadata=as_user(OWNER))
    assert reply.default_guidelines.name == "Second"
    baked = await rows(
        shootings.engine,
        "SELECT g.snapshot_of FROM productions p JOIN guidelines g ON g.id = p.guidelines_id WHERE p.shooting_id = :id",
        id=first.id,
    )
    assert [str(b["snapshot_of"]) for b in baked] == [second.default_guidelines_id]
    changed = await rows(
        shootings.engine,
        "SELECT event_type FROM outbox WHERE key = :id AND event_type = :type",
        id=first.id,
        type=EventType.SHOOTING_UPDATED,
    )
    assert len(changed) == 1


async def _catalog_entries(engine, kind: str, count: int) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(count)]
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO catalog_entries (id, kind, owner_id, name, data) VALUES (:id, :kind, :owner, :name, '{}')"
            ),
            [{"id": i, "kind": kind, "owner": OWNER, "name": f"{kind} {n}"} for n, i in enumerate(ids)],
        )
    return ids


async def _shooting_holding(shootings, size: int) -> str:
    """A shooting whose template names `size` subjects, shot types and rule groups, with `size` productions."""
    subjects = await _catalog_entries(shootings.engine, "subject", size)
    shot_types = await _catalog_entries(shootings.engine, "shot_type", size)
    inline = pb.GuidelinesInput(
        name=f"{size} of each",
        subject_ids=subjects,
        shot_type_ids=shot_types,
        shot_type_rules=[
            pb.ShotTypeRuleGroupInput(rule_kind="k", rule_value=str(i), shot_type_ids=shot_types[:3])
            for i in range(size)
        ],
    )
    reply = await shootings.stub.CreateShooting(create_request(default_guidelines=inline), metadata=as_user(OWNER))
    # The MAIN production exists already; add TEST ones up to `size`.
    extra = [{"id": uuid.uuid4(), "s": reply.id} for _ in range(size - 1)]
    if extra:
        async with shootings.engine.begin() as conn:
            await conn.execute(
                sa.text("INSERT INTO productions (id, shooting_id, kind) VALUES (:id, :s, 'TEST')"), extra
            )
    return reply.id


async def test_r37_header_reads_a_constant_number_of_statements(shootings):
    """The kanban header costs the same SQL with 1 or 50 productions, subjects, shot types and rules.
    Counted as `db_statements_total` counts them, by the RPC that sent them: the shooting is read on
    asyncpg directly (platformkit.direct_reads), its template through SQLAlchemy, and both count."""
    statements = metrics.db_statements("/shootings.v1.ShootingsService/GetShootingHeader")
    small, big = await _shooting_holding(shootings, 1), await _shooting_holding(shootings, 50)
    counts = {}
    for shooting_id in (small, big):
        before = statements._value.get()
        header = await shootings.stub.GetShootingHeader(pb.GetShootingRequest(id=shooting_id), metadata=as_user(OWNER))
        counts[shooting_id] = statements._value.get() - before
        assert len(header.default_guidelines.subjects) == (1 if shooting_id == small else 50)
    assert counts[small] == counts[big] == 3
