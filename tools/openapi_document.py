"""Write the gateway's OpenAPI document, as ``GET /openapi.json`` serves it, to a file.

Built from the gateway's own FastAPI app (routers, schemas, operation ids), so no running stack
is needed: ``make client`` writes ``clients/typescript/openapi.json`` with it before generating
the TypeScript client, and ``tests/unit/test_typescript_client_is_current.py`` compares the
committed copy with what this returns.

    python -m tools.openapi_document clients/typescript/openapi.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

CLIENT_DOCUMENT = Path(__file__).resolve().parent.parent / "clients" / "typescript" / "openapi.json"


def document() -> dict[str, Any]:
    from gateway.app import create_app
    from gateway.settings import GatewaySettings

    # Nothing is connected: the lifespan never runs. The bench routes stay out whatever the
    # environment says, as in every normal run.
    settings = GatewaySettings(database_url="postgresql+asyncpg://unused/unused", bench_endpoints=False)
    return create_app(settings).openapi()


def render(doc: dict[str, Any]) -> str:
    """Stable text: the key order FastAPI produces, two-space indents, a final newline."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else CLIENT_DOCUMENT
    target.write_text(render(document()))
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
