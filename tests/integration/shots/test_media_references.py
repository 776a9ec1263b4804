"""ResolveMedia by id for a shooting this service does not know yet (its creation event not folded
into the ShootingAccess projection): media registered for that very shooting are usable by a
caller who reaches the scope the request names; anyone else, another shooting, and the projection
once it knows the shooting decide as always."""

from __future__ import annotations

import uuid

import pytest

from protos.shots.v1 import shots_pb2 as pb
from protos.shots.v1.shots_pb2_grpc import ShotsServiceStub
from services.shots.media_references import NOT_USABLE
from tests.e2e.shots_support import png_data_url
from tests.support.services import as_user, seed_shooting

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _request(shooting_id: uuid.UUID, owner: uuid.UUID, reference: pb.MediaReference) -> pb.ResolveMediaRequest:
    return pb.ResolveMediaRequest(shooting_id=str(shooting_id), owner_id=str(owner), references=[reference])


async def _resolved(stub: ShotsServiceStub, shooting_id: uuid.UUID, owner: uuid.UUID, media_id: str, caller):
    reply = await stub.ResolveMedia(_request(shooting_id, owner, pb.MediaReference(media_id=media_id)), metadata=caller)
    [answer] = reply.media
    return answer


async def test_media_of_a_shooting_not_projected_yet_are_usable_in_it_by_its_scope(shots):
    stub = ShotsServiceStub(shots.channel)
    owner, stranger = uuid.uuid4(), uuid.uuid4()
    shooting_id = uuid.uuid4()  # never seeded: the projection does not know it
    fetched = await stub.ResolveMedia(
        _request(shooting_id, owner, pb.MediaReference(url=png_data_url((30, 160, 90)))), metadata=as_user(owner)
    )
    [registered] = fetched.media
    assert registered.HasField("media"), registered.error
    media_id = registered.media.id

    mine = await _resolved(stub, shooting_id, owner, media_id, as_user(owner))
    assert mine.HasField("media") and mine.media.id == media_id, mine.error
    # Someone who does not reach the scope, and the owner in another shooting: refused.
    assert (await _resolved(stub, shooting_id, owner, media_id, as_user(stranger))).error == NOT_USABLE
    assert (await _resolved(stub, uuid.uuid4(), owner, media_id, as_user(owner))).error == NOT_USABLE

    # Once the projection knows the shooting, it decides: here it belongs to someone else.
    await seed_shooting(shots.engine, shooting_id, stranger)
    assert (await _resolved(stub, shooting_id, owner, media_id, as_user(owner))).error == NOT_USABLE
    theirs = await _resolved(stub, shooting_id, stranger, media_id, as_user(stranger))
    assert theirs.HasField("media"), theirs.error
