"""A worker of a consumer group: consumes FAKE_TOPIC in FAKE_GROUP and prints one JSON line per
partition assignment and per record, so a test sees which process did which work."""

from __future__ import annotations

import asyncio
import json
import os

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition

from tests.integration.devstack.fakes.common import announce


class Report(ConsumerRebalanceListener):  # type: ignore[misc]
    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        pass

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        print(json.dumps({"assigned": sorted(p.partition for p in assigned)}), flush=True)


async def main() -> None:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"],
        group_id=os.environ["FAKE_GROUP"],
        auto_offset_reset="earliest",
        session_timeout_ms=1000,
        heartbeat_interval_ms=200,
        fetch_max_wait_ms=20,
    )
    consumer.subscribe([os.environ["FAKE_TOPIC"]], listener=Report())
    await consumer.start()
    announce("group worker")
    try:
        async for record in consumer:
            print(json.dumps({"processed": (record.value or b"").decode()}), flush=True)
            await consumer.commit()
    finally:
        await consumer.stop()


if __name__ == "__main__":
    asyncio.run(main())
