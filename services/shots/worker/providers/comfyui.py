"""The ``comfyui`` provider: a ComfyUI server running the workflow ``GENERATION_COMFYUI_WORKFLOW``.

Per generation, against ``GENERATION_COMFYUI_URL`` (with ``Authorization: Bearer
<GENERATION_COMFYUI_API_KEY>`` when set, for the proxy that guards the server):

1. ``POST /upload/image`` (multipart ``image``, ``subfolder``, ``type=input``, ``overwrite``) for
   the base image and the references the workflow has slots for; the names ComfyUI answers fill
   the image placeholders (:mod:`.comfyui_workflow`).
2. ``POST /prompt`` ``{prompt, prompt_id, client_id}`` once per seed, the workflow filled with
   that seed. The prompt id is derived from the generation, the prediction's position and its
   seed, so a redelivered generation finds the prompts an earlier delivery queued (in
   ``/history`` or ``/queue``) and waits for them instead of rendering twice.
3. ``GET /history/{prompt_id}`` until the prompt is there: ``status.status_str`` ``success`` with
   the images its output nodes saved, or ``error`` with the node's exception message. A prompt
   that is neither in the history nor in ``GET /queue`` has vanished (the server restarted or
   someone cleared the queue).
4. ``GET /view?filename&subfolder&type`` for the first saved image of each prompt.

A refused prompt (400 with the validation errors), a failed or interrupted execution and a
vanished prompt fail the generation with the server's reason: the same workflow would fail the
same way. Transport failures, 5xx, 408, 429 and a prompt still running after
``GENERATION_COMFYUI_MAX_WAIT_SECONDS`` are retried (the retry waits for the same prompt).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx

from services.shots.worker.providers import ProviderError, RenderJob
from services.shots.worker.providers.comfyui_workflow import Workflow, image_values
from services.shots.worker.providers.remote import as_png, bearer, check, describe, image_file, unreachable
from services.shots.worker.settings import GenerationSettings

SERVER = "ComfyUI"
CLIENT_ID = "shooting-platform"
_NAMESPACE = uuid.UUID("6f1d3a52-8c51-4cf4-9a55-0d3c7b1e2a90")


def prompt_id_for(generation_id: str, position: int, seed: int) -> str:
    """Stable per prediction: every delivery of a generation names the same prompts."""
    return str(uuid.uuid5(_NAMESPACE, f"{generation_id}/{position}/{seed}"))


def _reason(response: httpx.Response) -> str:
    """A refused prompt's reason: the error and each node's errors, as ComfyUI words them."""
    try:
        body = response.json()
    except ValueError:
        return response.text
    if not isinstance(body, dict):
        return response.text
    error = body.get("error")
    parts = [error if isinstance(error, str) else _said(error)]
    for node_id, node in (body.get("node_errors") or {}).items():
        for problem in node.get("errors", []) if isinstance(node, dict) else []:
            parts.append(f"node {node_id} ({node.get('class_type', '?')}): {_said(problem)}")
    return "; ".join(p for p in parts if p) or response.text


def _said(error: Any) -> str:
    if not isinstance(error, dict):
        return ""
    message, details = error.get("message") or "", error.get("details") or ""
    return f"{message}: {details}" if message and details else message or details


def failure_of(entry: dict[str, Any]) -> str | None:
    """Why a finished prompt failed (None: it succeeded), from its history status messages."""
    status = entry.get("status") or {}
    if status.get("status_str", "success") == "success" and status.get("completed", True):
        return None
    for event, data in status.get("messages") or []:
        if event == "execution_error" and isinstance(data, dict):
            node = f"node {data.get('node_id')} ({data.get('node_type')})"
            return f"{SERVER} failed at {node}: {data.get('exception_message') or 'no message'}"
        if event == "execution_interrupted":
            return f"{SERVER} interrupted the prompt"
    return f"{SERVER} did not complete the prompt ({status.get('status_str') or 'no status'})"


def first_image(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The first image the prompt's output nodes saved (``output`` before ``temp`` previews)."""
    images = [i for node in (entry.get("outputs") or {}).values() for i in (node.get("images") or [])]
    saved = [i for i in images if i.get("type") == "output"] or images
    return saved[0] if saved else None


