"""References given at a look's creation, resolved for an outfit no caller waits for: what
resolves gains its media, what does not is kept as given and the reason is logged (the registry's
answers stand in for the shots service's ResolveMedia; no I/O)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from protos.common.v1 import common_pb2
from protos.shots.v1 import shots_pb2
from services.outfits.media import MediaRegistry
from services.outfits.models import Look

UNREACHABLE = "The image cannot be fetched: GET http://127.0.0.1:9/mood.png: ConnectError"


class _Answers:
    """A ResolveMedia that answers the given results, in order, and keeps what it was asked."""

    def __init__(self, *answers: shots_pb2.ResolvedMedia) -> None:
        self.answers = answers
        self.asked: list[shots_pb2.ResolveMediaRequest] = []

    async def ResolveMedia(self, request: shots_pb2.ResolveMediaRequest, **_: Any) -> shots_pb2.ResolveMediaResponse:
        self.asked.append(request)
        return shots_pb2.ResolveMediaResponse(media=self.answers)


def _registry(stub: _Answers) -> MediaRegistry:
    registry = MediaRegistry.__new__(MediaRegistry)
    registry._stub = stub  # type: ignore[assignment]
    return registry


async def test_a_reference_that_does_not_resolve_is_kept_as_given_and_why_is_logged(caplog):
    look = Look(id=uuid.uuid4(), shooting_id=uuid.uuid4(), owner_id=uuid.uuid4(), organization_id=None)
    media = shots_pb2.MediaObject(id=str(uuid.uuid4()))
    stub = _Answers(shots_pb2.ResolvedMedia(media=media), shots_pb2.ResolvedMedia(error=UNREACHABLE))
    given = [
        "https://img.example/plain.jpg",
        {"url": "https://img.example/ok.png", "alt_text": "ok"},
        {"url": "http://127.0.0.1:9/mood.png", "alt_text": "mood"},
    ]
    with caplog.at_level(logging.WARNING, logger="services.outfits.media"):
        stored = await _registry(stub).resolve_what_resolves(look, given, common_pb2.Principal())
    # One call for the two MediaInputs; the URL string is not asked about.
    [asked] = stub.asked
    assert [r.url for r in asked.references] == [given[1]["url"], given[2]["url"]]
    assert stored[0] == given[0] and stored[2] == given[2]
    assert stored[1]["media_resource_id"] == media.id and stored[1]["alt_text"] == "ok"
    [record] = caplog.records
    assert str(look.id) in record.getMessage() and "reference 2 (url)" in record.getMessage()
    assert UNREACHABLE in record.getMessage()
