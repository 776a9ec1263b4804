"""Fixtures shared by the integration tests.

``harness``: the outbox relay, consumers and service databases of one test on the session's
engines (:class:`tests.integration.messaging_support.Harness`); what it started stops with the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from tests.conftest import Engines
from tests.integration.messaging_support import Harness


@pytest.fixture
async def harness(engines: Engines, new_database: Callable[[str], str]) -> AsyncIterator[Harness]:
    async with Harness(new_database, engines.broker.bootstrap) as h:
        yield h
