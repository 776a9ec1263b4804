"""The review console in a real browser (Debian's chromium) against the end-to-end stack: a
reviewer signs in, picks a shooting seeded through the API, sees its board with images, and the
board follows what happens without a reload: their own approval, a rejection made elsewhere,
and a generation they start from the page, whose image appears when the worker finishes."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.e2e.shots_support import GenerationLook

pytestmark = pytest.mark.asyncio(loop_scope="session")

# Generous: a worker renders while the machine also runs the rest of the suite.
LIVE_TIMEOUT_MS = 90_000
NO_RELOAD = "window.__sameDocument"


@pytest.fixture(scope="module")
async def reviewer(new_user):
    return await new_user(full_name="Rita Reviewer")


def card(page: Page, shot_id: str, status: str):
    """The shot's card, in the given status's column."""
    return page.locator(f'.cell[data-status="{status}"] .card[data-shot-id="{shot_id}"]')


async def sign_in_and_open(page: Page, reviewer, shooting: dict) -> None:
    await page.goto("/console/")
    await page.get_by_label("Email").fill(reviewer.email)
    await page.get_by_label("Password").fill(reviewer.password)
    await page.get_by_role("button", name="Sign in").click()
    await page.locator(f'.shooting[data-shooting-id="{shooting["id"]}"]').click()
    await expect(page.locator("#live-state")).to_have_attribute("data-state", "live", timeout=LIVE_TIMEOUT_MS)
    # Marks this document: a reload would lose it, so it shows every update came without one.
    await page.evaluate(f"{NO_RELOAD} = true")


async def image_loaded(page: Page, shot_id: str, status: str) -> None:
    """The card sits in the status's column and its thumbnail really loaded (a signed URL that
    answered with an image)."""
    await expect(card(page, shot_id, status).locator("img")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    selector = f'.cell[data-status="{status}"] .card[data-shot-id="{shot_id}"] img'
    await page.wait_for_function(
        "s => { const img = document.querySelector(s); return img && img.complete && img.naturalWidth > 0; }",
        arg=selector,
        timeout=30_000,
    )


async def test_approving_a_shot_moves_its_card_and_others_changes_arrive_live(browser_page, reviewer) -> None:
    look = await GenerationLook(reviewer.client).build()
    front, detail = look.shot("front")["id"], look.shot("detail")["id"]
    for shot in (front, detail):
        assert (await reviewer.client.post(f"/shots/{shot}/generate", json={})).status_code == 200
        await look.settled(shot, 1)
    page = browser_page.page

    await sign_in_and_open(page, reviewer, look.shooting)
    await image_loaded(page, front, "PROPOSAL")
    await image_loaded(page, detail, "PROPOSAL")
    await expect(card(page, look.shot("back")["id"], "PENDING")).to_be_visible()  # back views are not generated
    await browser_page.shot("board")

    # The keyboard, as reviewers work: J walks to the front shot's card, Enter opens it, A approves.
    order = await page.locator(".card").evaluate_all("cards => cards.map(c => c.dataset.shotId)")
    for _ in range(order.index(front) + 1):
        await page.keyboard.press("j")
    await expect(page.locator(f'.card.selected[data-shot-id="{front}"]')).to_be_visible()
    await page.keyboard.press("Enter")
    await expect(page.locator("#shot-panel .revision")).to_have_count(1)
    await page.keyboard.press("a")
    await expect(card(page, front, "APPROVED")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    await expect(page.get_by_test_id("panel-status")).to_have_text("APPROVED")
    assert (await reviewer.client.get(f"/shots/{front}")).json()["status"] == "APPROVED"
    await browser_page.shot("approved")

    # Someone else rejects the detail shot through the API: the live feed moves its card.
    rejected = await reviewer.client.post(f"/shots/{detail}/reject", json={"notes": "Crop too tight"})
    assert rejected.status_code == 200
    await expect(card(page, detail, "REJECTED")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    await expect(card(page, detail, "PROPOSAL")).to_have_count(0)
    assert await page.evaluate(NO_RELOAD) is True
    await browser_page.shot("rejected-elsewhere")
    assert browser_page.outside == []


async def test_a_generation_started_from_the_page_shows_its_image_when_the_worker_finishes(
    browser_page, reviewer
) -> None:
    look = await GenerationLook(reviewer.client).build()
    front = look.shot("front")["id"]
    page = browser_page.page

    await sign_in_and_open(page, reviewer, look.shooting)
    pending = card(page, front, "PENDING")
    await expect(pending.locator(".placeholder")).to_have_text("no image")
    await pending.click()  # selects it and opens the panel
    await page.get_by_role("button", name="Generate G").click()
    await image_loaded(page, front, "PROPOSAL")
    await expect(card(page, front, "PROPOSAL").locator(".badge.generating")).to_have_count(0)
    await expect(page.locator("#shot-panel .revision.current")).to_have_count(1)
    generations = await look.generations(front)
    assert [g["status"] for g in generations] == ["COMPLETED"]
    assert await page.evaluate(NO_RELOAD) is True
    await browser_page.shot("generated")
    assert browser_page.outside == []
