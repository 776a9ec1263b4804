"""What the providers that call a model server share: which HTTP answers are worth retrying, the
server's own reason for a refusal, images as files and back to PNG, and the text prompt a shot
becomes.

The split follows the provider contract: 5xx, 408, 429, timeouts and connection errors may pass
(retryable, after ``Retry-After`` when the server sends one); any other 4xx would fail the same
way again (not retryable).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from PIL import Image, UnidentifiedImageError
from pydantic import SecretStr

from platformkit.protoconv import enum_names, value_enum
from protos.common.v1 import common_pb2
from services.shots.domain.generation import ViewAngle
from services.shots.worker.providers import ProviderError, RenderJob

_RETRYABLE = {408, 429}
_FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "WEBP": ("webp", "image/webp")}
# The contract's framings and view angles in words (a name the contract lacks fails at import).
Framing = value_enum("Framing", enum_names(common_pb2.ShotTypeFraming))
_FRAMINGS = {
    Framing.FULL_BODY: "a full-body shot",
    Framing.UPPER_BODY: "an upper-body shot",
    Framing.LOWER_BODY: "a lower-body shot",
    Framing.UPPER_THREE_QUARTERS: "a three-quarter shot from the head down",
    Framing.LOWER_THREE_QUARTERS: "a three-quarter shot from the feet up",
    Framing.DETAIL: "a close-up detail shot",
}
_VIEWS = {
    ViewAngle.FRONT: "seen from the front",
    ViewAngle.SIDE: "seen from the side",
    ViewAngle.BACK: "seen from the back",
}
# How much of a refusal's body a generation's error keeps.
MAX_REASON = 500


def bearer(key: SecretStr | None) -> dict[str, str]:
    """The ``Authorization`` header of a configured key (none without one)."""
    return {"Authorization": f"Bearer {key.get_secret_value()}"} if key else {}


def is_retryable(status_code: int) -> bool:
    return status_code >= 500 or status_code in _RETRYABLE


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked to wait (``Retry-After`` as seconds or an HTTP date), if any."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def check(response: httpx.Response, server: str, reason: Callable[[httpx.Response], str]) -> None:
    """Raise the :class:`ProviderError` a non-2xx answer means; ``reason`` reads the server's words."""
    if response.is_success:
        return
    detail = reason(response)[:MAX_REASON]
    if is_retryable(response.status_code):
        raise ProviderError(
            f"{server} answered {response.status_code}: {detail}", retryable=True, retry_after=retry_after(response)
        )
    raise ProviderError(f"{server} refused the request ({response.status_code}: {detail})", retryable=False)


def unreachable(exc: httpx.HTTPError, server: str) -> ProviderError:
    """A timeout or a connection that failed: the same request may pass later."""
    return ProviderError(f"{server} unreachable ({type(exc).__name__}: {exc})", retryable=True)


def image_file(data: bytes, stem: str) -> tuple[str, bytes, str]:
    """``(filename, bytes, content type)`` of an image to upload, named after its real format (an
    unknown format travels as PNG: the server's decoder has the last word)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            extension, content_type = _FORMATS.get(image.format or "", _FORMATS["PNG"])
    except (UnidentifiedImageError, OSError):
        extension, content_type = _FORMATS["PNG"]
    return f"{stem}.{extension}", data, content_type


def as_png(data: bytes, server: str) -> bytes:
    """The image a server returned, as PNG (predictions are stored as PNG); not an image: not
    retryable (the server answered, with something else)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format == "PNG":
                return data
            out = io.BytesIO()
            image.save(out, format="PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError) as exc:
        raise ProviderError(f"{server} returned something that is not an image ({exc})", retryable=False) from None


def describe(job: RenderJob) -> str:
    """The text prompt of a shot: who wears what, the framing and view, the shot type's own prompt,
    and what the images are (the first is the model, the others style references)."""
    inputs = job.inputs
    subject = inputs.get("subject_name") or "the model"
    product = inputs.get("product_name") or "the garment"
    parts = [f"Fashion e-commerce photograph of {subject} wearing {product}"]
    framing, view = _FRAMINGS.get(str(inputs.get("framing", ""))), _VIEWS.get(str(inputs.get("view_angle", "")))
    if framing or view:
        parts.append(" ".join(p for p in (framing, view) if p))
    if inputs.get("prompt"):
        parts.append(str(inputs["prompt"]))
    sentence = ", ".join(parts) + "."
    if job.references:
        sentence += " Keep the person of the first image; dress them as the other images show."
    return sentence
