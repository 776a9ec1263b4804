"""The ``http`` provider: an external inference endpoint.

Protocol (what a model server in front of the platform implements):

``POST GENERATION_HTTP_URL`` with ``Authorization: Bearer <GENERATION_HTTP_API_KEY>`` and JSON
``{generation_id, model_id, seeds, inputs, width, height, base_image, reference_images}``
(images as base64). The server answers either

- ``200 {"images": [<base64 PNG>, ...]}``: done, one image per seed; or
- ``202 {"status_url": "..."}``: accepted; the worker polls ``GET status_url`` (same key)
  until ``{"status": "COMPLETED", "images": [...]}`` or ``{"status": "FAILED", "error": ...}``.

5xx, 408, 429, timeouts and connection errors are retryable; other 4xx and a FAILED status
are not (the same request would fail again).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from typing import Any

import httpx

from services.shots.worker.providers import ProviderError, RenderJob
from services.shots.worker.providers.remote import bearer, check, unreachable
from services.shots.worker.settings import GenerationSettings

SERVER = "inference endpoint"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _check(response: httpx.Response) -> None:
    check(response, SERVER, lambda r: r.text)


def _images(body: dict[str, Any], expected: int) -> list[bytes]:
    encoded = body.get("images")
    if not isinstance(encoded, list) or len(encoded) != expected:
        raise ProviderError(
            f"inference endpoint returned {len(encoded or [])} images for {expected} seeds", retryable=False
        )
    try:
        return [base64.b64decode(item, validate=True) for item in encoded]
    except (binascii.Error, TypeError) as exc:
        raise ProviderError(f"inference endpoint returned an undecodable image ({exc})", retryable=False) from None


class HttpProvider:
    name = "http"

    def __init__(self, settings: GenerationSettings) -> None:
        if not settings.generation_http_url:
            raise ValueError("GENERATION_PROVIDER=http needs GENERATION_HTTP_URL")
        self.url = settings.generation_http_url
        self.headers = bearer(settings.generation_http_api_key)
        self.timeout = httpx.Timeout(settings.generation_http_timeout_seconds)
        self.poll_interval = settings.generation_http_poll_interval_seconds
        self.max_wait = settings.generation_http_max_wait_seconds

    async def render(self, job: RenderJob) -> list[bytes]:
        body = {
            "generation_id": job.generation_id,
            "model_id": job.model_id,
            "seeds": job.seeds,
            "inputs": job.inputs,
            "width": job.width,
            "height": job.height,
            "base_image": _b64(job.images[0]),
            "reference_images": [_b64(r) for r in job.images[1:]],
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout, headers=self.headers) as client:
                response = await client.post(self.url, json=body)
                _check(response)
                if response.status_code == 202:
                    return await self._poll(client, response.json().get("status_url"), len(job.seeds))
                return _images(response.json(), len(job.seeds))
        except httpx.HTTPError as exc:
            raise unreachable(exc, SERVER) from None
        except ValueError as exc:  # a body that is not JSON
            raise ProviderError(f"inference endpoint sent an unreadable answer ({exc})", retryable=False) from None

    async def _poll(self, client: httpx.AsyncClient, status_url: object, expected: int) -> list[bytes]:
        if not isinstance(status_url, str) or not status_url:
            raise ProviderError("inference endpoint accepted the job without a status_url", retryable=False)
        deadline = time.monotonic() + self.max_wait
        while time.monotonic() < deadline:
            response = await client.get(status_url)
            _check(response)
            body = response.json()
            status = str(body.get("status", "")).upper()
            if status == "COMPLETED":
                return _images(body, expected)
            if status == "FAILED":
                raise ProviderError(f"inference failed: {body.get('error') or 'no reason given'}", retryable=False)
            await asyncio.sleep(self.poll_interval)
        raise ProviderError(f"inference did not finish within {self.max_wait:.0f}s", retryable=True)
