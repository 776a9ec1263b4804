"""Browser fixtures: Playwright driving Debian's chromium (``/usr/bin/chromium``, installed by
`make test` where missing; no test ever downloads a browser build), one session browser, a
fresh context per test, and a folder per test for its screenshots.

``browser_page`` (function)
    A :class:`BrowserPage`: ``page`` (a Playwright page in a new context), ``outside`` (every
    request the page tried to send to a host other than the stack's: each was refused, and a
    test asserts the list stays empty) and ``shot(name)`` (a full-page screenshot saved as
    ``test-results/<test>/<name>.png``; a last one is taken at teardown whatever happened).
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Page, Route, async_playwright
from playwright.async_api import Error as PlaywrightError

from devstack.stack import Stack

CHROMIUM = Path("/usr/bin/chromium")
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
# As root Chromium needs --no-sandbox; the rest keep it from calling Google's services at start
# (background networking, component updates, sync), which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1440, "height": 900}
# Playwright's 30 s default is too short for a page load while the suite keeps both cores busy.
NAVIGATION_TIMEOUT_MS = 90_000


@dataclass
class BrowserPage:
    page: Page
    folder: Path
    outside: list[str] = field(default_factory=list)

    async def shot(self, name: str) -> Path:
        """What the viewport shows (the board scrolls inside it; ReDoc's full page would be a
        picture tens of thousands of pixels tall)."""
        path = self.folder / f"{name}.png"
        await self.page.screenshot(path=str(path))
        assert path.stat().st_size > 0
        return path


def test_folder(node_id: str) -> Path:
    """``test-results/<file>-<test>``: the test's output folder, emptied first."""
    folder = RESULTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", node_id.split("/")[-1]).strip("-")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def chromium() -> str:
    assert CHROMIUM.exists(), "Debian's chromium is missing: `make test` installs it (tools/system_packages.sh)"
    return str(CHROMIUM)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def browser_page(browser: Browser, stack: Stack, request: pytest.FixtureRequest) -> AsyncIterator[BrowserPage]:
    context = await browser.new_context(viewport=VIEWPORT, base_url=stack.gateway_url)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    page = await context.new_page()
    result = BrowserPage(page, test_folder(request.node.nodeid))
    home = urlsplit(stack.gateway_url).netloc

    async def only_the_stack(route: Route) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in ("data", "blob") or url.netloc == home:
            await route.continue_()
        else:
            result.outside.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_the_stack)
    try:
        yield result
    finally:
        with contextlib.suppress(PlaywrightError):  # for whoever reads a failure, never its cause
            await result.shot("last")
        await context.close()
