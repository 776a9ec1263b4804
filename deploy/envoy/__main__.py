"""``python -m deploy.envoy [--check]``: write (or check) every generated Envoy file.

The committed YAML is an output, never a source: edit :mod:`deploy.envoy.edge` or
:mod:`deploy.envoy.params` and run this (``make envoy-config``). ``--check`` exits 1 and names the
files that differ, which is what CI and ``tests/deploy`` rely on.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from deploy import generated
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


if __name__ == "__main__":
    sys.exit(generated.main(sys.argv[1:], expected, remedy="make envoy-config"))
