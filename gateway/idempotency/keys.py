"""What an ``Idempotency-Key`` may be, and which requests count as repeats of each other (pure).

The key is 1-255 printable ASCII characters (the IETF draft leaves the format to the server;
Stripe allows 255). A repeat is the same method, path (with its query) and body, byte for byte:
the fingerprint hashes exactly those, so a client that re-serialises a body differently is asked
(422) to use a new key rather than silently getting an answer to another request.
"""

from __future__ import annotations

import hashlib
import uuid

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
# Space through tilde: what HTTP carries in a header value without any encoding question.
PATTERN = r"^[\x20-\x7E]{1,255}$"
INVALID_MESSAGE = f"{HEADER} must be 1 to {MAX_LENGTH} printable ASCII characters"
MISMATCH_MESSAGE = (
    f"This {HEADER} was already used with a different request (method, path or body); use a new key for a new request"
)
IN_PROGRESS_MESSAGE = f"A request with this {HEADER} is still being processed; retry later"
# Methods whose repeats the key makes safe (the others are idempotent by definition).
METHODS = frozenset({"POST", "PATCH"})


def parse_key(raw: bytes) -> str | None:
    """The key, or None when ``raw`` is not 1-255 printable ASCII characters."""
    if not 1 <= len(raw) <= MAX_LENGTH or any(byte < 0x20 or byte > 0x7E for byte in raw):
        return None
    return raw.decode("ascii")


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> bytes:
    """sha256 of the request's method, path, query and body, each length-prefixed so that no two
    different requests can run together into the same bytes."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


def request_key(user_id: uuid.UUID, key: str, request_fingerprint: bytes) -> str:
    """What the services are told of a keyed request (never the client's key itself): the same
    for every attempt of one request by one user, different for anything else."""
    digest = hashlib.sha256()
    for part in (user_id.bytes, key.encode(), request_fingerprint):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def worth_keeping(status: int) -> bool:
    """Whether an answer is replayed to repeats: what the request decided, yes; a 5xx (the
    platform failed, the work may be retried) or a 429 (come back later) is not an answer to keep,
    so the key is released and a repeat runs the request again."""
    return status < 500 and status != 429
