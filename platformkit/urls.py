"""URLs as callers give them: split safely, or not a URL at all.

``urllib.parse.urlsplit`` raises ``ValueError`` on text it cannot read (an unbalanced ``[`` in the
host, characters that NFKC normalization turns into delimiters) and ``SplitResult.port`` on a port
that is not a number from 0 to 65535. A URL in a request is the caller's input: such text is
answered as bad input, never left to fail a handler (a 500).
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit


def split_url(text: str) -> SplitResult | None:
    """``text`` split into its parts, or ``None`` when it is not a URL ``urllib`` can read."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - parsed on access: raises for a port that is not one
    except ValueError:
        return None
    return parts
