"""The S3-compatible store (AWS S3, MinIO, Ceph, ...) through boto3.

Uploads and reads go straight between the browser and the bucket with native presigned URLs
(SigV4); the content type is part of the signed upload, so the bucket refuses another. boto3 is
synchronous: calls run in a worker thread.
"""

from __future__ import annotations

import asyncio
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from platformkit.media.keys import is_valid_key
from platformkit.media.settings import MediaSettings
from platformkit.media.store import ObjectInfo

_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3MediaStore:
    def __init__(self, client: Any, bucket: str, public_base_url: str | None = None) -> None:
        self.client = client
        self.bucket = bucket
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None

    @classmethod
    def from_settings(cls, settings: MediaSettings) -> S3MediaStore:
        if not settings.media_s3_bucket:
            raise ValueError("MEDIA_BACKEND=s3 needs MEDIA_S3_BUCKET")
        keys = settings.media_s3_access_key_id, settings.media_s3_secret_access_key
        client = boto3.client(
            "s3",
            endpoint_url=settings.media_s3_endpoint_url,
            region_name=settings.media_s3_region,
            # Unset: boto3's own chain (environment, instance profile, IRSA in Kubernetes).
            aws_access_key_id=keys[0].get_secret_value() if keys[0] else None,
            aws_secret_access_key=keys[1].get_secret_value() if keys[1] else None,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )
        return cls(client, settings.media_s3_bucket, settings.media_s3_public_base_url)

    @staticmethod
    def _checked(key: str) -> str:
        if not is_valid_key(key):
            raise ValueError(f"invalid media key {key!r}")
        return key

    async def put(self, key: str, data: bytes, content_type: str) -> ObjectInfo:
        await asyncio.to_thread(
            self.client.put_object, Bucket=self.bucket, Key=self._checked(key), Body=data, ContentType=content_type
        )
        return ObjectInfo(key, len(data), content_type)

    async def get(self, key: str) -> bytes | None:
        def read() -> bytes | None:
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=self._checked(key))
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in _MISSING:
                    return None
                raise
            return answer["Body"].read()  # type: ignore[no-any-return]

        return await asyncio.to_thread(read)

    async def head(self, key: str) -> ObjectInfo | None:
        def head() -> ObjectInfo | None:
            try:
                answer = self.client.head_object(Bucket=self.bucket, Key=self._checked(key))
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in _MISSING:
                    return None
                raise
            return ObjectInfo(key, int(answer["ContentLength"]), answer.get("ContentType") or "")

        return await asyncio.to_thread(head)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self._checked(key))

    def presigned_put(self, key: str, content_type: str, ttl_seconds: int) -> str | None:
        params = {"Bucket": self.bucket, "Key": self._checked(key), "ContentType": content_type}
        return self.client.generate_presigned_url(  # type: ignore[no-any-return]
            "put_object", Params=params, ExpiresIn=ttl_seconds
        )

    def presigned_get(self, key: str, ttl_seconds: int) -> str | None:
        if self.public_base_url:
            return f"{self.public_base_url}/{self._checked(key)}"
        params = {"Bucket": self.bucket, "Key": self._checked(key)}
        return self.client.generate_presigned_url(  # type: ignore[no-any-return]
            "get_object", Params=params, ExpiresIn=ttl_seconds
        )
