"""The authorization matrix (issue 10): every public endpoint, through Envoy, for each kind of
caller: anonymous (401), a stranger (refused, and exactly as for ids that do not exist, so ids
cannot be probed), a member of the owner's organization, the owner and the superuser. The table
(tests/e2e/authz_support.py) must cover every endpoint of the gateway's OpenAPI document and of
the reference's endpoint list (tests/reference/endpoints.json). Also: forged and expired tokens,
references to another organization's resources in bodies (422) and reads scoped by a stranger's
own organization (their cases in tests/e2e/authz_cross.py), and secrets that never appear in a
response or in any process's log."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from devstack.environment import secret_key
from tests.e2e.authz_cross import CROSS, SCOPED_READS
from tests.e2e.authz_support import (
    API,
    INTEGRATION_SECRET,
    PUBLIC,
    ROWS,
    UUID_RE,
    Row,
    World,
    after_password_change,
    build_world,
    normalized,
)
from tests.support.stack import ApiUser

pytestmark = pytest.mark.asyncio(loop_scope="session")

REFERENCE = Path(__file__).parents[1] / "reference" / "endpoints.json"
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


@pytest.fixture(scope="module")
async def world(api, new_user) -> World:  # type: ignore[no-untyped-def]
    owner, member, stranger = await new_user(), await new_user(), await new_user()
    return await build_world(World(admin=api, owner=owner, member=member, stranger=stranger))


def _request(row: Row, w: World, actor: ApiUser | None, target: dict[str, Any]) -> tuple[str, dict[str, Any], Any]:
    values = {**w.ids, **(row.params(w) if row.params else {}), **target.get("params", {})}
    path = PARAM.sub(lambda m: values[m.group(1)], row.path.removeprefix(API))
    query = row.query(w) if row.query else {}
    body = target["body"] if "body" in target else (row.body(w, actor) if row.body else None)
    return path, query, body


async def _nothing() -> dict[str, Any]:
    return {}


async def _send(client: httpx.AsyncClient, method: str, path: str, query: dict[str, Any], body: Any) -> httpx.Response:
    kwargs: dict[str, Any] = {"params": query or None}
    if body is not None:
        kwargs["json"] = body
    return await client.request(method, path, **kwargs)


def _missing(path: str, query: dict[str, Any], body: Any) -> tuple[str, dict[str, Any], Any]:
    """The same request with every id replaced by a random one (consistently)."""
    fresh: dict[str, str] = {}

    def swap(text: str) -> str:
        return UUID_RE.sub(lambda m: fresh.setdefault(m.group(0), str(uuid.uuid4())), text)

    return (
        swap(path),
        json.loads(swap(json.dumps(query))),
        None if body is None else json.loads(swap(json.dumps(body))),
    )


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
async def test_endpoint_authorization(row: Row, world: World, anon_api: httpx.AsyncClient) -> None:
    w = world
    callers = [
        (name, actor, expected)
        for name, actor, expected in (
            ("stranger", w.stranger, row.stranger),
            ("member", w.member, row.member),
            ("owner", w.owner, row.owner),
            ("admin", None, row.admin),
        )
        if expected is not None
    ]
    # A throwaway target for the refused callers and one per caller expected to succeed.
    succeeding = [name for name, _, expected in callers if 200 <= expected < 300]
    targets = dict(
        zip(
            ["refused", *succeeding],
            await asyncio.gather(*[row.fresh(w) if row.fresh else _nothing() for _ in range(1 + len(succeeding))]),
            strict=True,
        )
    )
    path, query, body = _request(row, w, None, targets["refused"])
    stranger_path, stranger_query, stranger_body = _request(row, w, w.stranger, targets["refused"])
    probes = [_send(anon_api, row.method, path, query, body)]
    if not row.any_user:
        probes += [
            _send(w.stranger.client, row.method, stranger_path, stranger_query, stranger_body),
            _send(w.stranger.client, row.method, *_missing(stranger_path, stranger_query, stranger_body)),
        ]
    anonymous, *refused = await asyncio.gather(*probes)
    assert anonymous.status_code == 401, f"anonymous: {anonymous.status_code} {anonymous.text}"
    assert anonymous.json() == {"detail": "Not authenticated"}
    if refused:
        real, missing = refused
        assert real.status_code in row.refused, f"stranger: {real.status_code} {real.text}"
        assert normalized(real) == normalized(missing), "other's and missing ids answer differently"

    # One after the other: several callers may change the same resource.
    for name, actor, expected in callers:
        client = w.admin if actor is None else actor.client
        target = targets.get(name, targets["refused"])
        response = await _send(client, row.method, *_request(row, w, actor, target))
        assert response.status_code == expected, f"{name}: {response.status_code} {response.text}"
        if 200 <= expected < 300:
            if row.path.endswith("/users/me/password") and actor is not None:
                after_password_change(actor)
            if row.contains and name == "stranger":
                assert w.ids[row.contains] not in response.text, f"the stranger sees {row.contains}"
            elif row.contains:
                assert w.ids[row.contains] in response.text, f"{name} does not see {row.contains}"


async def test_the_table_covers_every_endpoint(anon_api: httpx.AsyncClient, stack) -> None:  # type: ignore[no-untyped-def]
    """An endpoint without a row (or a public reason) fails here, so none slips through."""
    docs = await anon_api.get(f"{stack.gateway_url}/openapi.json")
    assert docs.status_code == 200
    served = {
        f"{method.upper()} {_template(path)}"
        for path, operations in docs.json()["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }
    reference = {f"{e['method']} {e['path'].removeprefix(API)}" for e in json.loads(REFERENCE.read_text())}
    assert len(reference) == 50
    covered = [r.id for r in ROWS]
    assert len(covered) == len(set(covered)), "an endpoint has two rows"
    assert not set(covered) & set(PUBLIC), "an endpoint is both public and in the table"
    known = set(covered) | set(PUBLIC)
    assert sorted(reference - known) == [], "reference endpoints without an authorization row"
    assert sorted(served - known) == [], "served endpoints without an authorization row"
    assert sorted(known - served) == [], "rows for endpoints the gateway does not serve"


@pytest.mark.parametrize("endpoint", sorted(PUBLIC))
async def test_public_endpoints_need_no_token_but_check_their_own_credentials(
    endpoint: str, anon_api: httpx.AsyncClient, world: World
) -> None:
    """Without a token: the probes answer, signed URLs and callbacks refuse a bad signature."""
    method, path = endpoint.split(" ", 1)
    path = path.replace("{integration_id}", world.ids["integration_id"]).replace("{key}", "nope/forged.png")
    if path.startswith("/login"):
        response = await anon_api.post(path, data={"username": world.owner.email, "password": "wrong"})
        expected = 401
    elif path.endswith("/callback"):
        body = {"push_id": str(uuid.uuid4()), "status": "COMPLETED"}
        response = await anon_api.post(path, json=body, headers={"X-Signature": "sha256=" + "0" * 64})
        expected = 401
    elif path.startswith("/media/"):
        params = {"expires": "4102444800", "signature": "0" * 64}
        response = await anon_api.request(
            method, path, params=params, content=b"x", headers={"Content-Type": "image/png"}
        )
        expected = 403
    else:
        response = await anon_api.get(path)
        expected = 200
    assert response.status_code == expected, response.text


def _template(path: str) -> str:
    return PARAM.sub(lambda m: "{" + m.group(1) + "}", path).removeprefix(API)


def _forged(stack, user_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    key = secret_key(stack.state.root, stack.config.environ)
    now = datetime.now(UTC)
    header = {"alg": "none", "typ": "JWT"}
    unsigned = jwt.api_jws.base64url_encode(json.dumps(header).encode()).decode()
    claims = {"sub": user_id, "exp": int((now + timedelta(hours=1)).timestamp())}
    payload = jwt.api_jws.base64url_encode(json.dumps(claims).encode()).decode()
    return {
        "alg none": f"{unsigned}.{payload}.",
        "wrong signature": jwt.encode(claims, "not-the-secret-key-" + "x" * 32, algorithm="HS256"),
        "expired": jwt.encode({"sub": user_id, "exp": now - timedelta(seconds=5)}, key, algorithm="HS256"),
        "no exp": jwt.encode({"sub": user_id}, key, algorithm="HS256"),
        "HS512 with the key": jwt.encode(claims, key, algorithm="HS512"),
        "valid": jwt.encode(claims, key, algorithm="HS256"),
    }


async def test_forged_and_expired_tokens_are_401(stack, anon_api: httpx.AsyncClient, world: World) -> None:  # type: ignore[no-untyped-def]
    tokens = _forged(stack, world.owner.id)
    for name, token in tokens.items():
        headers = {"Authorization": f"Bearer {token}"}
        for path in ("/users/me", f"/shootings/{world.ids['shooting_id']}"):
            response = await anon_api.get(path, headers=headers)
            if name == "valid":  # the forging itself is right: the same claims, properly signed, pass
                assert response.status_code == 200, response.text
            else:
                assert response.status_code == 401, f"{name} on {path}: {response.status_code}"
                assert response.json() == {"detail": "Could not validate credentials"}


@pytest.mark.parametrize(("what", "method", "path", "make"), CROSS, ids=[c[0] for c in CROSS])
async def test_references_to_another_organizations_resources_are_422(
    what: str, method: str, path: str, make: Any, world: World
) -> None:
    """The owner names the stranger's resource: 422, exactly as for an id that does not exist."""
    w = world
    url = PARAM.sub(lambda m: w.ids[m.group(1)], path)
    foreign_body = make(w, w.foreign)
    random_body = make(w, {key: str(uuid.uuid4()) for key in w.foreign})
    foreign = await w.owner.client.request(method, url, json=foreign_body)
    unknown = await w.owner.client.request(method, url, json=random_body)
    assert foreign.status_code == 422, foreign.text
    assert normalized(foreign) == normalized(unknown)


