"""ListShotsByLooks: full looks (E9, E12, E13, E17) carry each shot's revisions with their
images, so their push records can be shown; summaries (E10) carry none."""

from __future__ import annotations

import pytest

from protos.shots.v1 import shots_pb2 as pb
from protos.shots.v1.shots_pb2_grpc import ShotsServiceStub
from tests.integration.shots.support import OWNER, add_revision, new_shot
from tests.support.services import as_user

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_full_looks_carry_revisions_and_summaries_do_not(shots):
    stub = ShotsServiceStub(shots.channel)
    shot = await new_shot(shots)
    first = await add_revision(stub, shot.id, "PROPOSAL")
    second = await add_revision(stub, shot.id, "APPROVED", images=2)
    look = [shot.look_id]
    full = await stub.ListShotsByLooks(
        pb.ListShotsByLooksRequest(look_ids=look, include_revisions=True), metadata=as_user(OWNER)
    )
    [listed] = full.shots
    assert [r.id for r in listed.revisions] == [first.id, second.id] and len(listed.revisions[1].images) == 2
    assert listed.current_revision_id == second.id and listed.status == "APPROVED"
    summary = await stub.ListShotsByLooks(pb.ListShotsByLooksRequest(look_ids=look), metadata=as_user(OWNER))
    assert [len(s.revisions) for s in summary.shots] == [0] and summary.shots[0].current_revision_id == second.id
