"""/docs and /redoc in a real browser (Debian's chromium), through Envoy as users reach them:
the pages render every operation with assets served by the platform, and no request leaves the
machine (every request to another host would be refused and recorded)."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from tests.e2e.shots_support import eventually
from tests.support.stack import CLIENT_TIMEOUT

pytestmark = pytest.mark.asyncio(loop_scope="session")

# Swagger UI and ReDoc lay out 148 operations in the page's script: about 1.5 s of CPU, seconds
# on a quiet machine; measured at over two minutes when other suites kept the 2 cores at a load
# average of 24. A deadline, not a speed check.
RENDER_TIMEOUT_MS = 180_000


async def test_swagger_ui_lists_every_operation_with_nothing_from_outside(browser_page, stack) -> None:
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT) as http:
        # The gateway builds the document on its first request (seconds of CPU, cached after);
        # on a loaded machine that can outlast the edge's 15 s docs timeout, so ask until served.
        async def served() -> dict | None:
            response = await http.get(f"{stack.gateway_url}/openapi.json")
            return response.json() if response.status_code == 200 else None

        document = await eventually(served, "the OpenAPI document", timeout=180)
    operations = sum(len(item) for item in document["paths"].values())
    page = browser_page.page
    await page.goto("/docs", wait_until="commit")  # the render is what the test waits for
    blocks = page.locator(".opblock")
    await expect(blocks.first).to_be_visible(timeout=RENDER_TIMEOUT_MS)
    await expect(blocks).to_have_count(operations)
    await expect(
        page.locator(".opblock-post .opblock-summary-path", has_text="/api/v1/shots/{shot_id}/approve")
    ).to_be_visible()
    await expect(page.locator("button.authorize")).to_be_visible()  # Authorize: sign in from the page
    await browser_page.shot("swagger-ui")
    assert browser_page.outside == []


async def test_redoc_renders_the_reference_with_nothing_from_outside(browser_page) -> None:
    page = browser_page.page
    await page.goto("/redoc", wait_until="commit")
    await expect(page.locator("h2", has_text="Approve Shot").first).to_be_attached(timeout=RENDER_TIMEOUT_MS)
    await expect(page.locator(".menu-content")).to_be_visible()
    await browser_page.shot("redoc")
    assert browser_page.outside == []
