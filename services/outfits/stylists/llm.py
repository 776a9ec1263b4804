"""The `llm` stylist: an OpenAI-compatible chat-completions endpoint chooses among the look's
candidate products with a structured-output prompt (a JSON schema the answer must follow).

The answer is checked, never trusted: its product ids must be among the candidates offered
(products of the look's catalog scope, read from the catalog), at most ``stylist_max_products``,
and the instruction a non-empty text within the 10,000-character limit. Any other answer, an
HTTP failure or a timeout raises :class:`StylistError`, which the styling job retries.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx

from services.outfits.catalog import Catalog
from services.outfits.domain.outfits import MAX_INSTRUCTION
from services.outfits.domain.styling import Candidate
from services.outfits.models import Look
from services.outfits.settings import StylingSettings
from services.outfits.stylists.base import Brief, Styled, StylistError, read_brief

ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "product_ids": {"type": "array", "items": {"type": "string"}},
        "instruction": {"type": "string"},
    },
    "required": ["product_ids", "instruction"],
    "additionalProperties": False,
}

SYSTEM_PROMPT = (
    "You are a fashion stylist preparing a photo shoot. Choose products that complete an outfit "
    "around the core product: at most one per placement, none competing with the core product, "
    "and only from the candidates listed. Answer with JSON: product_ids (candidate ids) and "
    "instruction (a short styling instruction for the photographer)."
)


def _describe(product: Candidate) -> dict[str, str | None]:
    return {
        "id": product.id,
        "name": product.name,
        "gender": product.gender,
        "placement": product.placement,
        "product_type": product.product_type,
    }


def prompt(brief: Brief, offered: Sequence[Candidate], limit: int) -> list[dict[str, str]]:
    request = {
        "core_product": _describe(brief.core),
        "subject_gender": brief.subject_gender,
        "max_products": limit,
        "candidates": [_describe(c) for c in offered],
    }
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": json.dumps(request)},
    ]


def parse_answer(body: Any, offered: set[str], limit: int) -> Styled:
    """The outfit in a chat-completions answer, or :class:`StylistError` saying what is wrong."""
    try:
        content = body["choices"][0]["message"]["content"]
        answer = json.loads(content)
    except (KeyError, IndexError, TypeError, json.JSONDecodeError) as exc:
        raise StylistError(f"Invalid stylist output: not a JSON answer ({type(exc).__name__})") from None
    if not isinstance(answer, dict):
        raise StylistError("Invalid stylist output: the answer is not an object")
    ids, instruction = answer.get("product_ids"), answer.get("instruction")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise StylistError("Invalid stylist output: product_ids is not a list of ids")
    unknown = [i for i in ids if i not in offered]
    if unknown:
        raise StylistError(f"Invalid stylist output: product ids not among the candidates: {', '.join(unknown)}")
    if len(set(ids)) > limit:
        raise StylistError(f"Invalid stylist output: more than {limit} products")
    if not isinstance(instruction, str) or not instruction.strip() or len(instruction) > MAX_INSTRUCTION:
        raise StylistError("Invalid stylist output: the instruction is empty or too long")
    return Styled(product_ids=list(dict.fromkeys(ids)), instruction=instruction.strip())


class LlmStylist:
    def __init__(self, settings: StylingSettings, catalog: Catalog) -> None:
        self.settings = settings
        self.catalog = catalog

    async def style(self, look: Look) -> Styled:
        if not self.settings.stylist_llm_url:
            raise StylistError("STYLIST_LLM_URL is not set")
        brief = await read_brief(self.catalog, look)
        offered = brief.wearable()
        limit = self.settings.stylist_max_products
        body = await self._complete(prompt(brief, offered, limit))
        return parse_answer(body, {c.id for c in offered}, limit)

    async def _complete(self, messages: list[dict[str, str]]) -> Any:
        settings = self.settings
        headers = {}
        if settings.stylist_llm_api_key is not None:
            headers["Authorization"] = f"Bearer {settings.stylist_llm_api_key.get_secret_value()}"
        request = {
            "model": settings.stylist_llm_model,
            "messages": messages,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "outfit", "strict": True, "schema": ANSWER_SCHEMA},
            },
            "temperature": 0.2,
        }
        url = f"{(settings.stylist_llm_url or '').rstrip('/')}/chat/completions"
        try:
            async with httpx.AsyncClient(timeout=settings.stylist_llm_timeout_seconds) as client:
                response = await client.post(url, json=request, headers=headers)
        except httpx.HTTPError as exc:
            raise StylistError(f"Stylist endpoint unreachable: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise StylistError(f"Stylist endpoint answered HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise StylistError("Invalid stylist output: the body is not JSON") from None
