"""HMAC-SHA256 signatures of expiring media URLs (local backend; S3 signs its own).

The signature covers the method, the object key, the expiry and, for uploads, the content type:
a signed GET cannot be replayed as a PUT, a URL cannot be moved to another key, and an upload
cannot change its declared type.
"""

from __future__ import annotations

import hashlib
import hmac
import time


def signature(secret: bytes, method: str, key: str, expires: int, content_type: str = "") -> str:
    message = "\n".join((method.upper(), key, str(expires), content_type.lower())).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def verify(
    secret: bytes, method: str, key: str, expires: int, given: str, content_type: str = "", now: float | None = None
) -> bool:
    """True when ``given`` signs exactly this request and has not expired (any text: a signature
    with characters other than ASCII is simply not ours, ``compare_digest`` refuses to compare it)."""
    if expires < (time.time() if now is None else now) or not given.isascii():
        return False
    return hmac.compare_digest(signature(secret, method, key, expires, content_type), given)
