"""A local OpenAI-compatible chat-completions server for the `llm` stylist's tests.

It answers from the prompt it receives, so one server serves every test of a module: the core
product's name says how to behave.

- a name containing ``flaky``: HTTP 500 for the first two requests about that product, then a
  valid answer (the styling job retries twice and completes);
- ``broken``: always an answer naming a product that is not a candidate (invalid output);
- ``slow``: waits until :attr:`FakeLlm.release` is set (30 s at most), then answers validly;
- anything else: a valid answer choosing the first candidate.

``requests`` keeps every request body received, for assertions on the prompt.
"""

from __future__ import annotations

import collections
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAILURES_BEFORE_SUCCESS = 2


class FakeLlm:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.calls: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        self.release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeLlm:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        brief = json.loads(body["messages"][-1]["content"])
        core = brief["core_product"]
        with self._lock:
            self.requests.append(body)
            self.calls[core["id"]] += 1
            count = self.calls[core["id"]]
        if "slow" in core["name"]:
            self.release.wait(30)
        if "flaky" in core["name"] and count <= FAILURES_BEFORE_SUCCESS:
            return 500, {"error": {"message": "overloaded"}}
        chosen = ["not-a-candidate"] if "broken" in core["name"] else [c["id"] for c in brief["candidates"][:1]]
        content = json.dumps({"product_ids": chosen, "instruction": f"Pair {core['name']} simply."})
        return 200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status, payload = fake.answer(json.loads(self.rfile.read(length)))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
