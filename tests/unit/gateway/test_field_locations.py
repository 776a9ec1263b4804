"""The contracts' names for a look answer at the public API's names in every REST location (no I/O)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Query
from fastapi.routing import APIRoute

from gateway.field_locations import PUBLIC_NAMES, rest_location, rest_names
from platformkit.field_paths import FieldPath
from protos.events.v1 import shots_pb2 as shot_events_pb2
from protos.outfits.v1 import outfits_pb2
from protos.shootings.v1 import looks_pb2
from protos.shots.v1 import shots_pb2

app = FastAPI()


@app.post("/production-requests/{production_request_id}/export")
async def by_path(production_request_id: str) -> None: ...


@app.get("/shots/")
async def by_query(production_request_id: str | None = Query(None)) -> None: ...


@app.post("/outfits/")
@rest_names(fields=("body",))
async def by_body() -> None: ...


def route(path: str) -> APIRoute:
    [found] = [r for r in app.routes if isinstance(r, APIRoute) and r.path == path]
    return found


@pytest.mark.parametrize(
    ("route_path", "field_path", "location"),
    [
        ("/production-requests/{production_request_id}/export", ("look_id",), ("path", "production_request_id")),
        ("/shots/", ("look_id",), ("query", "production_request_id")),
        ("/outfits/", ("look_id",), ("body", "production_request_id")),
        ("/outfits/", ("look_ids", 3), ("body", "production_request_ids", "3")),
        ("/outfits/", ("matches", 0, "source_look_id"), ("body", "matches", "0", "source_production_request_id")),
        # A route's own rename comes first; what follows it still takes the public spelling.
        ("/outfits/", ("fields", "look_id"), ("body", "production_request_id")),
        # Names the public API shares with the contracts pass through unchanged.
        ("/shots/", ("shooting_id",), ("body", "shooting_id")),
    ],
)
def test_a_look_field_answers_at_its_public_name(route_path: str, field_path: FieldPath, location: tuple) -> None:
    assert rest_location(field_path, route(route_path)) == location


def test_every_contract_name_in_the_table_is_a_field_of_the_contracts() -> None:
    """The table follows the protos: a renamed or removed field would leave a dead entry behind."""
    messages = [
        shots_pb2.NewShot,
        shots_pb2.ListShotsByLooksRequest,
        outfits_pb2.ReusableOutfit,
        looks_pb2.DraftSummary,
        looks_pb2.ShootingSummary,
        shot_events_pb2.ShotState,
    ]
    fields = {name for message in messages for name in message.DESCRIPTOR.fields_by_name}
    assert set(PUBLIC_NAMES) <= fields
    assert not set(PUBLIC_NAMES.values()) & fields
