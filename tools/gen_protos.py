"""Generate the Python gRPC/protobuf code for every contract under ``protos/``.

The generated modules land next to their ``.proto`` files (git-ignored) so that
imports read ``from protos.shootings.v1 import shootings_pb2``. Run from the
repository root through ``make gen``; never edit the output by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "protos").rglob("*.proto"))
    include = Path(protoc.__file__).parent / "_proto"
    args = [
        "protoc",
        f"-I{ROOT}",
        f"-I{include}",
        f"--python_out={ROOT}",
        f"--pyi_out={ROOT}",
        f"--grpc_python_out={ROOT}",
        *sources,
    ]
    rc = protoc.main(args)
    if rc != 0:
        return rc
    # Make every generated folder a regular package.
    for folder in {(ROOT / s).parent for s in sources}:
        while folder != ROOT:
            (folder / "__init__.py").touch()
            folder = folder.parent
    print(f"generated {len(sources)} proto files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