class ComfyUIProvider:
    name = "comfyui"

    def __init__(self, settings: GenerationSettings) -> None:
        if not settings.generation_comfyui_url:
            raise ValueError("GENERATION_PROVIDER=comfyui needs GENERATION_COMFYUI_URL")
        self.base_url = settings.generation_comfyui_url.rstrip("/")
        self.workflow = Workflow.load(settings.generation_comfyui_workflow)
        self.headers = bearer(settings.generation_comfyui_api_key)
        self.timeout = httpx.Timeout(settings.generation_comfyui_timeout_seconds)
        self.poll_interval = settings.generation_comfyui_poll_interval_seconds
        self.max_wait = settings.generation_comfyui_max_wait_seconds

    async def render(self, job: RenderJob) -> list[bytes]:
        try:
            async with httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout, headers=self.headers) as client:
                return await self._render(client, job)
        except httpx.HTTPError as exc:
            raise unreachable(exc, SERVER) from None
        except ValueError as exc:  # a body that is not JSON
            raise ProviderError(f"{SERVER} sent an unreadable answer ({exc})", retryable=False) from None

    async def _render(self, client: httpx.AsyncClient, job: RenderJob) -> list[bytes]:
        prompts = [prompt_id_for(job.generation_id, n, seed) for n, seed in enumerate(job.seeds)]
        to_queue = [n for n, prompt_id in enumerate(prompts) if not await self._known(client, prompt_id)]
        if to_queue:
            names = await self._upload(client, job)
            for n in to_queue:
                prompts[n] = await self._queue(client, prompts[n], self._graph(job, job.seeds[n], names))
        return [await self._result(client, prompt_id) for prompt_id in prompts]

    async def _get(self, client: httpx.AsyncClient, path: str, **params: str) -> httpx.Response:
        response = await client.get(path, params=params or None)
        check(response, SERVER, _reason)
        return response

    async def _history(self, client: httpx.AsyncClient, prompt_id: str) -> dict[str, Any] | None:
        entry = (await self._get(client, f"/history/{prompt_id}")).json().get(prompt_id)
        return entry if isinstance(entry, dict) else None

    async def _queued(self, client: httpx.AsyncClient, prompt_id: str) -> bool:
        queue = (await self._get(client, "/queue")).json()
        items = [*queue.get("queue_running", []), *queue.get("queue_pending", [])]
        return any(isinstance(item, list) and len(item) > 1 and item[1] == prompt_id for item in items)

    async def _known(self, client: httpx.AsyncClient, prompt_id: str) -> bool:
        """Queued, running or finished already (an earlier delivery of this generation)."""
        return await self._history(client, prompt_id) is not None or await self._queued(client, prompt_id)

    async def _upload(self, client: httpx.AsyncClient, job: RenderJob) -> list[str]:
        """The names ComfyUI gave the base image and the references the workflow has slots for."""
        names = []
        wanted = job.images[: 1 + self.workflow.reference_slots]
        for n, data in enumerate(wanted):
            form = {"subfolder": f"{CLIENT_ID}/{job.generation_id}", "type": "input", "overwrite": "true"}
            upload = image_file(data, "base" if n == 0 else f"reference-{n}")
            response = await client.post("/upload/image", data=form, files={"image": upload})
            check(response, SERVER, _reason)
            answer = response.json()
            name, subfolder = str(answer.get("name") or ""), str(answer.get("subfolder") or "")
            if not name:
                raise ProviderError(f"{SERVER} accepted an upload without naming it", retryable=False)
            names.append(f"{subfolder}/{name}" if subfolder else name)
        return names

    def _graph(self, job: RenderJob, seed: int, names: list[str]) -> dict[str, Any]:
        values: dict[str, Any] = image_values(names, self.workflow.reference_slots)
        values |= {
            "prompt": describe(job),
            "seed": seed,
            "width": job.width,
            "height": job.height,
            "generation_id": job.generation_id,
        }
        return self.workflow.filled(values)

    async def _queue(self, client: httpx.AsyncClient, prompt_id: str, graph: dict[str, Any]) -> str:
        """Queue the prompt; the id to wait for (a server too old to take ours answers its own)."""
        response = await client.post("/prompt", json={"prompt": graph, "prompt_id": prompt_id, "client_id": CLIENT_ID})
        check(response, SERVER, _reason)
        return str(response.json().get("prompt_id") or prompt_id)

    async def _result(self, client: httpx.AsyncClient, prompt_id: str) -> bytes:
        entry = await self._finished(client, prompt_id)
        reason = failure_of(entry)
        if reason:
            raise ProviderError(reason, retryable=False)
        image = first_image(entry)
        if image is None:
            raise ProviderError(f"{SERVER} finished the prompt without saving an image", retryable=False)
        params = {k: str(image.get(k) or "") for k in ("filename", "subfolder", "type")}
        return as_png((await self._get(client, "/view", **params)).content, SERVER)

    async def _finished(self, client: httpx.AsyncClient, prompt_id: str) -> dict[str, Any]:
        """The prompt's history entry once it is there; a prompt in neither the history nor the
        queue has vanished (history is read again after the queue: it may have just finished)."""
        deadline = time.monotonic() + self.max_wait
        while True:
            entry = await self._history(client, prompt_id)
            if entry is not None:
                return entry
            if not await self._queued(client, prompt_id):
                entry = await self._history(client, prompt_id)
                if entry is not None:
                    return entry
                raise ProviderError(
                    f"{SERVER} lost the prompt {prompt_id}: it is neither queued nor in the history", retryable=False
                )
            if time.monotonic() > deadline:
                raise ProviderError(f"{SERVER} did not finish within {self.max_wait:.0f}s", retryable=True)
            await asyncio.sleep(self.poll_interval)
