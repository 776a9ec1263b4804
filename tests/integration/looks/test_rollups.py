"""Status roll-ups end to end inside one loop: a shot's status changes in the shots service (its
own write path: the row and its ``shot.status_changed`` event in one transaction), the relay
publishes it, the shootings consumer folds it into the look and shooting roll-ups, and every read
that shows or filters on a status follows (R31-R35, R79, R80, A9-A11; D0.2).

Replays (the same events again, or an older version of a shot) leave the same state.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa

from platformkit.db import transaction
from platformkit.event_types import EventType
from platformkit.outbox import add_event
from platformkit.topics import SHOTS_EVENTS
from protos.events.v1 import shots_pb2 as shot_events
from protos.events.v1.envelope_pb2 import EventEnvelope
from services.shootings.consumers import apply_shot_event, shot_state_values
from services.shootings.looks import repository as looks_repo
from services.shots.events import SOURCE
from services.shots.models import messaging as shots_messaging
from services.shots.status_changes import change_status
from tests.integration.looks.board import board, eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")

ROLLUP_CONSUMER = "shootings.shot-rollups"
SNAPSHOT = (
    "SELECT s.status, s.shot_status, pr.status AS look_status, pr.shot_status AS look_shot_status, "
    "array_agg(ls.status || ':' || ls.version ORDER BY ls.shot_id) AS shots "
    "FROM looks pr JOIN shootings s ON s.id = pr.shooting_id "
    "JOIN look_shots ls ON ls.look_id = pr.id WHERE pr.id = :look GROUP BY s.id, pr.id"
)


async def set_status(platform, shot_id: str, status: str) -> None:
    """What approve/reject will do: the shots service's own status write, committed."""
    async with transaction(platform.shots.runtime.context.sessions) as session:
        assert await change_status(session, uuid.UUID(shot_id), status) is not None


async def board_state(platform, shooting_id: str, status: str) -> dict[str, object]:
    """Every public read that shows or filters on statuses, for one shooting and one status."""
    http = platform.http
    looks = (await http.get(f"/shootings/{shooting_id}/production-requests")).json()["data"]
    matching = (
        await http.get(f"/shootings/{shooting_id}/production-requests", params={"shot_statuses": status})
    ).json()
    shooting = (await http.get(f"/shootings/{shooting_id}")).json()
    listed = (await http.get("/shootings/", params={"statuses": status, "limit": 1000})).json()["data"]
    summary = (await http.get("/shootings/summary", params={"shooting_id": shooting_id})).json()
    return {
        "look_shot_status": looks[0]["shot_status"],
        "shot_statuses": sorted(s["status"] for s in looks[0]["shots"]),
        "filter_count": matching["count"],
        "shooting": (shooting["status"], shooting["shot_status"]),
        "listed": shooting_id in {s["id"] for s in listed},
        "breakdown": summary["status_breakdown"],
    }


async def test_r31_r35_r79_a_shot_status_reaches_look_shooting_and_filters(platform):
    ready = await board(platform.http, products=1, subjects=1, shot_types=2, readiness="READY")
    shots = [s["id"] for s in ready.looks[0]["shots"]]
    before = await board_state(platform, ready.shooting_id, "PENDING")
    assert before["look_shot_status"] == "PENDING" and before["shooting"] == ("PENDING", "PENDING")

    await set_status(platform, shots[0], "REVIEW")
    await set_status(platform, shots[1], "APPROVED")
    state, _ = await eventually(
        lambda: board_state(platform, ready.shooting_id, "REVIEW"),
        lambda s: s["look_shot_status"] == "REVIEW" and s["listed"],
    )
    assert state == {
        "look_shot_status": "REVIEW",  # the lowest of REVIEW and APPROVED
        "shot_statuses": ["APPROVED", "REVIEW"],
        "filter_count": 1,
        "shooting": ("REVIEW", "REVIEW"),
        "listed": True,
        "breakdown": [{"status": "REVIEW", "count": 1}],
    }
    no_longer = await platform.http.get(
        f"/shootings/{ready.shooting_id}/production-requests", params={"shot_statuses": ["PENDING", "READY"]}
    )
    assert no_longer.json()["count"] == 0

    # With the consumer warm, one more change shows within a second in practice.
    await set_status(platform, shots[0], "APPROVED")
    state, seconds = await eventually(
        lambda: board_state(platform, ready.shooting_id, "APPROVED"),
        lambda s: s["look_shot_status"] == "APPROVED" and s["listed"],
    )
    assert state["shooting"] == ("APPROVED", "APPROVED") and state["filter_count"] == 1
    assert seconds < 5.0, f"the roll-up took {seconds:.2f}s"


