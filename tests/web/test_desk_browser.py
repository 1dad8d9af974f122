"""The desk in real headless Chromium: sign-in, a filter, an action and its refusal, and a
supervisor reaching an overdue petition of their street in three clicks."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from web.initdata import sign_init_data

SHOTS = Path(os.environ.get("MINYUAN_SCREENSHOTS", "")) if os.environ.get("MINYUAN_SCREENSHOTS") else None


async def _shot(page, name: str) -> None:
    """Screenshots for docs/img when MINYUAN_SCREENSHOTS names a folder."""
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _url(desk, path: str) -> str:
    return str(desk.client.make_url(path))


async def test_sign_in_by_link(desk, phone_page):
    token = await desk.link_token(desk.office.staff)
    await phone_page.goto(_url(desk, f"/login/{token}"))
    await phone_page.click("#login")
    await phone_page.wait_for_selector("text=今日概览")
    assert "红旗社区" in await phone_page.inner_text("main")


async def test_sign_in_as_mini_app(desk, phone_page):
    now = desk.harness.clock.now()
    init_data = sign_init_data(
        {"auth_date": str(int(now.timestamp())), "query_id": "AAH1",
         "user": json.dumps({"id": desk.office.staff.id, "first_name": "张"}, separators=(",", ":"))},
        bot_token=desk.office.emu.token)
    await phone_page.goto(_url(desk, "/app") + "#tgWebAppData=" + quote(init_data, safe=""))
    await phone_page.wait_for_selector("text=今日概览")
    assert "tgWebAppData" not in phone_page.url


async def test_filter_action_and_refusal(desk, phone_page):
    token = await desk.link_token(desk.office.staff)
    await phone_page.goto(_url(desk, f"/login/{token}"))
    await phone_page.click("#login")
    await phone_page.click("text=诉求")
    await phone_page.fill("input[name=q]", "漏水")
    await phone_page.click("#apply")
    items = await phone_page.locator(".petitions li").all_inner_texts()
    assert len(items) == 1 and desk.petitions["leak"] in items[0]
    assert "漏水" not in phone_page.url  # search text is posted, never put in the address
    await _shot(phone_page, "desk-list")
    await phone_page.click(f"text={desk.petitions['leak']}")
    await phone_page.click("#claim")
    assert "办理中" in await phone_page.inner_text("#status")
    await phone_page.fill("form[action$=resolve] input[name=text]", "已联系物业修好管道")
    await phone_page.click("#resolve")
    assert "已办结" in await phone_page.inner_text("#status")
    await phone_page.click("#claim")
    assert "已办结" in await phone_page.inner_text("#notice")  # refused, as in chat

    # Unrated for three days: the community's administrator calls back from 待回访.
    desk.harness.clock.advance(timedelta(days=3, minutes=1))
    token = await desk.link_token(desk.office.admin)
    await phone_page.goto(_url(desk, f"/login/{token}"))
    await phone_page.click("#login")
    await phone_page.click("nav >> text=待回访")
    await phone_page.click(f"#callbacks >> text={desk.petitions['leak']}")
    await phone_page.select_option("#callback select[name=outcome]", "不满意")
    await phone_page.fill("#callback input[name=text]", "居民说还在漏")
    await phone_page.click("#record_callback")
    assert "重新交办" in await phone_page.inner_text("#notice")
    assert "重新办理" in await phone_page.inner_text("#status")
    assert "回访结果：不满意（居民说还在漏）" in await phone_page.inner_text("#callback_outcome")


# Counts the person's clicks across page loads (trusted events only: the page's own script
# submitting a form is not a click).
COUNT_CLICKS = """document.addEventListener('click', (e) => {
  if (e.isTrusted) sessionStorage.clicks = String(Number(sessionStorage.clicks || 0) + 1);
}, true);"""


async def test_supervisor_finds_overdue_petition_in_three_clicks(desk, phone_page):
    """The issue's "done when": from the bot's link, a street supervisor reaches an overdue
    petition of their street, among others on time and another street's late one."""
    office, emu = desk.office, desk.office.emu
    emu.send_photo(desk.residents["leak"], desk.residents["leak"].id, caption="天花板滴水的照片")
    await desk.harness.settle()
    desk.harness.clock.advance(timedelta(days=3))  # the leak and the other street's are late now
    fresh = emu.add_user(first_name="陈磊")
    await office.say(fresh, fresh.id, "/start hongqi")
    await office.say(fresh, fresh.id, "7号楼门口的路灯不亮了，晚上很黑")  # today's: on time
    token = await desk.link_token(office.supervisor)
    await phone_page.add_init_script(COUNT_CLICKS)

    await phone_page.goto(_url(desk, f"/login/{token}"))
    await phone_page.click("#login")  # 1: confirm the link from the bot
    await phone_page.wait_for_selector("text=今日概览")
    tile = await phone_page.inner_text("#t-overdue b")
    await _shot(phone_page, "desk-overview")
    await phone_page.click("#t-overdue")  # 2: the overdue tile
    listing = phone_page.locator(".petitions li")
    texts = await listing.all_inner_texts()
    assert len(texts) == int(tile) == 1 and desk.petitions["leak"] in texts[0] and "超期" in texts[0]
    await phone_page.click(f"text={desk.petitions['leak']}")  # 3: the petition
    assert "超期" in await phone_page.inner_text("#status")
    assert await phone_page.evaluate("sessionStorage.clicks") == "3"
    main = await phone_page.inner_text("main")
    assert "13812345678" not in main and "138****5678" in main  # masked for a supervisor
    photo = phone_page.locator("#attachments img")
    await photo.wait_for()
    assert await photo.evaluate("img => img.complete && img.naturalWidth") > 0  # through the bot
    await _shot(phone_page, "desk-petition")


async def test_plan_building_to_its_petitions_and_the_reports_page(desk, phone_page):
    token = await desk.link_token(desk.office.supervisor)
    await phone_page.goto(_url(desk, f"/login/{token}"))
    await phone_page.click("#login")
    await phone_page.click("nav >> text=楼栋")
    await phone_page.wait_for_selector("#plan-hongqi")
    await _shot(phone_page, "desk-plan")
    await phone_page.click("#plan-hongqi [data-building='3']")
    items = await phone_page.locator(".petitions li").all_inner_texts()
    assert len(items) == 1 and desk.petitions["leak"] in items[0]
    assert "3号楼" in await phone_page.inner_text("h1")
    await phone_page.click("nav >> text=报表")
    await phone_page.click("#digest-show")
    await phone_page.wait_for_selector("#digest img")
    assert await phone_page.locator("#digest img").evaluate("img => img.naturalWidth") > 100
    async with phone_page.expect_download() as download:
        await phone_page.click("#register-download")
    assert (await download.value).suggested_filename.endswith(".xlsx")
