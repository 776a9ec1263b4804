"""The embedded engines the suite and `make run` rely on answer over real connections."""

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic


async def test_postgres_accepts_connections(engines, new_database):
    url = new_database("probe").replace("postgresql+asyncpg", "postgresql")
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT 40 + 2") == 42
    finally:
        await conn.close()


async def test_broker_creates_topics(engines):
    admin = AIOKafkaAdminClient(bootstrap_servers=engines.broker.bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic("probe.topic", num_partitions=3, replication_factor=1)])
        assert "probe.topic" in await admin.list_topics()
    finally:
        await admin.close()
