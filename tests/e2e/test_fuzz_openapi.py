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
operation is fuzzed; nothing is excluded. Ids in paths are random UUIDs, so most operations on
one resource answer 404 (declared): the budget buys breadth (validation, routing, error mapping
and the 4xx shapes of every operation), not deep business flows, which the other e2e modules
cover. A larger budget: ``FUZZ_MAX_EXAMPLES=100``; other requests: ``FUZZ_SEED=<integer>``.

The operations are listed at collection time from the gateway's routers (the same document
without a server; one test checks the stack serves exactly those) and driven with
``APIOperation.as_strategy``: schemathesis' own ``from_fixture(...).parametrize()`` sets
``Node._nodeid``, which pytest 9.2 no longer has.
"""

from __future__ import annotations

import os
import uuid
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
from tests.support.stack import CLIENT_TIMEOUT, SUPERUSER_EMAIL, SUPERUSER_PASSWORD

# Generated examples per operation in the fuzzing phase (the schema's own examples come on top).
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "6"))
SEED = int(os.environ.get("FUZZ_SEED", "20240610"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _token(client: httpx.Client, email: str, password: str) -> str:
    response = client.post("/api/v1/login/access-token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture(scope="module")
def fuzz_schema(stack: Stack) -> Iterator[schemathesis.schemas.BaseSchema]:
    with httpx.Client(base_url=stack.gateway_url, timeout=CLIENT_TIMEOUT) as client:
        admin = _token(client, SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
        email, password = f"fuzz-{uuid.uuid4().hex[:12]}@example.com", f"pw-{uuid.uuid4().hex}"
        created = client.post(
            "/api/v1/users/",
            json={"email": email, "password": password, "full_name": "Fuzzer", "is_superuser": True},
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert created.status_code == 200, created.text
        token = _token(client, email, password)
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
    fuzz_schema: schemathesis.schemas.BaseSchema, method: str, path: str
) -> None:
    operation = fuzz_schema[path][method]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

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


def test_the_stack_serves_the_operations_fuzzed_here(fuzz_schema: schemathesis.schemas.BaseSchema) -> None:
    served = {(method.upper(), path) for path, item in fuzz_schema.raw_schema["paths"].items() for method in item}
    assert served == set(OPERATIONS)
