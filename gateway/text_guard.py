"""NUL characters never get past the gateway (README "Decisions").

PostgreSQL can neither store nor compare U+0000 in text, so a NUL that reached a service's
query failed there and came back as a 5xx. Every ``/api/v1`` operation depends on
:func:`refuse_nul`: a NUL in a path or query parameter, a form field or anywhere in a JSON body
(keys included) is a 422 in FastAPI's shape, ``type`` ``string_nul``, before any handler runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.requests import HTTPConnection

NUL = "\x00"
MESSAGE = "Text may not contain NUL (U+0000)"


def _nuls_in(value: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, str):
        if NUL in value:
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield (*loc, key)
            else:
                yield from _nuls_in(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nuls_in(item, (*loc, index))


async def refuse_nul(connection: HTTPConnection) -> None:
    if not isinstance(connection, Request):
        return  # the live socket (/ws) takes no text it would store
    request = connection
    locs: list[tuple[str | int, ...]] = []
    for name, value in request.path_params.items():
        locs.extend(_nuls_in(value, ("path", name)))
    for name, value in request.query_params.multi_items():
        locs.extend(_nuls_in(name + value, ("query", name)))
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        for name, value in (await request.form()).multi_items():
            locs.extend(_nuls_in(value if isinstance(value, str) else "", ("body", name)))
    elif "json" in content_type and b"\\u0000" in await request.body():
        try:
            body = await request.json()
        except ValueError:
            return  # FastAPI has answered a body it cannot parse already
        locs.extend(_nuls_in(body, ("body",)))
    if locs:
        raise RequestValidationError([{"loc": loc, "msg": MESSAGE, "type": "string_nul"} for loc in locs])
