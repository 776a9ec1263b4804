"""Answers built from the services' protobuf messages straight into JSON-ready dictionaries, and
served as JSON bytes (orjson) on the hot read paths: the board (E9, E10), a look, the header.

The Pydantic response models stay what the OpenAPI document declares and what every other path
returns; they are validated from these same dictionaries (``Model.model_validate(fields(...))``),
so one piece of code shapes each answer. On the hot paths nothing is validated: the gateway would
only be checking what it has just built itself (Pydantic model construction and dumping were most
of the board's cost in the gateway). tests/unit/gateway/test_answers.py proves, on randomized
messages, that each dictionary dumps to exactly the JSON its model would produce, so the two can
never drift apart.

Values are JSON-ready: strings (ids as the services send them, canonical UUIDs), numbers, None,
lists, dictionaries, and aware UTC date-times, which :func:`json_response` writes as Pydantic does
(``2026-12-05T06:00:00.123456Z``).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response

JSON_OPTIONS = orjson.OPT_UTC_Z
# An answer being built: the public field names and their JSON-ready values.
Fields = dict[str, Any]


def json_bytes(content: Any) -> bytes:
    return orjson.dumps(content, option=JSON_OPTIONS)


def json_response(content: Any) -> Response:
    """``content`` (an answer's dictionary or list) as an ``application/json`` response."""
    return Response(json_bytes(content), media_type="application/json")
