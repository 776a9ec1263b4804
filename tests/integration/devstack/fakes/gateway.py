"""An HTTP server on GATEWAY_HOST:GATEWAY_PORT whose health check answers ``true``.

``/metrics`` answers like the real gateway's (so a test can show Envoy never routes it) and any
other ``/api/v1`` path echoes the request's path and headers as JSON.
"""

from __future__ import annotations

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.integration.devstack.fakes.common import announce


def answer(path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    if path == "/api/v1/utils/health-check/":
        return 200, b"true"
    if path == "/metrics":
        return 200, b"fake_requests_total 1\n"
    if path.startswith("/api/v1/"):
        return 200, json.dumps({"path": path, "headers": headers}).encode()
    return 404, b'{"detail":"Not Found"}'


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        code, body = answer(self.path, {k.lower(): v for k, v in self.headers.items()})
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer((os.environ["GATEWAY_HOST"], int(os.environ["GATEWAY_PORT"])), Handler)
    announce("gateway")
    server.serve_forever()