async def test_a10_a_draft_look_stays_draft_whatever_its_shots(platform):
    draft = await board(platform.http, products=1, subjects=1, shot_types=1)
    [shot] = draft.looks[0]["shots"]
    await set_status(platform, shot["id"], "APPROVED")
    state, _ = await eventually(
        lambda: board_state(platform, draft.shooting_id, "DRAFT"), lambda s: s["look_shot_status"] == "APPROVED"
    )
    # shot_status follows the shots; the computed status (and so the filters) stays DRAFT.
    assert state["filter_count"] == 1 and state["shooting"] == ("DRAFT", "APPROVED") and state["listed"]
    assert state["breakdown"] == [{"status": "DRAFT", "count": 1}]
    approved = await platform.http.get(
        f"/shootings/{draft.shooting_id}/production-requests", params={"shot_statuses": "APPROVED"}
    )
    assert approved.json()["count"] == 0


async def snapshot(platform, look_id: str) -> dict[str, object]:
    [row] = await platform.sql(platform.shootings_engine, SNAPSHOT, look=uuid.UUID(look_id))
    return dict(row)


async def shot_envelopes(platform, shot_id: str) -> list[EventEnvelope]:
    rows = await platform.sql(
        platform.shots_engine, "SELECT payload FROM outbox WHERE key = :key ORDER BY created_at", key=shot_id
    )
    return [EventEnvelope.FromString(row["payload"]) for row in rows]


async def test_redelivered_and_stale_shot_events_leave_the_same_state(platform):
    shooting = await board(platform.http, products=1, subjects=1, shot_types=1, readiness="READY")
    look = shooting.looks[0]
    [shot] = look["shots"]
    await set_status(platform, shot["id"], "REVIEW")
    settled, _ = await eventually(lambda: snapshot(platform, look["id"]), lambda s: s["look_shot_status"] == "REVIEW")
    assert settled == {
        "status": "REVIEW",
        "shot_status": "REVIEW",
        "look_status": "REVIEW",
        "look_shot_status": "REVIEW",
        "shots": ["REVIEW:2"],
    }
    # The same events once more (the relay publishes them again), then an older version of the
    # shot that says APPROVED: all on the shot's partition, in that order.
    await platform.sql(platform.shots_engine, "UPDATE outbox SET published_at = NULL WHERE key = :key", key=shot["id"])
    async with transaction(platform.shots.runtime.context.sessions) as session:
        stale = shot_events.ShotState(
            shot_id=shot["id"],
            look_id=look["id"],
            shooting_id=shooting.shooting_id,
            shot_type_id=shooting.shot_types[0],
            status="APPROVED",
            version=1,
        )
        stale_id = await add_event(
            session,
            shots_messaging,
            topic=SHOTS_EVENTS,
            event_type=EventType.SHOT_STATUS_CHANGED,
            aggregate_id=shot["id"],
            payload=stale,
            source=SOURCE,
        )
    await eventually(
        lambda: platform.sql(
            platform.shootings_engine,
            "SELECT 1 FROM processed_events WHERE consumer = :consumer AND event_id = :id",
            consumer=ROLLUP_CONSUMER,
            id=stale_id,
        ),
        bool,
    )
    assert await snapshot(platform, look["id"]) == settled


async def test_replaying_a_shot_history_in_any_order_leaves_the_same_state(platform):
    """The handler alone (no processed-events record): versions make it order-independent."""
    shooting = await board(platform.http, products=1, subjects=1, shot_types=1, readiness="READY")
    look = shooting.looks[0]
    [shot] = look["shots"]
    for status in ("PROPOSAL", "REJECTED", "POST_PROD"):
        await set_status(platform, shot["id"], status)
    settled, _ = await eventually(lambda: snapshot(platform, look["id"]), lambda s: s["shots"] == ["POST_PROD:4"])
    history = await shot_envelopes(platform, shot["id"])
    assert [e.type for e in history] == [EventType.SHOT_CREATED] + [EventType.SHOT_STATUS_CHANGED] * 3
    for replay in (history, history[::-1], history[1:2] * 3):
        async with transaction(platform.shootings.runtime.context.sessions) as session:
            for envelope in replay:
                await apply_shot_event(session, envelope)
        assert await snapshot(platform, look["id"]) == settled
    assert settled["look_shot_status"] == "POST_PROD" and settled["status"] == "POST_PROD"


