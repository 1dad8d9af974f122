"""A real headless Chromium for browser tests: Debian's /usr/bin/chromium driven by Playwright.

Import the fixtures into a test package's conftest (``from tests.browser import browser, page``).
Playwright is pointed at the system browser and never downloads one of its own. Chinese text
renders with the Noto Sans CJK fonts mplfonts ships, so screenshots are legible without system
fonts.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("MINYUAN_CHROMIUM", "/usr/bin/chromium")


def _fontconfig(tmp: Path) -> dict[str, str]:
    """A fontconfig file adding mplfonts' CJK fonts to the system's."""
    import mplfonts

    fonts = Path(mplfonts.__file__).parent / "fonts"
    conf = tmp / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f'<include ignore_missing="yes">/etc/fonts/fonts.conf</include><dir>{fonts}</dir>'
        f"<cachedir>{tmp / 'fc-cache'}</cachedir></fontconfig>", encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


@pytest.fixture
async def browser(tmp_path_factory):
    """A headless Chromium; skipped with the reason when Playwright or the browser is missing."""
    playwright_api = pytest.importorskip("playwright.async_api", reason="pip install playwright")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    env = _fontconfig(tmp_path_factory.mktemp("fonts"))
    async with playwright_api.async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, env=env,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            yield launched
        finally:
            await launched.close()


@contextlib.asynccontextmanager
async def _watched_page(browser, **context_options):
    """A page in a fresh context that fails the test on any JavaScript error."""
    context = await browser.new_context(locale="zh-CN", **context_options)
    opened = await context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    await context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
async def page(browser):
    """A fresh page, 1400x900."""
    async with _watched_page(browser, viewport={"width": 1400, "height": 900}) as opened:
        yield opened


@pytest.fixture
async def phone_page(browser):
    """A page the size of a phone screen."""
    async with _watched_page(browser, viewport={"width": 390, "height": 844},
                             device_scale_factor=1) as opened:
        yield opened
