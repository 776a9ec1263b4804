"""The push records of the revisions an answer shows (R155, R156): one ExportsService call for
all of them, whatever the page holds, none when there is no revision.

Revision ids come from the shots service's answer to the same caller, so only revisions the
caller may see are ever asked about.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.answers.shots import NO_PUSHES, PushView
from gateway.clients import ServiceClients
from platformkit.rpc import principal_metadata
from protos.common.v1 import common_pb2
from protos.exports.v1 import exports_pb2
from protos.shots.v1 import shots_pb2


def revision_ids(shots: Iterable[shots_pb2.Shot]) -> list[str]:
    """Every revision the shots carry, and their current ones (summaries carry no revisions)."""
    ids: dict[str, None] = {}
    for shot in shots:
        ids.update(dict.fromkeys(r.id for r in shot.revisions))
        if shot.HasField("current_revision_id"):
            ids[shot.current_revision_id] = None
    return list(ids)


async def push_view(clients: ServiceClients, principal: common_pb2.Principal, ids: Iterable[str]) -> PushView:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return NO_PUSHES
    reply = await clients.exports.ListPushRecords(
        exports_pb2.ListPushRecordsRequest(revision_ids=wanted), metadata=principal_metadata(principal)
    )
    return PushView({r.revision_id: r for r in reply.revisions})


async def shots_view(
    clients: ServiceClients, principal: common_pb2.Principal, shots: Iterable[shots_pb2.Shot]
) -> PushView:
    return await push_view(clients, principal, revision_ids(shots))
