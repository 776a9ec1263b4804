"""Outfit reference images given as MediaInput, resolved by the media registry (the shots
service's ResolveMedia) on behalf of a principal: the caller, or the look's owner for an outfit
a look was created with.

A stored reference is the client's item with what it resolved to: a URL string stays a string;
a MediaInput keeps its own fields, gains ``media_resource_id`` and the media resource itself under
``media`` (what readers show and generation uses, whatever happens to the URL it came from).
"""

from __future__ import annotations

import logging
from typing import Any

import grpc
from google.protobuf import json_format

from platformkit.errors import Invalid, Violation
from platformkit.field_paths import FieldPath
from platformkit.rpc import principal_metadata
from protos.common.v1 import common_pb2
from protos.shots.v1 import shots_pb2
from protos.shots.v1.shots_pb2_grpc import ShotsServiceStub
from services.outfits.domain.outfits import MEDIA, check_references, media_target
from services.outfits.models import Look

log = logging.getLogger(__name__)
_FIELD = {"media_id": "media_resource_id", "url": "url"}


def _request(look: Look, targets: list[tuple[str, str]]) -> shots_pb2.ResolveMediaRequest:
    request = shots_pb2.ResolveMediaRequest(shooting_id=str(look.shooting_id), owner_id=str(look.owner_id))
    if look.organization_id is not None:
        request.organization_id = str(look.organization_id)
    request.references.extend(shots_pb2.MediaReference(**{kind: value}) for kind, value in targets)
    return request


class MediaRegistry:
    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._stub = ShotsServiceStub(channel)

    async def _resolved(
        self, look: Look, references: list[Any], principal: common_pb2.Principal
    ) -> list[tuple[int, str, shots_pb2.ResolvedMedia]]:
        """``(index, field, answer)`` for each MediaInput of ``references``, in one call."""
        asked = [(i, target) for i, item in enumerate(references) if (target := media_target(item)) is not None]
        if not asked:
            return []
        reply = await self._stub.ResolveMedia(
            _request(look, [target for _, target in asked]), metadata=principal_metadata(principal)
        )
        return [(i, _FIELD[target[0]], answer) for (i, target), answer in zip(asked, reply.media, strict=True)]

    async def resolve(
        self, look: Look, references: list[Any], principal: common_pb2.Principal, loc: FieldPath
    ) -> list[Any]:
        """The references to store; 422 at the item for one that is not an image the principal
        may use in the look's shooting (R110)."""
        check_references(references, loc)
        stored = list(references)
        violations = []
        for index, field, answer in await self._resolved(look, references, principal):
            if not answer.HasField("media"):
                violations.append(Violation((*loc, index, field), answer.error))
                continue
            stored[index] = _with_media(references[index], answer.media)
        if violations:
            raise Invalid(violations)
        return stored

    async def resolve_what_resolves(
        self, look: Look, references: list[Any], principal: common_pb2.Principal
    ) -> list[Any]:
        """For an outfit no caller waits for (a look's creation event): each MediaInput that
        resolves gains its media, the others are kept as given, and why is logged (no one else
        hears of it: the look's creator was answered before this ran)."""
        stored = list(references)
        for index, field, answer in await self._resolved(look, references, principal):
            if answer.HasField("media"):
                stored[index] = _with_media(references[index], answer.media)
            else:
                log.warning(
                    "look %s: outfit reference %d (%s) kept without media: %s", look.id, index, field, answer.error
                )
        return stored


def _with_media(item: dict[str, Any], media: shots_pb2.MediaObject) -> dict[str, Any]:
    snapshot = json_format.MessageToDict(media, preserving_proto_field_name=True)
    return {**item, "media_resource_id": media.id, MEDIA: snapshot}
