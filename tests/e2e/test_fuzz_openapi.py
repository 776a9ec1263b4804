"""Property-based fuzzing of every operation the gateway's own ``/openapi.json`` declares.

Schemathesis loads the document from the running e2e stack (through Envoy, as clients see it)
and, per operation (one pytest test each), sends ``MAX_EXAMPLES`` generated requests drawn from
schemathesis' positive and negative strategies (valid input, and input that breaks the schema:
wrong types, missing fields, out-of-range values), with a fixed Hypothesis seed and no example
database, so every run sends the same requests. Every answer must be:

- no server error (``not_a_server_error``: a 5xx is a bug, bad input is the caller's 4xx);
- a status code the operation declares (``status_code_conformance``);
- the declared content type (``content_type_conformance``);
- a body matching the declared schema for that status (``response_schema_conformance``).

Who calls: a fresh superuser created for this module, so the admin-only branches are reached,
while whatever a generated request does to "the current user" (``PATCH /users/me``, a password
change) touches only that user and never the first superuser the other tests log in as. Every
operation is fuzzed; nothing is excluded.

Ids: that user owns one of every resource of the public API (the authorization matrix's world,
:func:`tests.e2e.authz_support.build_world`), and about half of the cases name them: every path
parameter and every body field called like one of them (``product_id``, ``shot_type_ids``...) is
replaced by the real resource's id, so generated values reach the services' rules on existing
shootings, looks, shots and catalog entries instead of stopping at a 404 or a 422 for an unknown
reference. ``DELETE`` keeps its generated ids (deleting the world would leave the later operations
nothing to reach), and ``user_id`` names another member of the world's organization, never the
caller. The other half keep schemathesis' random ids (404 paths, unknown references). A larger
budget: ``FUZZ_MAX_EXAMPLES=100``; other requests: ``FUZZ_SEED=<integer>``.

The operations are listed at collection time from the gateway's routers (the same document
without a server; one test checks the stack serves exactly those) and driven with
``APIOperation.as_strategy``: schemathesis' own ``from_fixture(...).parametrize()`` sets
``Node._nodeid``, which pytest 9.2 no longer has.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from devstack.stack import Stack
from gateway.app import API_PREFIX
from gateway.routes import ROUTERS
from tests.e2e.authz_support import World, build_world
from tests.e2e.conftest import NewUser
from tests.support.stack import CLIENT_TIMEOUT

# Generated examples per operation in the fuzzing phase (the schema's own examples come on top).
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "6"))
SEED = int(os.environ.get("FUZZ_SEED", "20240610"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
async def fuzz_world(api: httpx.AsyncClient, new_user: NewUser) -> World:
    """One of every resource, owned by the fuzzing superuser."""
    owner = await new_user(is_superuser=True, full_name="Fuzzer")
    member, stranger = await new_user(), await new_user()
    return await build_world(World(admin=api, owner=owner, member=member, stranger=stranger))


def _real_ids(world: World) -> dict[str, str]:
    """The id to put where a request names a resource, by the parameter's or field's name."""
    return {**world.ids, "user_id": world.member.id}


@pytest.fixture(scope="module")
def fuzz_schema(stack: Stack, fuzz_world: World) -> Iterator[schemathesis.schemas.BaseSchema]:
    token = fuzz_world.owner.token
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "base-url": stack.gateway_url,
            "headers": {"Authorization": f"Bearer {token}"},
            "request-timeout": CLIENT_TIMEOUT,
        }
    )
    yield schemathesis.openapi.from_url(f"{stack.gateway_url}/openapi.json", config=config, timeout=CLIENT_TIMEOUT)


def _declared_operations() -> list[tuple[str, str]]:
    """(method, path) of every operation the gateway declares, read from its routers at collection
    time (no server needed); the test then checks the running stack serves the same document."""
    app = FastAPI()
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    return [(method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item]


OPERATIONS = _declared_operations()


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation_answers_what_it_declares(
    fuzz_schema: schemathesis.schemas.BaseSchema, fuzz_world: World, method: str, path: str
) -> None:
    operation = fuzz_schema[path][method]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))
    if method != "DELETE":
        real = _real_ids(fuzz_world)
        cases = st.tuples(cases, st.booleans()).map(
            lambda drawn: naming_real_ids(drawn[0], real) if drawn[1] else drawn[0]
        )

    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate, hypothesis.Phase.shrink],
    )
    @hypothesis.given(case=cases)
    def send(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CHECKS)

    send()


def naming_real_ids(case: schemathesis.Case, ids: dict[str, str]) -> schemathesis.Case:
    """``case`` with every path parameter and body field named like a resource of ``ids`` naming it."""
    for name in case.path_parameters or {}:
        if name in ids:
            case.path_parameters[name] = ids[name]
    _name_real_ids(case.body, ids)
    return case


def _name_real_ids(value: object, ids: dict[str, str]) -> None:
    """Replace, in place, the text of fields named like a resource (``shot_type_id``) and the text
    items of lists named like several (``shot_type_ids``); other values (a number where an id
    belongs) stay, so negative cases stay negative."""
    if isinstance(value, list):
        for item in value:
            _name_real_ids(item, ids)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if isinstance(item, str) and key in ids:
            value[key] = ids[key]
        elif isinstance(item, list) and key.endswith("_ids") and key.removesuffix("s") in ids:
            value[key] = [ids[key.removesuffix("s")] if isinstance(one, str) else one for one in item]
        else:
            _name_real_ids(item, ids)


def test_naming_real_ids_replaces_names_of_resources_only() -> None:
    """The substitution itself, on a body of every shape it meets (no stack needed)."""
    ids = {"product_id": "P", "shot_type_id": "S"}
    fields = {  # field: (generated, after the substitution)
        "product_id": ("random", "P"),
        "shot_type_ids": (["a", 7, "b"], ["S", 7, "S"]),
        "nested": ([{"product_id": "x"}, {"name": "product_id"}], [{"product_id": "P"}, {"name": "product_id"}]),
        "subject_id": ("kept", "kept"),
        "product_ids": ("not a list", "not a list"),
        "shot_type_id": (12, 12),
    }
    body = {name: generated for name, (generated, _) in fields.items()}
    _name_real_ids(body, ids)
    assert body == {name: expected for name, (_, expected) in fields.items()}


def test_the_stack_serves_the_operations_fuzzed_here(fuzz_schema: schemathesis.schemas.BaseSchema) -> None:
    served = {(method.upper(), path) for path, item in fuzz_schema.raw_schema["paths"].items() for method in item}
    assert served == set(OPERATIONS)
