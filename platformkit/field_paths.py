"""Field paths: where in a request message a bad value sits.

A service names the value its request got wrong by a path into that request: field names and
list indices, ``("specs", 0, "shot_id")``; a key of a map or ``Struct`` field is a name like any
other, ``("filters", "color")``. The empty path is the request as a whole.

On the wire (``google.rpc.BadRequest.FieldViolation.field``) the path is the dotted text the
Google API guidelines use (AIP-193): ``specs[0].shot_id``. A key that is not an identifier is
quoted in backticks, a backtick in it doubled (AIP-161): ``filters.`size (EU)```. :func:`to_text`
and :func:`from_text` are inverse: every path survives the round trip.
"""

from __future__ import annotations

import re

FieldPath = tuple[str | int, ...]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# One segment of the text form: ``.name``, ``.`quoted key```, ``[index]`` (the first without its dot).
_SEGMENT = re.compile(r"(?P<dot>\.)?(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|`(?P<quoted>(?:[^`]|``)*)`)|\[(?P<index>\d+)\]")


def to_text(path: FieldPath) -> str:
    parts: list[str] = []
    for segment in path:
        if isinstance(segment, int):
            parts.append(f"[{segment}]")
            continue
        name = segment if _IDENTIFIER.fullmatch(segment) else "`" + segment.replace("`", "``") + "`"
        parts.append(f".{name}" if parts else name)
    return "".join(parts)


def from_text(text: str) -> FieldPath:
    """The path ``text`` spells; text that is not a path (another sender's free form) is one name."""
    path: list[str | int] = []
    position = 0
    while position < len(text):
        match = _SEGMENT.match(text, position)
        if match is None or (bool(match["dot"]) != bool(path) and match["index"] is None):
            return (text,)
        if match["index"] is not None:
            path.append(int(match["index"]))
        elif match["name"] is not None:
            path.append(match["name"])
        else:
            path.append(match["quoted"].replace("``", "`"))
        position = match.end()
    return tuple(path)
