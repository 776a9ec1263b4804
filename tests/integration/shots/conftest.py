"""The shots service running in the test's event loop (see tests/support/services.py), and an
S3-compatible server on loopback (moto) with a bucket for the media tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import boto3
import pytest
import pytest_asyncio
from moto.server import ThreadedMotoServer

from devstack.ports import free_port
from platformkit.media import MediaSettings
from tests.support.services import RunningService, shots_service


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def shots(engines, new_database) -> AsyncIterator[RunningService]:
    async with shots_service(new_database("shots"), engines.broker.bootstrap) as service:
        yield service


@pytest.fixture(scope="module")
def s3_settings() -> Iterator[MediaSettings]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    settings = MediaSettings(
        media_backend="s3",
        media_s3_bucket="media",
        media_s3_endpoint_url=f"http://127.0.0.1:{port}",
        media_s3_access_key_id="test",
        media_s3_secret_access_key="test",
    )
    boto3.client(
        "s3",
        endpoint_url=settings.media_s3_endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket="media")
    yield settings
    server.stop()
