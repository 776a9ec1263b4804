"""The committed TypeScript client (clients/typescript) is what `make client` writes today: its
OpenAPI document equals the gateway's, and generating again from it changes no file. When the
API changes, `make client` regenerates both; this test names that command when it fails."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tools.openapi_document import CLIENT_DOCUMENT, document, render

CLIENT = CLIENT_DOCUMENT.parent
GENERATED = CLIENT / "src" / "client"
GENERATOR = CLIENT / "node_modules" / ".bin" / "openapi-ts"
STALE = "the committed TypeScript client is stale: run `make client` and commit clients/typescript"


def files(root: Path) -> dict[str, str]:
    return {str(path.relative_to(root)): path.read_text() for path in sorted(root.rglob("*")) if path.is_file()}


def test_the_committed_openapi_document_is_the_gateways() -> None:
    assert CLIENT_DOCUMENT.read_text() == render(document()), STALE


def test_generating_again_changes_no_file(tmp_path: Path) -> None:
    assert GENERATOR.exists(), "npm packages of clients/typescript are missing: run `make node-deps` (make test does)"
    output = tmp_path / "client"
    result = subprocess.run(
        [str(GENERATOR), "--silent"],
        cwd=CLIENT,
        env={**os.environ, "CLIENT_OUTPUT": str(output)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    fresh, committed = files(output), files(GENERATED)
    assert sorted(fresh) == sorted(committed), STALE
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert not changed, f"{STALE} ({', '.join(changed)} differ)"
