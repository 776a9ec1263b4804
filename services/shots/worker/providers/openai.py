"""The ``openai`` provider: the OpenAI Images API's image edits, or any server that speaks it.

``POST {GENERATION_OPENAI_BASE_URL}/images/edits`` with ``Authorization: Bearer
<GENERATION_OPENAI_API_KEY>`` and a multipart body: the job's images as repeated ``image[]``
parts (the base image first, then the style references), ``prompt`` (the shot described in
words), ``model`` (the generation's ``model_id``, else ``GENERATION_OPENAI_MODEL``), ``n`` (one
image per seed) and ``size``. The answer carries the images as ``data[].b64_json``.

Errors come as ``{"error": {"message", "type", "code"}}``; the message is the generation's
reason. 429 is retried after ``Retry-After`` unless the account is out of quota
(``insufficient_quota``: it would fail again), as are 5xx, 408 and transport failures; other
4xx (a refused prompt, a bad key, an unknown model) are not. The API takes no seed: the seeds
only count the images, so a rerun is not identical as it is with the local provider.
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any

import httpx

from services.shots.worker.providers import ProviderError, RenderJob
from services.shots.worker.providers.remote import as_png, bearer, check, describe, image_file, unreachable
from services.shots.worker.settings import OPENAI_BASE_URL, GenerationSettings

log = logging.getLogger(__name__)
SERVER = "OpenAI images API"
# At most this many input images per edit (the API's own limit): the base image and the first
# references (references come in order of importance).
MAX_IMAGES = 16


def _error(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _reason(response: httpx.Response) -> str:
    error = _error(response)
    if not error:
        return response.text
    code = f" [{error['code']}]" if error.get("code") else ""
    return f"{error.get('message') or 'no message'}{code}"


def parse_sizes(text: str) -> list[tuple[int, int]]:
    """``"1024x1024,1024x1536"`` as pairs; a malformed entry fails at start (ValueError)."""
    sizes = []
    for entry in (e.strip() for e in text.split(",")):
        if entry:
            width, _, height = entry.lower().partition("x")
            sizes.append((int(width), int(height)))
    return sizes


def size_for(width: int, height: int, sizes: list[tuple[int, int]]) -> str:
    """The supported size whose aspect ratio is closest to the look's (the look's own size when
    the server renders any)."""
    if not sizes:
        return f"{width}x{height}"
    ratio = width / height
    best = min(sizes, key=lambda s: abs(s[0] / s[1] - ratio))
    return f"{best[0]}x{best[1]}"


def _images(body: Any, expected: int) -> list[bytes]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list) or len(data) != expected:
        count = len(data) if isinstance(data, list) else 0
        raise ProviderError(f"{SERVER} returned {count} images for {expected} asked", retryable=False)
    images = []
    for item in data:
        encoded = item.get("b64_json") if isinstance(item, dict) else None
        if not isinstance(encoded, str):
            raise ProviderError(f"{SERVER} returned an image without b64_json", retryable=False)
        try:
            images.append(as_png(base64.b64decode(encoded, validate=True), SERVER))
        except binascii.Error as exc:
            raise ProviderError(f"{SERVER} returned undecodable b64_json ({exc})", retryable=False) from None
    return images


class OpenAIProvider:
    name = "openai"

    def __init__(self, settings: GenerationSettings) -> None:
        self.url = settings.generation_openai_base_url.rstrip("/") + "/images/edits"
        key = settings.generation_openai_api_key
        if key is None and settings.generation_openai_base_url.rstrip("/") == OPENAI_BASE_URL:
            raise ValueError("GENERATION_PROVIDER=openai against api.openai.com needs GENERATION_OPENAI_API_KEY")
        self.headers = bearer(key)
        self.model = settings.generation_openai_model
        self.sizes = parse_sizes(settings.generation_openai_sizes)
        self.timeout = httpx.Timeout(settings.generation_openai_timeout_seconds)

    async def render(self, job: RenderJob) -> list[bytes]:
        images = job.images[:MAX_IMAGES]
        if len(job.images) > MAX_IMAGES:
            log.warning(
                "generation %s: %s takes %d images, the last %d references are left out",
                job.generation_id,
                SERVER,
                MAX_IMAGES,
                len(job.images) - MAX_IMAGES,
            )
        files = [("image[]", image_file(data, f"image-{n}")) for n, data in enumerate(images)]
        form = {
            "prompt": describe(job),
            "model": job.model_id or self.model,
            "n": str(len(job.seeds)),
            "size": size_for(job.width, job.height, self.sizes),
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout, headers=self.headers) as client:
                response = await client.post(self.url, data=form, files=files)
        except httpx.HTTPError as exc:
            raise unreachable(exc, SERVER) from None
        if response.status_code == 429 and _error(response).get("code") == "insufficient_quota":
            raise ProviderError(f"{SERVER} refused the request (429: {_reason(response)})", retryable=False)
        check(response, SERVER, _reason)
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderError(f"{SERVER} sent an unreadable answer ({exc})", retryable=False) from None
        return _images(body, len(job.seeds))
