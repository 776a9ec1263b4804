"""The push protocol on the wire (D0.37).

One ``POST`` of ``multipart/form-data`` to the integration's ``endpoint_url``: part ``metadata``
(JSON) and part ``image`` (the rendered file, named by the adapter), with ``X-Signature:
sha256=<hex HMAC-SHA256 of the body with the integration's secret>``. The body is built here,
byte for byte, so the signature covers exactly what is sent, and once per push, so every retry
sends the same bytes.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from platformkit import outbound
from services.exports.domain.pushes import Outcome, outcome_of
from services.exports.domain.signing import sign
from services.exports.rendering import Rendered

SIGNATURE_HEADER = "X-Signature"
USER_AGENT = "shooting-platform-push/1"
_MAX_REASON_BODY = 500


@dataclass(frozen=True)
class Request:
    """One push as it goes out: where, the exact body, and its headers."""

    url: str
    body: bytes
    headers: dict[str, str]


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def multipart(metadata: dict[str, Any], image: Rendered) -> tuple[bytes, str]:
    """The body and its content type: a ``metadata`` JSON part, then the ``image`` part."""
    boundary = f"push-{uuid.uuid4().hex}"
    head = f"--{boundary}\r\n"
    parts = [
        (f'{head}Content-Disposition: form-data; name="metadata"\r\nContent-Type: application/json\r\n\r\n').encode()
        + json.dumps(metadata, separators=(",", ":")).encode()
        + b"\r\n",
        (
            f'{head}Content-Disposition: form-data; name="image"; filename="{_quoted(image.filename)}"\r\n'
            f"Content-Type: {image.content_type}\r\n\r\n"
        ).encode()
        + image.data
        + b"\r\n",
    ]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def build_request(url: str, secret: str, metadata: dict[str, Any], image: Rendered) -> Request:
    body, content_type = multipart(metadata, image)
    headers = {"Content-Type": content_type, SIGNATURE_HEADER: sign(secret, body), "User-Agent": USER_AGENT}
    return Request(url, body, headers)


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    reason: str | None = None


class Sender:
    """Sends one attempt; never raises for what the receiver or the network does."""

    def __init__(self, timeout_seconds: float, public_only: bool) -> None:
        self.timeout = httpx.Timeout(timeout_seconds)
        self.public_only = public_only

    async def send(self, request: Request) -> Answer:
        try:
            # Redirects are not followed: a push goes where the integration says, nowhere else.
            # Public-only: the connection goes to the checked public address of the endpoint.
            async with outbound.client(public_only=self.public_only, timeout=self.timeout, follow_redirects=False) as c:
                response = await c.post(request.url, content=request.body, headers=request.headers)
        except outbound.OutboundRefused as exc:
            return Answer(Outcome.FAILED, f"endpoint refused: {exc}")
        except httpx.TimeoutException as exc:
            return Answer(Outcome.RETRY, f"timed out: {type(exc).__name__}")
        except httpx.HTTPError as exc:
            # Connection refused or reset: the receiver may be restarting, so it is worth a retry.
            return Answer(Outcome.RETRY, f"{type(exc).__name__}: {exc}")
        outcome = outcome_of(response.status_code)
        if outcome in (Outcome.COMPLETED, Outcome.AWAITING_CONFIRMATION):
            return Answer(outcome)
        return Answer(outcome, f"HTTP {response.status_code}: {response.text[:_MAX_REASON_BODY]}")
