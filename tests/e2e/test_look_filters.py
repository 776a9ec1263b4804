"""Filtering and paging the kanban board end to end: E9 and E10 with every filter (RULES R3, R4,
R79-R90, A12, A32-A35).

One board serves every case, five looks created in four batches (so their creation times differ):

| look  | product (type, sku)            | readiness | shots        | computed status | assignee |
|-------|--------------------------------|-----------|--------------|-----------------|----------|
| dress | Dress (dress, SKU-dress-...)   | DRAFT     | front, back  | DRAFT           | me       |
| shirt | Shirt (shirt, SKU-shirt-...)   | DRAFT     | front, back  | DRAFT           | other    |
| scarf | Scarf (scarf)                  | READY     | none         | READY           | -        |
| tee   | Tee (t-shirt)                  | READY     | front        | PENDING         | -        |
| odd   | Odd 100%_off (odd, ODD_1%)     | READY     | detail       | PENDING         | -        |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from tests.e2e.brief import Brief, post
from tests.e2e.test_shootings import error_locs

pytestmark = pytest.mark.asyncio(loop_scope="session")

PATHS = ("production-requests", "production-requests-summary")  # E9, E10


@dataclass
class Board:
    client: httpx.AsyncClient
    shooting_id: str
    looks: dict[str, dict[str, Any]]
    me: str
    other: str

    def name_of(self, look_id: str) -> str:
        return next(name for name, look in self.looks.items() if look["id"] == look_id)

    async def read(self, path: str = PATHS[0], **params: Any) -> httpx.Response:
        return await self.client.get(f"/shootings/{self.shooting_id}/{path}", params=params)

    async def names(self, path: str = PATHS[0], **params: Any) -> list[str]:
        """The looks a read answers, newest first; its count must be the whole match."""
        response = await self.read(path, limit=1000, **params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["count"] == len(body["data"])
        return [self.name_of(look["id"]) for look in body["data"]]


async def _one(brief: Brief, shooting_id: str, products: list[str], subjects: list[str], **body: Any) -> list[dict]:
    created = await brief.looks(shooting_id, product_ids=products, subject_ids=subjects, **body)
    return created.json()["production_requests"]


@pytest.fixture(scope="module")
async def board(new_user) -> Board:
    user, other = await new_user(), await new_user()
    brief = await Brief(user.client).build()
    odd = await post(
        user.client, "/products/", {"name": "Odd 100%_off", "sku": "ODD_1%", "gender": "UNISEX", "product_type": "odd"}
    )
    shooting = await brief.shooting()
    p, s, t = brief.products, brief.subjects, brief.shot_types
    pair = await _one(
        brief, shooting["id"], [p["dress"], p["shirt"]], [s["anna"], s["carl"]], shot_type_ids=[t["front"], t["back"]]
    )
    looks = {("dress" if look["product_id"] == p["dress"] else "shirt"): look for look in pair}
    [looks["scarf"]] = await _one(brief, shooting["id"], [p["scarf"]], [s["anna"]], readiness="READY")
    [looks["tee"]] = await _one(
        brief, shooting["id"], [p["tee"]], [s["bea"]], readiness="READY", shot_type_ids=[t["front"]]
    )
    [looks["odd"]] = await _one(
        brief, shooting["id"], [odd["id"]], [s["omi"]], readiness="READY", shot_type_ids=[t["detail"]]
    )
    for name, assignee in (("dress", user.id), ("shirt", other.id)):
        response = await user.client.put(
            f"/shootings/{shooting['id']}/production-requests/{looks[name]['id']}", json={"assignee_id": assignee}
        )
        assert response.status_code == 200, response.text
    return Board(user.client, shooting["id"], looks, user.id, other.id)


# Each case: the query (ids resolved from the board) and the looks it must answer.
CASES: list[tuple[str, Any, set[str]]] = [
    ("r79 draft", lambda b: {"shot_statuses": "DRAFT"}, {"dress", "shirt"}),
    ("r79 ready", lambda b: {"shot_statuses": "READY"}, {"scarf"}),
    ("r79 pending", lambda b: {"shot_statuses": "PENDING"}, {"tee", "odd"}),
    ("r79 none approved", lambda b: {"shot_statuses": "APPROVED"}, set()),
    ("r80 without status", lambda b: {"shot_statuses": "WITHOUT_STATUS"}, {"scarf"}),
    ("r79 or'd", lambda b: {"shot_statuses": ["DRAFT", "WITHOUT_STATUS"]}, {"dress", "shirt", "scarf"}),
    (
        "r82 products",
        lambda b: {"product_ids": [b.looks["dress"]["product_id"], b.looks["tee"]["product_id"]]},
        {"dress", "tee"},
    ),
    ("r83 name ignores case", lambda b: {"product_name": "dRESS"}, {"dress"}),
    ("r83 percent is literal", lambda b: {"product_name": "%"}, {"odd"}),
    ("r83 underscore is literal", lambda b: {"product_name": "_"}, {"odd"}),
    ("r84 sku partial", lambda b: {"product_sku": "sku-SHIRT"}, {"shirt"}),
    ("r84 sku wildcards literal", lambda b: {"product_sku": "_"}, {"odd"}),
    ("r85 type ignores case", lambda b: {"product_type": "T-SHIRT"}, {"tee"}),
    ("r85 type is whole", lambda b: {"product_type": "shirt"}, {"shirt"}),
    ("r86 mine", lambda b: {"assignee_ids": b.me}, {"dress"}),
    ("r86 assignees", lambda b: {"assignee_ids": [b.me, b.other]}, {"dress", "shirt"}),
    ("a32 unassigned alone", lambda b: {"include_unassigned": "true"}, {"scarf", "tee", "odd"}),
    (
        "r87 mine or unassigned",
        lambda b: {"assignee_ids": b.me, "include_unassigned": "true"},
        {"dress", "scarf", "tee", "odd"},
    ),
    ("filters AND", lambda b: {"shot_statuses": "PENDING", "product_type": "odd"}, {"odd"}),
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("case", "query", "expected"), CASES, ids=[c[0] for c in CASES])
async def test_r79_r88_every_filter_on_both_boards(board, path, case, query, expected):
    assert set(await board.names(path, **query(board))) == expected


@pytest.mark.parametrize("path", PATHS)
async def test_r3_r4_newest_first_paged_with_the_total(board, path):
    everything = await board.names(path)
    assert everything[:3] == ["odd", "tee", "scarf"] and set(everything[3:]) == {"dress", "shirt"}
    page = (await board.read(path, skip=1, limit=2)).json()
    assert page["count"] == 5 and [board.name_of(look["id"]) for look in page["data"]] == everything[1:3]
    empty = (await board.read(path, limit=0)).json()
    assert empty == {"data": [], "count": 5}
    assert ("query", "limit") in error_locs(await board.read(path, limit=1001))
    assert ("query", "skip") in error_locs(await board.read(path, skip=-1))
    assert ("query", "shot_statuses", 0) in error_locs(await board.read(path, shot_statuses="SHIPPED"))
    assert ("query", "product_ids", 0) in error_locs(await board.read(path, product_ids="nope"))


def _moment(look: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(look["created_at"])


@pytest.mark.parametrize("path", PATHS)
async def test_r88_created_bounds_are_inclusive_to_the_microsecond(board, path):
    scarf, tee = board.looks["scarf"]["created_at"], board.looks["tee"]["created_at"]
    assert await board.names(path, created_from=scarf, created_to=scarf) == ["scarf"]
    assert set(await board.names(path, created_from=tee)) == {"tee", "odd"}
    assert set(await board.names(path, created_to=scarf)) == {"dress", "shirt", "scarf"}
    shifted = _moment(board.looks["scarf"]).astimezone(timezone(timedelta(hours=2))).isoformat()
    assert await board.names(path, created_from=shifted, created_to=shifted) == ["scarf"]  # same instant


@pytest.mark.parametrize("path", PATHS)
async def test_r88_a_date_is_its_whole_utc_day(board, path):
    first: date = _moment(board.looks["dress"]).astimezone(UTC).date()
    last: date = _moment(board.looks["odd"]).astimezone(UTC).date()
    assert len(await board.names(path, created_from=first.isoformat(), created_to=last.isoformat())) == 5
    assert await board.names(path, created_to=(first - timedelta(days=1)).isoformat()) == []
    assert await board.names(path, created_from=(last + timedelta(days=1)).isoformat()) == []
    assert ("query", "created_from") in error_locs(await board.read(path, created_from="soon"))
    assert ("query", "created_to") in error_locs(await board.read(path, created_to="2026-02-30"))


async def test_r81_status_keys_match_the_shot_status_and_must_be_the_types(board):
    assert set(await board.names(status_keys="PENDING")) == {"dress", "shirt", "tee", "odd"}
    assert await board.names(status_keys=["REVIEW", "APPROVED"]) == []
    for unknown in ("NOPE", "DRAFT"):  # readiness values are not status keys of the type
        assert ("query", "status_keys") in error_locs(await board.read(status_keys=["PENDING", unknown]))


async def test_a12_the_summary_takes_no_status_keys(board):
    assert len(await board.names(PATHS[1], status_keys="NOPE")) == 5


async def test_r89_r93_full_and_lightweight_shapes(board):
    full = {board.name_of(look["id"]): look for look in (await board.read(limit=1000)).json()["data"]}
    dress = full["dress"]
    assert dress["assignee"]["id"] == board.me and dress["assignee_id"] == board.me
    assert {shot["shot_type"]["name"] for shot in dress["shots"]} == {"front", "back"}
    assert all(shot["revisions"] == [] and shot["status"] == "PENDING" for shot in dress["shots"])
    assert dress["product_name"].startswith("Dress") and dress["subject_name"] == "anna"
    assert dress["outfit_ref_imgs_urls"] == [] and dress["outfit_product_ids"] == []  # R94
    summary = {board.name_of(look["id"]): look for look in (await board.read(PATHS[1], limit=1000)).json()["data"]}
    light = summary["dress"]
    assert set(light) == {
        "id", "created_at", "updated_at", "shooting_id", "product_id", "product_name", "product_sku",
        "product_cover_image_url", "readiness", "shot_status", "assignee_id", "assignee",
        "outfit_products_count", "outfit_generation_status", "shots",
    }  # fmt: skip
    assert all(
        set(shot) == {"id", "shot_type", "status", "current_revision_id", "push_status"} for shot in light["shots"]
    )
    assert summary["scarf"]["shots"] == [] and summary["scarf"]["shot_status"] is None
    assert light["product_sku"] == dress["product_sku"] and light["assignee"] == dress["assignee"]