@pytest.mark.parametrize(
    ("held", "look_exists"),
    [("looks", True), ("shootings", False)],
    ids=["a-look-update-holding-the-look", "a-look-creation-holding-the-shooting"],
)
async def test_a_shot_event_waits_for_the_change_writing_its_shot_instead_of_deadlocking(platform, held, look_exists):
    """A look update or creation has the shots service create shots, whose events can reach the
    roll-up before the change has written their rows (D14.25). The update holds the look; the
    creation holds the shooting, and its look does not exist for the roll-up yet. Either way the
    event must wait for the change before writing the shot's row: before, for a look not there yet
    it wrote the row first, the creation's insert waited for it, and PostgreSQL aborted one side."""
    shooting = await board(platform.http, products=1, subjects=1, shot_types=1, readiness="READY")
    look = shooting.looks[0]
    [existing] = look["shots"]
    new_shot = uuid.uuid4()
    look_id = look["id"] if look_exists else str(uuid.uuid4())  # a look being created: invisible to others
    state = shot_events.ShotState(
        shot_id=str(new_shot),
        look_id=look_id,
        shooting_id=shooting.shooting_id,
        shot_type_id=existing["shot_type"]["id"],
        status="PENDING",
        version=1,
    )
    envelope = EventEnvelope(id=str(uuid.uuid4()), type=EventType.SHOT_CREATED)
    envelope.payload.Pack(state)
    sessions = platform.shootings.runtime.context.sessions
    row = {k: uuid.UUID(getattr(state, k)) for k in ("shot_id", "look_id", "shooting_id", "shot_type_id")}
    held_id = row["look_id"] if held == "looks" else row["shooting_id"]

    async def apply_event() -> None:
        async with transaction(sessions) as session:
            await apply_shot_event(session, envelope)

    async with transaction(sessions) as change:  # what the change holds, then its new shots' rows
        await change.execute(sa.text(f"SELECT id FROM {held} WHERE id = :id FOR UPDATE"), {"id": held_id})
        event = asyncio.create_task(apply_event())
        await asyncio.sleep(0.5)  # the event reaches the held lock
        await change.execute(
            sa.text(
                "INSERT INTO look_shots (shot_id, look_id, shooting_id, shot_type_id, status, version) "
                "VALUES (:shot_id, :look_id, :shooting_id, :shot_type_id, 'PENDING', 1)"
            ),
            row,
        )
        assert not event.done()  # it waits for the change
    await asyncio.wait_for(event, 30)  # a deadlock would have failed one side with DeadlockDetectedError

    rows = await platform.sql(
        platform.shootings_engine, "SELECT look_id, version FROM look_shots WHERE shot_id = :id", id=new_shot
    )
    assert [(r["look_id"], r["version"]) for r in rows] == [(row["look_id"], 1)]


async def test_a_shot_event_and_a_shooting_deletion_wait_for_each_other_instead_of_deadlocking(platform):
    """A shooting's deletion locks the shooting, then its looks; the roll-up of a shot event locks the
    shooting before the look and recomputes both, so whichever comes second waits for the other."""
    shooting = await board(platform.http, products=1, subjects=1, shot_types=1, readiness="READY")
    look = shooting.looks[0]
    [shot] = look["shots"]
    sessions = platform.shootings.runtime.context.sessions
    state = shot_state_values(
        shot_events.ShotState(
            shot_id=shot["id"],
            look_id=look["id"],
            shooting_id=shooting.shooting_id,
            shot_type_id=shot["shot_type"]["id"],
            status="REVIEW",
            version=2**40,  # newer than anything the shots service wrote
        )
    )

    async with transaction(sessions) as rollup:  # the consumer's transaction, paused between its steps
        look_id = await looks_repo.apply_shot_state(rollup, state)
        assert look_id == state["look_id"]
        deletion = asyncio.create_task(platform.http.delete(f"/shootings/{shooting.shooting_id}"))
        await asyncio.sleep(0.5)  # the deletion reaches the shooting's lock (and, look-first, took it)
        # Look-first, PostgreSQL found a deadlock here after a second and aborted one side.
        await looks_repo.recompute_look_and_shooting(rollup, look_id, state["shooting_id"])
        assert not deletion.done()  # it waits for the roll-up
    answer = await asyncio.wait_for(deletion, 30)
    assert answer.status_code == 200, answer.text

    [row] = await platform.sql(
        platform.shootings_engine,
        "SELECT ls.status, s.deleted_at IS NOT NULL AS deleted FROM look_shots ls "
        "JOIN shootings s ON s.id = ls.shooting_id WHERE ls.shot_id = :id",
        id=state["shot_id"],
    )
    assert (row["status"], row["deleted"]) == ("REVIEW", True)
