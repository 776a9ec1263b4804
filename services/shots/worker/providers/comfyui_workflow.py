"""A ComfyUI workflow in API format, with the placeholders the platform fills (pure: no I/O but
reading the file once at start).

A placeholder is a whole JSON string value: ``"{{base_image}}"``, ``"{{reference_image_1}}"``,
``"{{reference_image_2}}"``..., ``"{{prompt}}"``, ``"{{seed}}"``, ``"{{width}}"``,
``"{{height}}"`` and ``"{{generation_id}}"``. Image placeholders become the names ComfyUI gave the
uploaded inputs (what a ``LoadImage`` node takes), ``seed``, ``width`` and ``height`` become JSON
integers, the others strings. A string that merely contains braces is left alone; an unknown
placeholder, or a workflow without ``{{base_image}}``, is refused when the worker starts.

A workflow names as many reference slots as it has; a shot with fewer references fills the
slots left over with its base image (the only image every shot has), and references beyond the
workflow's slots are not sent.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_PLACEHOLDER = re.compile(r"^\{\{\s*([a-z_0-9]+)\s*\}\}$")
_REFERENCE = re.compile(r"^reference_image_([1-9][0-9]*)$")
NUMBERS = frozenset({"seed", "width", "height"})
TEXTS = frozenset({"prompt", "generation_id"})
BASE_IMAGE = "base_image"


def _placeholder(value: Any) -> str | None:
    match = _PLACEHOLDER.match(value) if isinstance(value, str) else None
    return match.group(1) if match else None


def _walk(value: Any) -> list[str]:
    """Every placeholder name in a JSON value, depth first."""
    if isinstance(value, dict):
        return [name for item in value.values() for name in _walk(item)]
    if isinstance(value, list):
        return [name for item in value for name in _walk(item)]
    name = _placeholder(value)
    return [name] if name else []


@dataclass(frozen=True)
class Workflow:
    """The workflow as loaded, and how many reference slots it has."""

    graph: dict[str, Any]
    reference_slots: int

    @classmethod
    def parse(cls, text: str, source: str = "workflow") -> Workflow:
        try:
            graph = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{source} is not JSON: {exc}") from None
        if not isinstance(graph, dict) or not graph:
            raise ValueError(f"{source} is not a ComfyUI workflow in API format (an object of nodes)")
        for node_id, node in graph.items():
            if not isinstance(node, dict) or "class_type" not in node or not isinstance(node.get("inputs"), dict):
                raise ValueError(f"{source}: node {node_id} needs class_type and inputs (export it in API format)")
        names = _walk(graph)
        slots = 0
        for name in names:
            reference = _REFERENCE.match(name)
            if reference:
                slots = max(slots, int(reference.group(1)))
            elif name not in NUMBERS | TEXTS | {BASE_IMAGE}:
                raise ValueError(f"{source}: unknown placeholder {{{{{name}}}}}")
        if BASE_IMAGE not in names:
            raise ValueError(f"{source} has no {{{{base_image}}}} placeholder")
        return cls(graph, slots)

    @classmethod
    def load(cls, path: Path) -> Workflow:
        try:
            text = path.read_text()
        except OSError as exc:
            raise ValueError(f"cannot read the ComfyUI workflow {path}: {exc}") from None
        return cls.parse(text, str(path))

    def filled(self, values: dict[str, Any]) -> dict[str, Any]:
        """A copy with every placeholder replaced by ``values[name]`` (all names must be there)."""

        def fill(value: Any) -> Any:
            if isinstance(value, dict):
                return {key: fill(item) for key, item in value.items()}
            if isinstance(value, list):
                return [fill(item) for item in value]
            name = _placeholder(value)
            return values[name] if name else value

        return fill(copy.deepcopy(self.graph))


def image_values(uploaded: list[str], reference_slots: int) -> dict[str, str]:
    """Image placeholders from the uploaded names (base first): each slot without a reference of
    its own takes the base image."""
    base, references = uploaded[0], uploaded[1:]
    values = {BASE_IMAGE: base}
    for slot in range(1, reference_slots + 1):
        values[f"reference_image_{slot}"] = references[slot - 1] if slot <= len(references) else base
    return values
