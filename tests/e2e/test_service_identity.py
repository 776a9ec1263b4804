"""Services verify, never trust: direct gRPC calls to each service of the running stack, past
the gateway, as an attacker inside the cluster would make them.

Every service refuses (UNAUTHENTICATED, before any handler runs) a call with no principal, the
unsigned principal services used to take on faith, a token signed with a key of the attacker's
own, ``alg: none``, a token signed with HMAC over the public key, a token addressed to another
service, an expired one, and one from a platform process that has no business calling it. A
correctly signed call for another organization's user (as a compromised caller would make it)
reaches nothing of the organization: the services check access from their own data (the shots
service's record of who owns a shooting, the push records' owners) rather than from the request.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from devstack.environment import PRINCIPAL_KEYS_FILE
from devstack.stack import Stack
from platformkit import principal_tokens
from platformkit.call_rewrites import RewritingChannel
from platformkit.rpc import PRINCIPAL_KEY, TOKEN_KEY
from protos.common.v1 import common_pb2
from protos.exports.v1 import exports_pb2
from protos.exports.v1.exports_pb2_grpc import ExportsServiceStub
from protos.outfits.v1 import outfits_pb2
from protos.outfits.v1.outfits_pb2_grpc import OutfitsServiceStub
from protos.shootings.v1 import shootings_pb2
from protos.shootings.v1.shootings_pb2_grpc import ShootingsServiceStub
from protos.shots.v1 import shots_pb2
from protos.shots.v1.shots_pb2_grpc import ShotsServiceStub
from tests.e2e.brief import post
from tests.e2e.shots_support import png_data_url
from tests.support.kanban import Studio
from tests.support.otlp import own_trace_context

pytestmark = pytest.mark.asyncio(loop_scope="session")

Call = Callable[[grpc.aio.Channel, tuple[tuple[str, Any], ...]], Awaitable[Any]]


@dataclass
class Victim:
    """An organization's shooting with a look, its shot and an exported revision."""

    user_id: str
    organization_id: str
    shooting_id: str
    look_id: str
    shot_id: str
    revision_id: str


@pytest.fixture(scope="module")
async def victim(new_user) -> Victim:
    owner = await new_user()
    organization = await post(owner.client, "/organizations/", {"name": f"Victims {uuid.uuid4().hex[:6]}"})
    studio = await Studio.open(owner.client, "http://127.0.0.1:9/unused")
    shooting = await post(
        owner.client,
        "/shootings/",
        {"name": "Secret", "due_date": "2027-01-15T10:00:00Z", "organization_id": organization["id"]},
    )
    studio.shooting_id = shooting["id"]
    look = await studio.new_look()
    shot_id = look["shots"][0]["id"]
    images = [{"source_type": "UPLOAD", "image_data": png_data_url((10, 20, 30))}]
    revision = await post(owner.client, f"/shots/{shot_id}/revision", {"shot_status": "APPROVED", "images": images})
    await studio.export(revision["id"])
    return Victim(owner.id, organization["id"], shooting["id"], look["id"], shot_id, revision["id"])


@pytest.fixture(scope="module")
def keys(stack: Stack) -> principal_tokens.KeySet:
    saved = json.loads((stack.state.root / PRINCIPAL_KEYS_FILE).read_text())
    return principal_tokens.KeySet(saved["private"], saved["public"])


@pytest.fixture(scope="module")
async def channels(stack: Stack) -> AsyncIterator[dict[str, grpc.aio.Channel]]:
    """Plain channels to every service (no signing rewrite: the test writes the metadata).
    Each call starts a trace of the test's own, which tests/e2e/test_tracing_and_events.py tells
    apart from traces the platform starts by itself."""
    assert stack.wiring is not None

    def traced(details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        return details._replace(metadata=grpc.aio.Metadata(*(details.metadata or ()), own_trace_context()))  # type: ignore[attr-defined,no-any-return]

    opened = {
        name: RewritingChannel(grpc.aio.insecure_channel(stack.wiring.grpc_address(name)), traced)
        for name in stack.wiring.grpc_ports
    }
    yield opened
    for channel in opened.values():
        await channel.close()


def token(key: Any, claims: dict[str, Any], algorithm: str = "EdDSA") -> tuple[tuple[str, Any], ...]:
    return ((TOKEN_KEY, jwt.encode(claims, key, algorithm=algorithm)),)


def claims(
    audience: str, user_id: str, *, issuer: str = "gateway", organizations=(), lifetime: int = 60
) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime,
        "sub": user_id,
        "adm": False,
        "orgs": list(organizations),
        "email": "",
    }


def real_key(keys: principal_tokens.KeySet, issuer: str) -> Ed25519PrivateKey:
    return principal_tokens.private_key(keys.private[issuer])


