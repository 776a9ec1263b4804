"""What every fake process does: say hello on stdout and leave its environment where a test can
read it (``STATE_DIR/env/<pid>.json``), so tests check what a process really received."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def announce(kind: str) -> None:
    folder = Path(os.environ["STATE_DIR"]) / "env"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{os.getpid()}.json").write_text(json.dumps(dict(os.environ)))
    print(json.dumps({"msg": f"fake {kind} up", "pid": os.getpid()}), flush=True)
    print(f"fake {kind} warning on stderr", file=sys.stderr, flush=True)


def spawn_grandchild() -> subprocess.Popen[bytes]:
    """A process of the same group the supervisor never spawned itself (like a reloader's worker)."""
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
