"""Server-side request forgery, secure by default: a stack started with ``ENVIRONMENT=production``
and nothing else about outbound requests refuses every user-supplied URL that points at a
loopback or link-local address, says why, and sends nothing there.

The kinds of URL a user names and a worker follows: a subject's base image, a product's cover
and reference images (style references of every generation), a revision image given by URL
(downloaded and pushed), and an integration's ``endpoint_url`` (pushed to). Each points at a
trap server on loopback that records any request, or at the link-local cloud metadata address.
Operator endpoints (model server, LLM, S3) are outside the check: this stack renders with the
local provider and reads media from its own store, and those work.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack.stack import Stack
from tests.e2e.brief import DUE, post
from tests.e2e.conftest import OUTPUT
from tests.e2e.shots_support import eventually, png_data_url
from tests.support.stack import SUPERUSER_EMAIL, logged_in, started_stack

pytestmark = pytest.mark.asyncio(loop_scope="session")

ADMIN_PASSWORD = f"production-{uuid.uuid4().hex}"
PRODUCTION = {"ENVIRONMENT": "production", "FIRST_SUPERUSER_PASSWORD": ADMIN_PASSWORD}
METADATA_SERVICE = "http://169.254.169.254/latest/meta-data/iam"


class Trap:
    """A loopback HTTP server that records every request it gets (and would serve an image)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        trap = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                trap.requests.append((self.command, self.path))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = _record

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/{path}"

    def __enter__(self) -> Trap:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def trap() -> Iterator[Trap]:
    with Trap() as serving:
        yield serving


