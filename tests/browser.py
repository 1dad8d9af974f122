"""A real headless Chromium for browser tests: Debian's /usr/bin/chromium through Playwright.

Playwright only drives it; `playwright install` (which downloads a browser) is never run.
Import the fixture into a conftest: ``from tests.browser import browser  # noqa: F401``.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("MINYUAN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
async def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    async_api = pytest.importorskip("playwright.async_api")
    async with async_api.async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def phone_page(browser):
    """A page the size of a phone screen, in Chinese."""
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                        device_scale_factor=1)
    page = await context.new_page()
    yield page
    await context.close()