async def test_secrets_never_appear_in_responses_or_logs(stack, new_user, api: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    password = f"Known-Password-{uuid.uuid4().hex}"
    secret = f"known-integration-secret-{uuid.uuid4().hex}"
    user = await new_user(password=password)
    token = user.token
    client = user.client
    seen: list[httpx.Response] = []

    async def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = await client.request(method, path, **kwargs)
        assert response.status_code < 500, response.text
        seen.append(response)
        return response

    # Logging in again: the password travels in a form (the token answer is checked apart).
    login = await client.post("/login/access-token", data={"username": user.email, "password": password})
    assert login.status_code == 200
    assert password not in login.text
    failed = await client.post("/login/access-token", data={"username": user.email, "password": password + "x"})
    assert failed.status_code == 401
    seen.append(failed)
    seen.append(await api.get(f"/users/{user.id}"))
    seen.append(await api.get("/users/", params={"limit": 1000}))
    await call("GET", "/users/me")
    await call("POST", "/login/test-token")
    body = {"name": "Shop", "integration_type": "webhook", "endpoint_url": "http://127.0.0.1:9/x", "secret": secret}
    created = await call("POST", "/external-integrations/", json=body)
    integration_id = created.json()["id"]
    await call("GET", f"/external-integrations/{integration_id}")
    await call("GET", "/external-integrations/")
    await call("PATCH", f"/external-integrations/{integration_id}", json={"secret": secret + "-2", "name": "Shop 2"})
    await call("POST", "/external-integrations/", json={**body, "secret": "short"})  # 422: must not echo it
    await call("PATCH", "/users/me/password", json={"current_password": password, "new_password": password + "-new"})
    # A call with a forged token carrying the real one's claims.
    await call("GET", "/users/me", headers={"Authorization": f"Bearer {token}x"})

    for response in seen:
        for value, name in ((password, "password"), (secret, "integration secret"), (token, "access token")):
            assert value not in response.text, f"{name} in {response.request.method} {response.request.url}"
        assert INTEGRATION_SECRET not in response.text
    logs = sorted((stack.state.root / "logs").glob("*.log"))
    assert any(log.name.startswith("gateway") for log in logs), [log.name for log in logs]
    for log in logs:
        text = log.read_text(errors="replace")
        for value, name in (
            (password, "password"),
            (secret, "integration secret"),
            (secret + "-2", "integration secret"),
            (token, "access token"),
            (INTEGRATION_SECRET, "integration secret"),
        ):
            assert value not in text, f"{name} in {log.name}"


@pytest.mark.parametrize(("path", "filters"), SCOPED_READS, ids=[p for p, _ in SCOPED_READS])
async def test_a_strangers_own_organization_scope_reveals_nothing(
    path: str, filters: dict[str, str], world: World
) -> None:
    w = world
    url = PARAM.sub(lambda m: w.ids[m.group(1)], path)
    query = {"organization_id": w.foreign["organization_id"], **{k: w.ids[v] for k, v in filters.items()}}
    real = await w.stranger.client.get(url, params=query)
    missing_url, missing_query, _ = _missing(url, {k: v for k, v in query.items() if k != "organization_id"}, None)
    missing = await w.stranger.client.get(
        missing_url, params={**missing_query, "organization_id": w.foreign["organization_id"]}
    )
    assert normalized(real) == normalized(missing), f"{real.status_code} {real.text} vs {missing.text}"
    for key in ("shooting_id", "production_request_id", "shot_id"):
        assert w.ids[key] not in real.text
    # The owner, in the right scope, does see it (the probe is not vacuous).
    own = await w.owner.client.get(url, params={**query, **w.org})
    assert own.status_code == 200, own.text
