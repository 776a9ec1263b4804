"""Staging pushes on one pooled connection, many times over: the partial unique index keeps
deciding which (revision, integration) pairs get a push.

PostgreSQL plans a prepared statement with its parameters for its first five executions, then may
switch to a generic plan; an ON CONFLICT predicate passed as a parameter then no longer matches
the partial index and every export failed (the soak found it: 502 from the sixth export on).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from platformkit.db import transaction
from services.exports import repository as repo
from services.exports.models import ExternalIntegration

pytestmark = pytest.mark.asyncio(loop_scope="session")
EXPORTS = 12  # past the five custom plans, on one connection


def push_row(revision_id: uuid.UUID, integration_id: uuid.UUID) -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "id": uuid.uuid4(),
        "revision_id": revision_id,
        "shot_id": uuid.uuid4(),
        "production_request_id": uuid.uuid4(),
        "product_id": uuid.uuid4(),
        "integration_id": integration_id,
        "status": "PENDING",
        "payload": {},
        "created_by": uuid.uuid4(),
        "created_at": now,
        "updated_at": now,
    }


async def test_one_push_per_revision_and_integration_however_often_the_statement_ran(exports) -> None:
    engine = create_async_engine(exports.database_url, pool_size=1, max_overflow=0)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    integration = uuid.uuid4()
    try:
        async with transaction(sessions) as session:
            session.add(
                ExternalIntegration(
                    id=integration,
                    name="Shop",
                    integration_type="webhook",
                    endpoint_url="http://127.0.0.1:9/ok",
                    secret_ciphertext=b"sealed",
                    owner_id=uuid.uuid4(),
                )
            )
        for _ in range(EXPORTS):
            revision = uuid.uuid4()
            async with transaction(sessions) as session:
                created = await repo.insert_pushes(session, [push_row(revision, integration)])
            async with transaction(sessions) as session:
                again = await repo.insert_pushes(session, [push_row(revision, integration)])
            assert [(p.revision_id, p.integration_id) for p in created] == [(revision, integration)]
            assert again == []  # the live push of that pair stays the only one
    finally:
        await engine.dispose()
