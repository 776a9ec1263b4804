"""Outfit values: reference images, instructions, and the finalize choice (R109-R111)."""

from __future__ import annotations

from typing import Any

from platformkit.errors import BadRequest, Invalid, Violation
from platformkit.field_paths import FieldPath

PENDING = "PENDING"
COMPLETED = "COMPLETED"
FAILED = "FAILED"
MAX_INSTRUCTION = 10_000
# The reason stored with a FAILED proposal is cut to this length.
MAX_ERROR = 2_000


# Where a stored reference keeps the media resource its MediaInput resolved to.
MEDIA = "media"


def ref_urls(references: list[Any]) -> list[str]:
    """The URLs the client gave: strings as they are, a MediaInput's url (one naming only a
    stored media resource has none of its own; readers build its URL from the media)."""
    urls = []
    for item in references:
        if isinstance(item, str):
            urls.append(item)
        elif isinstance(item, dict) and isinstance(item.get("url"), str):
            urls.append(item["url"])
    return urls


def media_target(item: Any) -> tuple[str, str] | None:
    """What a MediaInput names (R110): ``("media_id", id)`` when it names a stored media resource
    (the id wins over a url given with it), else ``("url", url)``; None for a URL string (kept
    as given) and for a MediaInput naming neither (the caller refuses it)."""
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("media_resource_id"), str) and item["media_resource_id"]:
        return "media_id", item["media_resource_id"]
    if isinstance(item.get("url"), str) and item["url"]:
        return "url", item["url"]
    return None


def check_references(references: list[Any], loc: FieldPath) -> None:
    """Each item is a non-empty URL string or a MediaInput naming a media resource or a url (422)."""
    violations = []
    for index, item in enumerate(references):
        if isinstance(item, str):
            if not item.strip():
                violations.append(Violation((*loc, index), "A reference URL cannot be empty"))
        elif media_target(item) is None:
            violations.append(Violation((*loc, index), "A MediaInput names a media_resource_id or a url", "missing"))
    if violations:
        raise Invalid(violations)


def check_instruction(instruction: str | None, loc: FieldPath) -> None:
    """R109: at most 10,000 characters (the gateway checks first; other callers are held to it too)."""
    if instruction is not None and len(instruction) > MAX_INSTRUCTION:
        raise Invalid.at(loc, f"String should have at most {MAX_INSTRUCTION} characters", "string_too_long")


def ensure_one_choice(has_outfit_id: bool, has_fields: bool) -> None:
    """R111, A14: exactly one of an existing proposal or new outfit data; the reference says 400."""
    if has_outfit_id and has_fields:
        raise BadRequest("Provide either outfit_id or the outfit creation fields, not both")
    if not (has_outfit_id or has_fields):
        raise BadRequest("Provide either outfit_id or the outfit creation fields")


def error_text(reason: str) -> str:
    return reason[:MAX_ERROR]
