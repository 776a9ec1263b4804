"""A fake OpenAI Images API for the ``openai`` generation provider, served on loopback.

``POST /v1/images/edits`` as the real API takes it: bearer key (401 ``invalid_api_key``
otherwise), multipart with the input images as ``image[]`` parts (or one ``image``), ``prompt``,
``model``, ``n`` (1-10) and ``size``, each checked with the API's own error shape
(``{"error": {"message", "type", "param", "code"}}``, 400). It answers ``{"created", "data":
[{"b64_json"}], "usage"}``: ``n`` PNGs of the asked size, coloured like the first input image, so
a test can tell the base image was used. ``failures`` scripts answers to give first (a 429 with
``Retry-After``, a 500, a moderation refusal...). Every request is recorded, parts in order.
"""

from __future__ import annotations

import base64
import io
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from PIL import Image, ImageStat, UnidentifiedImageError

from tests.support.loopback import serving

MODELS = {"gpt-image-1", "gpt-image-1-mini", "dall-e-2"}
SIZES = {"1024x1024", "1536x1024", "1024x1536", "auto"}
MAX_IMAGES = 16


@dataclass(frozen=True)
class EditRequest:
    """One edit as the fake received it: the authorization header, the image parts in order
    (part name, file name, bytes) and the form fields."""

    authorization: str | None
    images: list[tuple[str, str, bytes]]
    fields: dict[str, str]


@dataclass(frozen=True)
class Scripted:
    """An answer the fake gives instead of rendering."""

    status: int
    error: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def error(status: int, message: str, code: str | None = None, param: str | None = None, **headers: str) -> Scripted:
    kind = "rate_limit_exceeded" if status == 429 else "server_error" if status >= 500 else "invalid_request_error"
    body = {"message": message, "type": kind, "param": param, "code": code}
    return Scripted(status, body, {k.replace("_", "-"): v for k, v in headers.items()})


def _refuse(scripted: Scripted) -> JSONResponse:
    return JSONResponse({"error": scripted.error}, status_code=scripted.status, headers=scripted.headers)


def _colour(data: bytes) -> tuple[int, int, int]:
    with Image.open(io.BytesIO(data)) as image:
        mean = ImageStat.Stat(image.convert("RGB").resize((8, 8))).mean
    return (int(mean[0]), int(mean[1]), int(mean[2]))


@dataclass
class FakeOpenAI:
    api_key: str = "sk-test"
    url: str = ""
    failures: list[Scripted] = field(default_factory=list)
    requests: list[EditRequest] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/images/edits")
        async def edits(request: Request) -> JSONResponse:
            form = await request.form()
            parts = [(name, value) for name, value in form.multi_items() if name in ("image[]", "image")]
            images = [(name, str(f.filename), await f.read()) for name, f in parts if hasattr(f, "read")]
            fields = {k: str(v) for k, v in form.multi_items() if isinstance(v, str)}
            self.requests.append(EditRequest(request.headers.get("authorization"), images, fields))
            if request.headers.get("authorization") != f"Bearer {self.api_key}":
                return _refuse(error(401, "Incorrect API key provided.", "invalid_api_key"))
            refused = self._check(images, fields)
            if refused is not None:
                return _refuse(refused)
            if self.failures:
                return _refuse(self.failures.pop(0))
            return JSONResponse(self._answer(images, fields))

        return app

    def _check(self, images: list[tuple[str, str, bytes]], fields: dict[str, str]) -> Scripted | None:
        if not fields.get("prompt"):
            return error(400, "Missing required parameter: 'prompt'.", "missing_required_parameter", "prompt")
        if not images:
            return error(400, "Missing required parameter: 'image'.", "missing_required_parameter", "image")
        if len(images) > MAX_IMAGES:
            return error(400, f"Too many images: at most {MAX_IMAGES}.", "invalid_value", "image")
        for _, filename, data in images:
            try:
                with Image.open(io.BytesIO(data)) as image:
                    image.verify()
            except (UnidentifiedImageError, OSError):
                return error(400, f"Invalid image file {filename!r}.", "invalid_image_format", "image")
        if fields.get("model", "dall-e-2") not in MODELS:
            return error(400, f"Invalid value: {fields['model']!r}.", "invalid_value", "model")
        if fields.get("size", "auto") not in SIZES:
            message = f"Invalid value: {fields['size']!r}. Supported values are: {sorted(SIZES)}."
            return error(400, message, "invalid_value", "size")
        if not fields.get("n", "1").isdigit() or not 1 <= int(fields.get("n", "1")) <= 10:
            return error(400, "n must be between 1 and 10.", "invalid_value", "n")
        return None

    def _answer(self, images: list[tuple[str, str, bytes]], fields: dict[str, str]) -> dict[str, Any]:
        size = fields.get("size", "auto")
        width, height = (1024, 1024) if size == "auto" else map(int, size.split("x"))
        colour = _colour(images[0][2])
        data = []
        for _ in range(int(fields.get("n", "1"))):
            out = io.BytesIO()
            Image.new("RGB", (width, height), colour).save(out, format="PNG")
            data.append({"b64_json": base64.b64encode(out.getvalue()).decode()})
        usage = {"input_tokens": 50, "output_tokens": 272 * len(data), "total_tokens": 50 + 272 * len(data)}
        return {"created": int(time.time()), "data": data, "usage": usage}


@asynccontextmanager
async def fake_openai(api_key: str = "sk-test") -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI(api_key=api_key)
    async with serving(fake.app()) as url:
        fake.url = url
        yield fake
