"""Signatures of the push protocol: ``X-Signature: sha256=<hex HMAC-SHA256 of the body>`` keyed
with the integration's secret, on pushes and on the receiver's confirmations alike."""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="


def sign(secret: str, body: bytes) -> str:
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """Constant-time comparison, so the header cannot be found byte by byte; a header with
    characters other than ASCII (``compare_digest`` refuses them) is simply not a signature."""
    given = header.strip()
    return given.isascii() and hmac.compare_digest(sign(secret, body), given)
