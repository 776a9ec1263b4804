"""The `llm` stylist never trusts its answer: ids among the candidates, a bounded count, a real
instruction; anything else is a StylistError the styling job retries."""

from __future__ import annotations

import json

import pytest

from services.outfits.stylists.base import StylistError
from services.outfits.stylists.llm import parse_answer

OFFERED = {"a", "b", "c"}


def answer(content: object) -> dict:
    text = content if isinstance(content, str) else json.dumps(content)
    return {"choices": [{"message": {"role": "assistant", "content": text}}]}


def test_a_valid_answer_becomes_the_outfit():
    styled = parse_answer(answer({"product_ids": ["a", "b", "a"], "instruction": " Belted. "}), OFFERED, 3)
    assert styled.product_ids == ["a", "b"] and styled.instruction == "Belted."


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"choices": []}, "not a JSON answer"),
        (answer("not json"), "not a JSON answer"),
        (answer(["a"]), "not an object"),
        (answer({"product_ids": "a", "instruction": "x"}), "not a list of ids"),
        (answer({"product_ids": ["zzz"], "instruction": "x"}), "not among the candidates: zzz"),
        (answer({"product_ids": ["a", "b", "c"], "instruction": "x"}), "more than 2 products"),
        (answer({"product_ids": ["a"], "instruction": "   "}), "instruction is empty or too long"),
        (answer({"product_ids": ["a"], "instruction": "x" * 10_001}), "instruction is empty or too long"),
    ],
)
def test_invalid_answers_are_refused_with_their_reason(body, reason):
    with pytest.raises(StylistError, match=reason):
        parse_answer(body, OFFERED, 2)
