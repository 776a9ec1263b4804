"""Write or check generated files: the one command line every generator under ``deploy/`` shares.

A generator gives the files it owns with their expected contents; ``main`` writes them, or with
``--check`` names the ones that differ (or exist but are no longer generated) and exits 1.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path

Files = Callable[[], dict[Path, str]]


def stale(files: Files, owned: Iterable[Path] = ()) -> list[Path]:
    """Files whose content differs from the generator's, then owned files it no longer writes."""
    expected = files()
    changed = [path for path, text in expected.items() if not path.exists() or path.read_text() != text]
    return changed + sorted(set(owned) - set(expected))


def main(argv: list[str], files: Files, *, remedy: str, owned: Callable[[], Iterable[Path]] = tuple) -> int:
    if argv == ["--check"]:
        outdated = stale(files, owned())
        for path in outdated:
            print(f"{path} is stale: run `{remedy}`", file=sys.stderr)
        return 1 if outdated else 0
    if argv:
        print(f"usage: {remedy} [--check]", file=sys.stderr)
        return 2
    for leftover in set(owned()) - set(files()):
        leftover.unlink()
    written = files()
    for path, text in written.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    print(f"wrote {len(written)} file(s): {', '.join(sorted(p.name for p in written))}")
    return 0
