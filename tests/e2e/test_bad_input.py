"""Bad input through the edge: every refusal is a 4xx in the reference's error shape, never a 500,
and nothing is written.

Table one sends malformed JSON, wrong types, date-times an offset carries out of UTC's range,
unknown enum values, overlong strings, out-of-range paging, non-UUID ids (path and query), URLs
urllib cannot read, a signed URL's signature that is not ASCII and NUL characters (query, path,
JSON and form bodies) and expects the exact status: 422 with FastAPI's ``{"detail": [{loc, msg,
type}]}``, or 400 with ``{"detail": "..."}`` for a body that cannot even be decoded (FastAPI's own
answer). Every case runs as a fresh ordinary user with a small brief (a shooting with one look,
products, a subject), and the counts of every list the user can see are compared before and after:
a refused request writes nothing.

Table two puts injection strings into every text filter (product search, look filters): SQL
(``' OR 1=1 --``), LIKE wildcards (``%``, ``_``), a backslash, unicode and text at the 255-character limit are
ordinary text there (README: "%" and "_" literal), so they answer 200 and match nothing, while a
control value shows the filter does match when it should; a NUL in a filter is a 422.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.e2e.brief import Brief, post

NUL = "a\x00b"
INJECTIONS = {
    "sql": "' OR 1=1 --",
    "percent": "%",
    "underscore": "_",
    "backslash": "\\",
    "unicode": "Ünïcødé ✓ 日本語 🧥",
    "long": "x" * 255,
}


@dataclass
class Board:
    client: httpx.AsyncClient
    shooting_id: str
    look_id: str
    product_id: str


@pytest.fixture(scope="module")
async def board(new_user) -> Board:  # type: ignore[no-untyped-def]
    user = await new_user()
    brief = await Brief(user.client).build()
    await post(
        user.client,
        "/products/",
        {"name": "Branded", "sku": "BR-1", "gender": "UNISEX", "brand": "Acme", "brand_collection": "Winter"},
    )
    shooting = await brief.shooting()
    scarf, anna = brief.products["scarf"], brief.subjects["anna"]
    created = await brief.looks(shooting["id"], product_ids=[scarf], subject_ids=[anna])
    [look] = created.json()["production_requests"]
    return Board(user.client, shooting["id"], look["id"], scarf)


LISTS = (
    "/shootings/",
    "/products/",
    "/subjects/",
    "/shot-types/",
    "/guidelines/",
    "/organizations/",
    "/shootings/{shooting}/production-requests-summary",
)


async def _counts(board: Board) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    for path in LISTS:
        response = await board.client.get(path.format(shooting=board.shooting_id))
        assert response.status_code == 200, response.text
        counts[path] = response.json()["count"]
    productions = await board.client.get(f"/shootings/{board.shooting_id}/productions")
    assert productions.status_code == 200, productions.text
    counts["productions"] = len(productions.json()["data"])
    shooting = await board.client.get(f"/shootings/{board.shooting_id}")
    look = await board.client.get(f"/shootings/{board.shooting_id}/production-requests/{board.look_id}")
    product = await board.client.get(f"/products/{board.product_id}")
    for name, response in (("shooting", shooting), ("look", look), ("product", product)):
        assert response.status_code == 200, response.text
        counts[name] = {k: v for k, v in response.json().items() if k not in ("shots", "outfit", "proposals")}
    return counts


@dataclass(frozen=True)
class Bad:
    method: str
    path: str
    status: int = 422
    json: Any = None
    content: bytes | None = None
    params: dict[str, Any] | None = None
    data: dict[str, str] | None = None


S, L, P = "{shooting}", "{look}", "{product}"


def _integration(endpoint_url: str) -> dict[str, str]:
    return {"name": "Shop", "integration_type": "webhook", "endpoint_url": endpoint_url, "secret": "s" * 32}


CASES: dict[str, Bad] = {
    # Malformed bodies.
    "json truncated": Bad("POST", "/shootings/", content=b'{"name": "x",'),
    "json not json": Bad("POST", "/products/", content=b"name=x"),
    "json array for object": Bad("POST", "/shootings/", json=[{"name": "x"}]),
    "json empty body": Bad("POST", "/subjects/", content=b""),
    "json patch truncated": Bad("PATCH", f"/shootings/{S}", content=b'{"name": '),
    "body not utf-8": Bad("POST", "/shootings/", status=400, content=b'{"name": "\xff\xfe"}'),
    # Wrong types.
    "name is a number": Bad("POST", "/shootings/", json={"name": 123}),
    "name is a list": Bad("POST", "/products/", json={"name": ["a"], "sku": "S-1"}),
    "due date is not a date": Bad("PATCH", f"/shootings/{S}", json={"due_date": "tomorrow"}),
    # Date-times whose offset carries them out of what UTC (and a protobuf Timestamp) can hold.
    "due date before year 1 in UTC": Bad(
        "POST", "/shootings/", json={"name": "x", "due_date": "0001-01-01T00:40:01+15:00"}
    ),
    "due date after year 9999 in UTC": Bad("PATCH", f"/shootings/{S}", json={"due_date": "9999-12-31T23:00:00-05:00"}),
    "archived is a string": Bad("PATCH", f"/shootings/{S}", json={"archived": "maybe"}),
    "shot type ids is a string": Bad("PUT", f"/shootings/{S}/production-requests/{L}", json={"shot_type_ids": "x"}),
    "rework beyond int32": Bad("PATCH", "/shots/00000000-0000-0000-0000-000000000000", json={"rework_used": 2**40}),
    # Unknown enum values.
    "production kind": Bad("POST", f"/shootings/{S}/productions", json={"kind": "FINAL"}),
    "phase": Bad("PATCH", f"/shootings/{S}/phase", json={"phase": "LAUNCH"}),
    "subject gender": Bad("POST", "/subjects/", json={"name": "x", "gender": "ROBOT"}),
    "look readiness": Bad("PUT", f"/shootings/{S}/production-requests/{L}", json={"readiness": "HALF"}),
    "shooting statuses filter": Bad("GET", "/shootings/", params={"statuses": "NOPE"}),
    "look shot statuses filter": Bad(
        "GET", f"/shootings/{S}/production-requests-summary", params={"shot_statuses": "NOPE"}
    ),
    # Overlong strings.
    "shooting name 256": Bad("POST", "/shootings/", json={"name": "x" * 256}),
    "shooting rename 256": Bad("PATCH", f"/shootings/{S}", json={"name": "x" * 256}),
    "product name 256": Bad("POST", "/products/", json={"name": "x" * 256, "sku": "S-2"}),
    "product description 10001": Bad("PATCH", f"/products/{P}", json={"description": "x" * 10_001}),
    "subject name 100k": Bad("POST", "/subjects/", json={"name": "x" * 100_000, "gender": "FEMALE"}),
    "product filter 256": Bad("GET", "/products/", params={"brand": "x" * 256}),
    "look filter 5000": Bad("GET", f"/shootings/{S}/production-requests", params={"product_sku": "x" * 5_000}),
    # Paging.
    "limit 1001": Bad("GET", "/shootings/", params={"limit": 1001}),
    "limit huge": Bad("GET", "/products/", params={"limit": 10**30}),
    "limit negative": Bad("GET", "/subjects/", params={"limit": -1}),
    "skip negative": Bad("GET", "/shootings/", params={"skip": -1}),
    "skip beyond int32": Bad("GET", "/shots/", params={"skip": 2**31}),
    "skip huge": Bad("GET", "/organizations/", params={"skip": 10**20}),
    "skip not a number": Bad("GET", f"/shootings/{S}/production-requests-summary", params={"skip": "ten"}),
    # Ids that are not UUIDs.
    "path shooting id": Bad("GET", "/shootings/not-a-uuid"),
    "path product id number": Bad("GET", "/products/123"),
    "path id injection": Bad("DELETE", "/shootings/' OR 1=1 --"),
    "path look id": Bad("DELETE", f"/shootings/{S}/production-requests/%25"),
    # URLs urllib cannot read: an unbalanced bracket in the host, a port that is not one.
    "integration url bracket": Bad("POST", "/external-integrations/", json=_integration("https://]x[")),
    "integration url port": Bad("POST", "/external-integrations/", json=_integration("https://h:99999/")),
    # A signed media URL whose signature is not even ASCII (hand-edited, or fuzzed): refused.
    "media signature not ascii": Bad(
        "PUT", "/media/E", status=403, params={"signature": "\u00b1\u00f2Z", "expires": 17_982_949_344}, content=b"x"
    ),
    "query organization id": Bad("GET", "/shootings/", params={"organization_id": "nope"}),
    "query shooting id": Bad("GET", "/shots/", params={"shooting_id": "1; DROP TABLE shots"}),
    "query product ids": Bad("GET", f"/shootings/{S}/production-requests-summary", params={"product_ids": "x"}),
    "body product id": Bad("POST", f"/shootings/{S}/main-products", json={"product_ids": ["nope"]}),
    # NUL characters, which PostgreSQL cannot store or compare.
    "nul in body name": Bad("POST", "/shootings/", json={"name": NUL}),
    "nul in body key": Bad("PATCH", f"/shootings/{S}", json={NUL: "x"}),
    "nul in product sku": Bad("POST", "/products/", json={"name": "n", "sku": NUL}),
    "nul in patch": Bad("PATCH", f"/products/{P}", json={"brand": NUL}),
    "nul in query": Bad("GET", "/products/", params={"brand": NUL}),
    "nul in path": Bad("GET", "/shootings/%00"),
    "nul in login form": Bad("POST", "/login/access-token", data={"username": NUL, "password": "x"}),
}


def _expand(board: Board, text: str) -> str:
    return text.replace(S, board.shooting_id).replace(L, board.look_id).replace(P, board.product_id)


def _assert_error_shape(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail"}, body
    if status == 422:
        assert body["detail"], body
        for violation in body["detail"]:
            assert {"loc", "msg", "type"} <= set(violation), violation
            assert isinstance(violation["loc"], list) and isinstance(violation["msg"], str), violation
    else:
        assert isinstance(body["detail"], str), body


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_bad_input_is_refused_and_writes_nothing(board: Board, case: Bad) -> None:
    before = await _counts(board)
    response = await board.client.request(
        case.method,
        _expand(board, case.path),
        json=case.json,
        content=case.content,
        params=case.params,
        data=case.data,
        headers={"Content-Type": "application/json"} if case.content is not None else None,
    )
    _assert_error_shape(response, case.status)
    assert await _counts(board) == before


# (list path, filter parameter, a value the board matches): each injection must match nothing there.
FILTERS: dict[str, tuple[str, str, str]] = {
    "product brand": ("/products/", "brand", "acme"),
    "product brand collection": ("/products/", "brand_collection", "WINTER"),
    "look product name": (f"/shootings/{S}/production-requests-summary", "product_name", "scarf"),
    "look product sku": (f"/shootings/{S}/production-requests-summary", "product_sku", "sku-scarf"),
    "look product type": (f"/shootings/{S}/production-requests-summary", "product_type", "SCARF"),
    "look list product name": (f"/shootings/{S}/production-requests", "product_name", "Scarf"),
}
FILTER_CASES = [(f"{f} {i}", f, value) for f in FILTERS for i, value in INJECTIONS.items()]


async def _count(board: Board, path: str, params: dict[str, str]) -> int:
    response = await board.client.get(_expand(board, path), params=params)
    assert response.status_code == 200, response.text
    return int(response.json()["count"])


@pytest.mark.parametrize(("name", "value"), [(f, v) for _, f, v in FILTER_CASES], ids=[c[0] for c in FILTER_CASES])
async def test_injection_in_a_text_filter_is_plain_text(board: Board, name: str, value: str) -> None:
    path, param, matching = FILTERS[name]
    assert await _count(board, path, {param: matching}) == 1
    assert await _count(board, path, {param: value}) == 0


@pytest.mark.parametrize("name", FILTERS, ids=FILTERS.keys())
async def test_nul_in_a_text_filter_is_422(board: Board, name: str) -> None:
    path, param, _ = FILTERS[name]
    before = await _counts(board)
    response = await board.client.get(_expand(board, path), params={param: NUL})
    _assert_error_shape(response, 422)
    assert await _counts(board) == before
