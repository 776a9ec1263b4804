"""``python -m deploy.envoy [--check]``: write (or check) every generated Envoy file.

The committed YAML is an output, never a source: edit :mod:`deploy.envoy.edge` or
:mod:`deploy.envoy.params` and run this (``make envoy-config``). ``--check`` exits 1 and names the
files that differ, which is what CI and ``tests/deploy`` rely on.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from deploy.envoy.edge import bootstrap, render
from deploy.envoy.params import EdgeParams

HERE = Path(__file__).resolve().parent

# Every generated file and the parameters it is built from. Compose mounts the edge file and the
# Kubernetes base turns it into a ConfigMap (deploy/envoy/kustomization.yaml): one file, two uses.
TARGETS: dict[Path, Callable[[], EdgeParams]] = {
    HERE / "envoy.yaml": EdgeParams,
}


def expected() -> dict[Path, str]:
    """What each target file must contain."""
    return {path: render(bootstrap(params())) for path, params in TARGETS.items()}


def stale() -> list[Path]:
    return [path for path, text in expected().items() if not path.exists() or path.read_text() != text]


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        outdated = stale()
        for path in outdated:
            print(f"{path} is stale: run `make envoy-config`", file=sys.stderr)
        return 1 if outdated else 0
    for path, text in expected().items():
        path.write_text(text)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
