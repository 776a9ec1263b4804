"""The review console at ``/console``: the static files ``make console`` builds into
``console/dist`` (TypeScript, bundled with the generated API client), served by the gateway.

The console talks only to this origin (the REST surface and ``WS /api/v1/ws``); a Content
Security Policy says so to the browser, so a page that tried to load a script or a style from a
CDN would fail in every test. Images may come from elsewhere: media URLs are signed URLs that an
S3 backend serves from its own host.

Without a build (Node.js missing when ``make run`` started), ``/console`` answers 503 with the
command that builds it, and the rest of the platform runs as usual.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import Scope

CONSOLE_PATH = "/console"
DEFAULT_CONSOLE_DIR = Path(__file__).resolve().parents[1] / "console" / "dist"
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob: https: http:",
        "connect-src 'self' ws: wss:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
NOT_BUILT = """<!doctype html><html><head><meta charset="utf-8"><title>Review console</title></head>
<body><h1>The review console is not built</h1>
<p>Run <code>make console</code> (it needs Node.js 20.19 or newer and npm from the system package
manager), then reload this page. <code>make run</code> builds it when Node.js is there.</p></body></html>"""


class ConsoleFiles(StaticFiles):
    """Static files with the console's security headers on every answer; 503 until built."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory, html=True, check_dir=False)
        self.index = directory / "index.html"

    async def check_config(self) -> None:
        # Starlette's check that the folder exists would fail every request before a build;
        # get_response answers 503 then instead.
        if self.index.is_file():
            await super().check_config()

    async def get_response(self, path: str, scope: Scope) -> Response:
        if not self.index.is_file():  # checked per request: a build made later is served at once
            return HTMLResponse(NOT_BUILT, status_code=503, headers={"Retry-After": "60"})
        response = await super().get_response(path, scope)
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        # index.html names the bundle, so a new build must never meet a cached page.
        if path in ("", ".", "index.html"):
            response.headers["Cache-Control"] = "no-cache"
        return response


def mount(app: FastAPI, directory: Path | None) -> None:
    app.mount(CONSOLE_PATH, ConsoleFiles(directory or DEFAULT_CONSOLE_DIR), name="console")