@pytest.fixture(scope="module")
def production(engines, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    """The platform as production runs it: ENVIRONMENT=production, OUTBOUND_PUBLIC_ONLY unset."""
    with started_stack(
        tmp_path_factory, postgres=engines.pg, sink=OUTPUT, prefix="prod", extra_env=PRODUCTION
    ) as running:
        yield running


@pytest.fixture(scope="module")
async def admin(production: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with logged_in(production, SUPERUSER_EMAIL, ADMIN_PASSWORD) as client:
        yield client


def environment_of(pid: int) -> dict[str, str]:
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(entry.decode().partition("=")[::2] for entry in entries if entry)


async def test_the_production_stack_leaves_public_only_to_its_default(production: Stack) -> None:
    for name in production.names:
        if name == "envoy":
            continue
        env = environment_of(production.pid(name))
        assert env["ENVIRONMENT"] == "production" and "OUTBOUND_PUBLIC_ONLY" not in env, name


async def look_with(
    admin: httpx.AsyncClient, *, base: str, cover: str | None = None, reference: str | None = None
) -> str:
    """A look whose subject's base image and product's images are the given URLs; its shot id."""
    tag = uuid.uuid4().hex[:6]
    shot_type = await post(
        admin, "/shot-types/", {"name": f"front {tag}", "view_angle": "FRONT", "framing": "FULL_BODY"}
    )
    subject = await post(
        admin,
        "/subjects/",
        {"name": f"S {tag}", "gender": "FEMALE", "base_images": [{"shot_type_id": shot_type["id"], "image_url": base}]},
    )
    product: dict[str, Any] = {"name": f"Dress {tag}", "sku": f"P-{tag}", "gender": "FEMALE"}
    if cover:
        product["cover_image_url"] = cover
    if reference:
        product["reference_images"] = [reference]
    product_id = (await post(admin, "/products/", product))["id"]
    shooting = await post(admin, "/shootings/", {"name": f"Prod {tag}", "due_date": DUE})
    created = await post(
        admin,
        f"/shootings/{shooting['id']}/production-requests",
        {
            "product_ids": [product_id],
            "subject_ids": [subject["id"]],
            "shot_type_ids": [shot_type["id"]],
            "readiness": "READY",
        },
    )
    return str(created["production_requests"][0]["shots"][0]["id"])


async def generation_outcome(admin: httpx.AsyncClient, shot_id: str) -> dict[str, Any]:
    started = await post(admin, f"/shots/{shot_id}/generate", {"num_predictions": 1})
    [generation_id] = started["generation_ids"]

    async def finished() -> dict[str, Any] | None:
        found = (await admin.get(f"/generations/{generation_id}")).json()
        return found if found["status"] in {"COMPLETED", "FAILED"} else None

    return await eventually(finished, f"generation {generation_id} to finish", 120)


async def test_image_urls_on_loopback_or_link_local_fail_the_generation_with_the_reason(admin, trap):
    fine = png_data_url((120, 80, 60))
    cases = {
        "subject base image": (await look_with(admin, base=trap.url("base.png")), "a loopback address"),
        "product cover": (await look_with(admin, base=fine, cover=trap.url("cover.png")), "a loopback address"),
        "product reference": (await look_with(admin, base=fine, reference=METADATA_SERVICE), "a link-local address"),
    }
    for kind, (shot_id, reason) in cases.items():
        outcome = await generation_outcome(admin, shot_id)
        assert outcome["status"] == "FAILED", (kind, outcome)
        assert reason in outcome["error"] and "public addresses only" in outcome["error"], (kind, outcome["error"])
    # The same look with nothing private in it renders: the check refuses addresses, not work.
    assert (await generation_outcome(admin, await look_with(admin, base=fine)))["status"] == "COMPLETED"
    assert trap.requests == []


async def test_an_integration_endpoint_or_revision_url_on_loopback_is_never_reached(admin, trap):
    tag = uuid.uuid4().hex[:6]
    shot_id = await look_with(admin, base=png_data_url((1, 2, 3)))
    integration = await post(
        admin,
        "/external-integrations/",
        {"name": f"Shop {tag}", "integration_type": "webhook", "endpoint_url": trap.url("hook"), "secret": "s" * 24},
    )
    product_id = (await admin.get(f"/shots/{shot_id}")).json()
    look = (await admin.get(f"/shootings/production-requests/{product_id['production_request_id']}")).json()
    await post(
        admin,
        f"/products/{look['product_id']}/external-mappings",
        {"integration_id": integration["id"], "external_id": tag},
    )

    uploaded = {"source_type": "UPLOAD", "image_data": png_data_url((9, 9, 9))}
    by_url = {"source_type": "UPLOAD", "image_url": trap.url("revision.png")}
    pushed_upload = await post(admin, f"/shots/{shot_id}/revision", {"shot_status": "APPROVED", "images": [uploaded]})
    await post(admin, f"/shots/revisions/{pushed_upload['id']}/export", {})
    upload_push = await settled_push(admin, shot_id, pushed_upload["id"])
    assert upload_push["push_status"] == "FAILED"
    assert "a loopback address" in upload_push["error_message"], upload_push

    pushed_url = await post(admin, f"/shots/{shot_id}/revision", {"shot_status": "APPROVED", "images": [by_url]})
    download = await admin.get(f"/shots/{shot_id}/download")
    assert download.status_code == 400, download.text
    assert "a loopback address" in download.json()["detail"]
    await post(admin, f"/shots/revisions/{pushed_url['id']}/export", {})
    url_push = await settled_push(admin, shot_id, pushed_url["id"])
    assert url_push["push_status"] == "FAILED" and "a loopback address" in url_push["error_message"], url_push
    assert trap.requests == []


async def settled_push(admin: httpx.AsyncClient, shot_id: str, revision_id: str) -> dict[str, Any]:
    async def settled() -> dict[str, Any] | None:
        shot = (await admin.get(f"/shots/{shot_id}")).json()
        revision = next(r for r in shot["revisions"] if r["id"] == revision_id)
        done = [p for p in revision["push_records"] if p["push_status"] in {"COMPLETED", "FAILED"}]
        return done[0] if done else None

    return await eventually(settled, f"the push of revision {revision_id}", 120)
