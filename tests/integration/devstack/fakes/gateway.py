"""An HTTP server on GATEWAY_HOST:GATEWAY_PORT whose health check answers ``true``."""

from __future__ import annotations

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.integration.devstack.fakes.common import announce


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"true" if self.path == "/api/v1/utils/health-check/" else b'{"detail":"Not Found"}'
        self.send_response(200 if body == b"true" else 404)
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
