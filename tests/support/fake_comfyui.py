"""A fake ComfyUI server for the ``comfyui`` generation provider, served on loopback.

The routes and shapes of ComfyUI's own server: ``POST /upload/image`` (multipart ``image``,
``subfolder``, ``type``, ``overwrite``; answers ``{name, subfolder, type}``), ``POST /prompt``
(validated as ComfyUI validates, :mod:`tests.support.comfyui_nodes`; a client may name the
``prompt_id``; answers ``{prompt_id, number, node_errors}`` or 400 ``{error, node_errors}``),
``GET /queue``, ``GET /history/{prompt_id}`` (``{}`` until the prompt finished, then its
``outputs`` and ``status`` with ``status_str``, ``completed`` and the execution ``messages``) and
``GET /view``. Prompts run one at a time in the background, like ComfyUI's queue: the "model"
scales the image behind the sampler to the workflow's size and tints it with the seed, and
SaveImage writes it as ``<prefix>_<counter>_.png``. A bearer key is demanded when ``api_key`` is
set (the proxy in front of a real server). ``fail_next`` makes the next prompt fail in its
sampler with that message, ``vanish_next`` drops the next prompt as a restart would.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from PIL import Image

from tests.support.comfyui_nodes import source_image, validate
from tests.support.loopback import serving


def _inside(root: Path, *parts: str) -> Path | None:
    path = root.joinpath(*[p for p in parts if p]).resolve()
    return path if path.is_relative_to(root.resolve()) else None


@dataclass
class FakeComfyUI:
    root: Path
    api_key: str | None = None
    url: str = ""
    render_seconds: float = 0.05
    fail_next: str | None = None
    vanish_next: bool = False
    queue: list[list[Any]] = field(default_factory=list)
    running: list[list[Any]] = field(default_factory=list)
    history: dict[str, dict[str, Any]] = field(default_factory=dict)
    prompts: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[tuple[str, str, bytes]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    refused: int = 0
    counter: int = 0

    def __post_init__(self) -> None:
        self.inputs, self.outputs = self.root / "input", self.root / "output"
        self.inputs.mkdir(parents=True, exist_ok=True)
        self.outputs.mkdir(parents=True, exist_ok=True)
        self.wake = asyncio.Event()

    def app(self) -> FastAPI:
        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            task = asyncio.create_task(self._run())
            yield
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

        app = FastAPI(lifespan=lifespan)

        @app.middleware("http")
        async def guard(request: Request, call_next):  # type: ignore[no-untyped-def]
            self.paths.append(f"{request.method} {request.url.path}")
            if self.api_key and request.headers.get("authorization") != f"Bearer {self.api_key}":
                self.refused += 1
                return JSONResponse({"error": "unauthorized"}, status_code=401)
            return await call_next(request)

        @app.post("/upload/image")
        async def upload(request: Request) -> Response:
            form = await request.form()
            image = form.get("image")
            if image is None or isinstance(image, str) or not image.filename:
                return Response(status_code=400)
            subfolder = str(form.get("subfolder") or "")
            folder = _inside(self.inputs, subfolder)
            if folder is None or form.get("type", "input") != "input":
                return Response(status_code=400)
            name, data = Path(image.filename).name, await image.read()
            target = folder / name
            if target.exists() and form.get("overwrite") not in ("true", "1") and target.read_bytes() != data:
                name = f"{target.stem} (1){target.suffix}"
                target = folder / name
            folder.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            self.uploads.append((subfolder, name, data))
            return JSONResponse({"name": name, "subfolder": subfolder, "type": "input"})

        @app.post("/prompt")
        async def queue_prompt(request: Request) -> JSONResponse:
            body = await request.json()
            if "prompt" not in body:
                error = {"type": "no_prompt", "message": "No prompt provided", "details": "", "extra_info": {}}
                return JSONResponse({"error": error, "node_errors": {}}, status_code=400)
            refused = validate(body["prompt"], self.inputs)
            if refused is not None:
                return JSONResponse(refused, status_code=400)
            prompt_id = str(body.get("prompt_id") or uuid.uuid4())
            number = len(self.prompts)
            self.prompts.append(body)
            self.queue.append([number, prompt_id, body["prompt"], {"client_id": body.get("client_id")}, []])
            self.wake.set()
            return JSONResponse({"prompt_id": prompt_id, "number": number, "node_errors": {}})

        @app.get("/queue")
        async def get_queue() -> dict[str, Any]:
            return {"queue_running": self.running, "queue_pending": self.queue}

        @app.get("/history/{prompt_id}")
        async def get_history(prompt_id: str) -> dict[str, Any]:
            return {prompt_id: self.history[prompt_id]} if prompt_id in self.history else {}

        @app.get("/view")
        async def view(filename: str, subfolder: str = "", type: str = "output") -> Response:
            root = {"output": self.outputs, "input": self.inputs}.get(type)
            path = _inside(root, subfolder, filename) if root is not None and ".." not in filename else None
            if path is None or not path.is_file():
                return Response(status_code=404)
            return Response(path.read_bytes(), media_type="image/png")

        return app

    async def _run(self) -> None:
        """ComfyUI's queue: one prompt at a time, its history written when it ends."""
        while True:
            if not self.queue:
                self.wake.clear()
                await self.wake.wait()
                continue
            item = self.queue.pop(0)
            self.running.append(item)
            await asyncio.sleep(self.render_seconds)
            self.running.remove(item)
            if self.vanish_next:
                self.vanish_next = False
                continue
            self.history[item[1]] = self._execute(item)

    def _execute(self, item: list[Any]) -> dict[str, Any]:
        prompt_id, prompt = item[1], item[2]
        started = ["execution_start", {"prompt_id": prompt_id, "timestamp": int(time.time() * 1000)}]
        if self.fail_next is not None:
            message, self.fail_next = self.fail_next, None
            sampler = next(i for i, n in prompt.items() if n["class_type"] == "KSampler")
            failure = {
                "prompt_id": prompt_id,
                "node_id": sampler,
                "node_type": "KSampler",
                "executed": [],
                "exception_message": message,
                "exception_type": "RuntimeError",
                "traceback": [],
            }
            status = {"status_str": "error", "completed": False, "messages": [started, ["execution_error", failure]]}
            return {"prompt": item, "outputs": {}, "status": status, "meta": {}}
        outputs = {}
        for node_id, node in prompt.items():
            if node["class_type"] == "SaveImage":
                outputs[node_id] = {"images": [self._save(prompt, node)]}
        done = ["execution_success", {"prompt_id": prompt_id, "timestamp": int(time.time() * 1000)}]
        status = {"status_str": "success", "completed": True, "messages": [started, done]}
        return {"prompt": item, "outputs": outputs, "status": status, "meta": {}}

    def _save(self, prompt: dict[str, Any], node: dict[str, Any]) -> dict[str, str]:
        name, width, height = source_image(prompt)
        seed = next(n["inputs"]["seed"] for n in prompt.values() if n["class_type"] == "KSampler")
        with Image.open(self.inputs / name) as source:
            image = source.convert("RGB").resize((width or source.width, height or source.height))
        image = Image.blend(image, Image.new("RGB", image.size, (seed % 256, 64, 192)), 0.2)
        prefix = Path(node["inputs"]["filename_prefix"])
        subfolder = "" if str(prefix.parent) == "." else str(prefix.parent)
        self.counter += 1
        filename = f"{prefix.name}_{self.counter:05}_.png"
        (self.outputs / subfolder).mkdir(parents=True, exist_ok=True)
        out = io.BytesIO()
        image.save(out, format="PNG")
        (self.outputs / subfolder / filename).write_bytes(out.getvalue())
        return {"filename": filename, "subfolder": subfolder, "type": "output"}


@asynccontextmanager
async def fake_comfyui(root: Path, api_key: str | None = None) -> AsyncIterator[FakeComfyUI]:
    fake = FakeComfyUI(root, api_key=api_key)
    async with serving(fake.app()) as url:
        fake.url = url
        yield fake
