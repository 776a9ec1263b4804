"""The TypeScript client as a front-end developer uses it: compiled with `tsc --strict` (the
project's tsconfig), then its node:test suite (clients/typescript/test) logs in, creates a
shooting and lists its looks against the end-to-end stack."""

from __future__ import annotations

import os
import subprocess

from tests.e2e.conftest import OUTPUT
from tests.support.stack import SUPERUSER_EMAIL, SUPERUSER_PASSWORD
from tools.openapi_document import CLIENT_DOCUMENT

CLIENT = CLIENT_DOCUMENT.parent


def run(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=CLIENT, env={**os.environ, **env}, capture_output=True, text=True, timeout=240)
    for line in (result.stdout + result.stderr).splitlines():
        OUTPUT("node", line)  # shown with the platform's output when the test fails
    return result


def test_the_client_compiles_strict_and_works_against_the_platform(stack) -> None:
    assert (CLIENT / "node_modules" / ".bin" / "tsc").exists(), "run `make node-deps` (make test does)"
    compiled = run(["node_modules/.bin/tsc", "-p", "tsconfig.json", "--strict"])
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    tested = run(
        ["node", "--test", "--test-reporter=tap", "build/test/"],
        PLATFORM_URL=stack.gateway_url,
        PLATFORM_EMAIL=SUPERUSER_EMAIL,
        PLATFORM_PASSWORD=SUPERUSER_PASSWORD,
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "# pass 3" in tested.stdout and "# fail 0" in tested.stdout, tested.stdout
