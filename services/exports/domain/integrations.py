"""Rules of external integrations: their types, endpoints and secrets (D0.35, D0.37
and D19.5: any http(s) host by default, secrets of at least 16 characters)."""

from __future__ import annotations

from platformkit.errors import Invalid
from platformkit.field_paths import FieldPath
from platformkit.urls import split_url

INTEGRATION_TYPES = ("webhook", "ovs")
MIN_SECRET_LENGTH = 16
MAX_SECRET_LENGTH = 1024
MAX_URL_LENGTH = 2048
MAX_EXTERNAL_ID_LENGTH = 255


def ensure_integration_type(value: str, loc: FieldPath) -> str:
    if value not in INTEGRATION_TYPES:
        raise Invalid.at(loc, f"Input should be {', '.join(INTEGRATION_TYPES)}", "enum")
    return value


def ensure_endpoint_url(value: str, loc: FieldPath) -> str:
    parts = split_url(value)
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or len(value) > MAX_URL_LENGTH:
        raise Invalid.at(loc, "Input should be an http(s) URL with a host", "url_parsing")
    return value


def ensure_secret(value: str, loc: FieldPath) -> str:
    if not MIN_SECRET_LENGTH <= len(value) <= MAX_SECRET_LENGTH:
        raise Invalid.at(
            loc, f"The secret must have {MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH} characters", "string_length"
        )
    return value


def ensure_external_id(value: str, loc: FieldPath) -> str:
    if not 1 <= len(value) <= MAX_EXTERNAL_ID_LENGTH:
        raise Invalid.at(loc, f"external_id must have 1 to {MAX_EXTERNAL_ID_LENGTH} characters", "string_length")
    return value
