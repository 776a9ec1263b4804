"""Outfit values: reference images, instructions, and the finalize choice (R109-R111)."""

from __future__ import annotations

from typing import Any

from platformkit.errors import BadRequest, Invalid

PENDING = "PENDING"
COMPLETED = "COMPLETED"
FAILED = "FAILED"
MAX_INSTRUCTION = 10_000
# The reason stored with a FAILED proposal is cut to this length.
MAX_ERROR = 2_000


def ref_urls(references: list[Any]) -> list[str]:
    """The URLs shown for the references a client gave: strings as they are, a MediaInput's url
    (a MediaInput naming only a stored media resource has none to show)."""
    urls = []
    for item in references:
        if isinstance(item, str):
            urls.append(item)
        elif isinstance(item, dict) and isinstance(item.get("url"), str):
            urls.append(item["url"])
    return urls


def check_instruction(instruction: str | None, loc: tuple[str, ...]) -> None:
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
