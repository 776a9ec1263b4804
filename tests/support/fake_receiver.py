"""A local e-commerce receiver for pushes (D0.37), misbehaving on demand.

The path of the integration's ``endpoint_url`` says how it answers, so one server serves every
test of a session:

- ``/ok``: 200 at once;
- ``/flaky``: 503 for the first :data:`FAILURES_BEFORE_SUCCESS` posts of each push, then 200;
- ``/down``: 503 always;
- ``/hang``: answers 200 only after ``hang_seconds`` (longer than the workers' push timeout);
- ``/held``: waits until :attr:`FakeReceiver.release` is set (120 s at most), then 200.

``posts`` keeps ``(path, push_id, monotonic time)`` of every request received, in order;
``push_id`` comes from the ``metadata`` part, so retries of one push are recognisable.
"""

from __future__ import annotations

import collections
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAILURES_BEFORE_SUCCESS = 2
_PUSH_ID = re.compile(rb'"push_id":\s*"([0-9a-f-]{36})"')


class FakeReceiver:
    def __init__(self, hang_seconds: float = 5.0) -> None:
        self.hang_seconds = hang_seconds
        self.posts: list[tuple[str, str, float]] = []
        self.release = threading.Event()
        self._counts: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, behaviour: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/{behaviour}"

    def start(self) -> FakeReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def posts_of(self, push_id: str) -> list[tuple[str, float]]:
        """``(path, monotonic time)`` of the posts of one push, in order."""
        with self._lock:
            return [(path, at) for path, pushed, at in self.posts if pushed == push_id]

    def answer(self, path: str, body: bytes) -> int:
        found = _PUSH_ID.search(body)
        push_id = found.group(1).decode() if found else ""
        with self._lock:
            self.posts.append((path, push_id, time.monotonic()))
            self._counts[push_id] += 1
            count = self._counts[push_id]
        if path == "/down" or (path == "/flaky" and count <= FAILURES_BEFORE_SUCCESS):
            return 503
        if path == "/hang":
            time.sleep(self.hang_seconds)
        if path == "/held":
            self.release.wait(120)
        return 200

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status = fake.answer(self.path, self.rfile.read(length))
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the pushing worker gave up waiting (timeout) or was killed

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
