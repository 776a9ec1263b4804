"""The principal cache against the real identity database: served from memory while nothing
changes, told by PostgreSQL whatever writes the change (here plain SQL on another connection, as
an operator or a migration would), and read from the database each time while it cannot listen.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import asyncpg
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from gateway.principals import PrincipalCache
from gateway.settings import GatewaySettings
from platformkit.db import asyncpg_dsn
from tests.integration.gateway.conftest import NewUser

pytestmark = pytest.mark.timeout(120)


def _hits() -> float:
    return REGISTRY.get_sample_value("principal_cache_lookups_total", {"outcome": "hit"}) or 0.0


def _invalidations() -> float:
    return REGISTRY.get_sample_value("principal_cache_invalidations_total") or 0.0


async def _until_invalidated(since: float, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while _invalidations() <= since:
        assert time.monotonic() < deadline, "PostgreSQL's notification never arrived"
        await asyncio.sleep(0.01)


async def test_identity_comes_from_memory_until_postgresql_announces_a_change(
    app: FastAPI, gateway_settings: GatewaySettings, new_user: NewUser
) -> None:
    principals: PrincipalCache = app.state.principals
    await asyncio.wait_for(principals.listening.wait(), 30)
    user_id = uuid.UUID((await new_user()).id)

    first = await principals.identity(user_id)
    hits = _hits()
    second = await principals.identity(user_id)
    assert first == second and second is not None and second.is_active and second.organization_ids == ()
    assert _hits() == hits + 1

    connection = await asyncpg.connect(asyncpg_dsn(gateway_settings.database_url.get_secret_value()))
    try:
        organization_id = uuid.uuid4()
        notified = _invalidations()
        async with connection.transaction():
            await connection.execute("INSERT INTO organizations (id, name) VALUES ($1, 'By hand')", organization_id)
            await connection.execute(
                "INSERT INTO organization_members (organization_id, user_id) VALUES ($1, $2)", organization_id, user_id
            )
            await connection.execute("UPDATE users SET is_active = false WHERE id = $1", user_id)
        await _until_invalidated(notified)
    finally:
        await connection.close()

    changed = await principals.identity(user_id)
    assert changed is not None
    assert (changed.is_active, changed.organization_ids) == (False, (organization_id,))


async def test_without_its_listening_connection_it_reads_the_database_every_time(
    app: FastAPI, gateway_settings: GatewaySettings, new_user: NewUser
) -> None:
    # Nothing listens on this port: the cache never hears from PostgreSQL, so it must not trust itself.
    deaf = PrincipalCache(app.state.sessions, "postgresql://postgres@127.0.0.1:9/none", ttl_seconds=300)
    await deaf.start()
    try:
        user_id = uuid.UUID((await new_user()).id)
        hits = _hits()
        assert (await deaf.identity(user_id)) is not None
        connection = await asyncpg.connect(asyncpg_dsn(gateway_settings.database_url.get_secret_value()))
        try:
            await connection.execute("UPDATE users SET is_superuser = true WHERE id = $1", user_id)
        finally:
            await connection.close()
        promoted = await deaf.identity(user_id)
        assert promoted is not None and promoted.is_superuser
        assert _hits() == hits
    finally:
        await deaf.stop()


async def test_an_unknown_user_is_none_and_never_cached(app: FastAPI) -> None:
    principals: PrincipalCache = app.state.principals
    await asyncio.wait_for(principals.listening.wait(), 30)
    stranger = uuid.uuid4()
    hits = _hits()
    assert await principals.identity(stranger) is None
    assert await principals.identity(stranger) is None
    assert _hits() == hits


async def test_a_change_commits_and_answers_only_once_its_notification_came_back(
    app: FastAPI, new_user: NewUser
) -> None:
    principals: PrincipalCache = app.state.principals
    await asyncio.wait_for(principals.listening.wait(), 30)
    user_id = uuid.UUID((await new_user()).id)
    assert await principals.identity(user_id) is not None
    hits = _hits()

    notified = _invalidations()
    # Nothing in this transaction touches a row: the change still announces itself.
    async with app.state.sessions() as session:
        await principals.commit_change(session, user_id)
    assert _invalidations() > notified, "commit_change answered before PostgreSQL delivered its notification"

    assert await principals.identity(user_id) is not None
    assert _hits() == hits, "the changed user was still served from memory"