# One read of the victim's data per service (what a forged call would steal).
def reads(victim: Victim) -> dict[str, Call]:
    return {
        "shootings": lambda ch, md: ShootingsServiceStub(ch).GetShooting(
            shootings_pb2.GetShootingRequest(id=victim.shooting_id), metadata=md
        ),
        "shots": lambda ch, md: ShotsServiceStub(ch).GetShot(common_pb2.IdRequest(id=victim.shot_id), metadata=md),
        "outfits": lambda ch, md: OutfitsServiceStub(ch).ListLookOutfits(
            outfits_pb2.ListLookOutfitsRequest(look_ids=[victim.look_id]), metadata=md
        ),
        "exports": lambda ch, md: ExportsServiceStub(ch).ListPushRecords(
            exports_pb2.ListPushRecordsRequest(revision_ids=[victim.revision_id]), metadata=md
        ),
    }


async def status_of(call: Awaitable[Any]) -> grpc.StatusCode:
    try:
        await call
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


async def test_every_service_refuses_a_missing_unsigned_or_forged_principal(channels, keys, victim):
    owner = common_pb2.Principal(user_id=victim.user_id, organization_ids=[victim.organization_id])
    attacker_key = Ed25519PrivateKey.generate()
    public_key_bytes = keys.public.split(",")[0].partition(":")[2].encode()
    for service, read in reads(victim).items():
        as_owner = claims(service, victim.user_id, organizations=[victim.organization_id])
        other = next(name for name in channels if name != service)
        outsider = next(i for i in principal_tokens.ISSUERS if i not in principal_tokens.CALLERS[service])
        forged: dict[str, tuple[tuple[str, Any], ...]] = {
            "no principal": (),
            "unsigned principal": ((PRINCIPAL_KEY, owner.SerializeToString()),),
            "signed with the attacker's key": token(attacker_key, as_owner),
            "alg none": token(None, as_owner, algorithm="none"),
            "HMAC over the public key": token(public_key_bytes, as_owner, algorithm="HS256"),
            "addressed to another service": token(real_key(keys, "gateway"), {**as_owner, "aud": other}),
            "expired": token(real_key(keys, "gateway"), claims(service, victim.user_id, lifetime=-60)),
            "from a process that never calls it": token(real_key(keys, outsider), {**as_owner, "iss": outsider}),
            "garbage": ((TOKEN_KEY, "not.a.token"),),
        }
        for what, metadata in forged.items():
            code = await status_of(read(channels[service], metadata))
            assert code is grpc.StatusCode.UNAUTHENTICATED, (service, what, code)
        # The same read, properly signed for the owner, works: the refusals above were the token's.
        assert (
            await status_of(read(channels[service], token(real_key(keys, "gateway"), as_owner))) is grpc.StatusCode.OK
        )


async def test_a_signed_call_for_another_organizations_user_reaches_nothing_of_it(channels, keys, victim, new_user):
    stranger = await new_user()
    gateway = real_key(keys, "gateway")
    for service, read in reads(victim).items():
        metadata = token(gateway, claims(service, stranger.id))
        try:
            answer = await read(channels[service], metadata)
        except grpc.aio.AioRpcError as exc:
            assert exc.code() is grpc.StatusCode.NOT_FOUND, (service, exc.code())
        else:
            # Batch reads answer what the caller may see of what was asked: nothing here.
            assert not answer.ListFields(), (service, answer)

    # The shootings service's own batch calls, signed by the shootings service itself for the
    # stranger (a compromised shootings process): the shots service checks its own record of who
    # owns the shooting, not a scope from the request.
    as_shootings = token(real_key(keys, "shootings"), claims("shots", stranger.id, issuer="shootings"))
    shots = ShotsServiceStub(channels["shots"])
    intrusion = shots_pb2.CreateShotsRequest(
        shooting_id=victim.shooting_id,
        shots=[shots_pb2.NewShot(id=str(uuid.uuid4()), look_id=victim.look_id, shot_type_id="")],
    )
    assert await status_of(shots.CreateShots(intrusion, metadata=as_shootings)) is grpc.StatusCode.NOT_FOUND
    listed = await shots.ListShotsByLooks(
        shots_pb2.ListShotsByLooksRequest(look_ids=[victim.look_id]), metadata=as_shootings
    )
    assert list(listed.shots) == []
    deleted = await shots.DeleteShots(shots_pb2.DeleteShotsRequest(shot_ids=[victim.shot_id]), metadata=as_shootings)
    assert deleted.deleted == 0
    # And the victim still has everything.
    owner = token(gateway, claims("shots", victim.user_id, organizations=[victim.organization_id]))
    assert (await shots.GetShot(common_pb2.IdRequest(id=victim.shot_id), metadata=owner)).id == victim.shot_id
