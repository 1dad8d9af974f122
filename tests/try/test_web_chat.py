"""A newcomer plays a resident and the staff in the browser; the real bot answers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tgemu.samples import SAMPLE_JPEG

expect = pytest.importorskip("playwright.async_api", reason="pip install playwright").expect

# Screenshots for the README are refreshed only on request, so a test run never edits tracked
# files: MINYUAN_SCREENSHOTS=1 python3 -m pytest tests/try
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "img"
LEAK = "3号楼2单元501，楼上漏水严重，天花板一直在滴水"
REPLY = "王女士您好，明天上午9点物业维修师傅上门查看，请家里留人。"


def panel(page, title: str):
    return page.locator(".panel", has=page.locator(".panel-title", has_text=title))


async def say(chat, text: str, *, as_user: str | None = None) -> None:
    if as_user:
        await chat.locator("select.as").select_option(label=as_user)
    await chat.locator("textarea").fill(text)
    await chat.locator("textarea").press("Enter")


async def test_resident_message_becomes_a_card_staff_claim_and_reply(trial, page):
    await page.goto(trial.url)
    resident, staff = panel(page, "王芳"), panel(page, "红旗社区民愿工作群")
    await say(resident, LEAK)
    await expect(resident.locator(".msg.from-bot").last).to_contain_text("MY-")
    card = staff.locator(".msg.from-bot", has_text="📋").last
    await expect(card).to_contain_text("3号楼")
    await expect(card).to_contain_text("处理人：—")

    await staff.locator("select.as").select_option(label="张网格员")
    await card.get_by_role("button", name="认领").click()
    await expect(card).to_contain_text("处理人：张网格员")  # the same card, edited in place
    await expect(card.locator(".edited")).to_be_visible()

    await card.hover()
    await card.get_by_role("button", name="回复").click()
    await expect(staff.locator(".replying")).to_contain_text("回复 民愿接待室")
    await say(staff, REPLY)
    await expect(resident.locator(".msg.from-bot").last).to_contain_text(REPLY)
    await screenshots(page)


async def screenshots(page) -> None:
    """For the README: the resident, the staff group and the street's group side by side."""
    if not os.environ.get("MINYUAN_SCREENSHOTS"):
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.evaluate("""() => { for (const p of document.querySelectorAll('.panel')) {
        const t = p.querySelector('.panel-title').textContent;
        p.hidden = !['王芳', '红旗社区民愿工作群', '新华街道督办群'].includes(t); }
      document.querySelector('#panels').scrollLeft = 0; }""")
    await page.wait_for_timeout(100)  # let the layout settle before the picture
    await page.screenshot(path=SHOTS / "try.png")
    await page.set_viewport_size({"width": 390, "height": 780})
    await page.screenshot(path=SHOTS / "try-phone.png")


async def test_clock_control_brings_the_reminder(trial, page):
    await page.goto(trial.url)
    resident, staff = panel(page, "刘建国"), panel(page, "红旗社区民愿工作群")
    await say(resident, "5号楼电梯坏了三天了，老人上下楼很困难，一直没人来修")
    await expect(staff.locator(".msg.from-bot", has_text="📋").last).to_contain_text("5号楼")
    await expect(staff.locator(".msg", has_text="提醒")).to_have_count(0)
    await page.get_by_role("button", name="+1天").click()
    await expect(page.locator(".toast").first).to_contain_text("提醒")
    await expect(staff.locator(".msg.from-bot", has_text="提醒").first).to_be_visible()
    await expect(page.locator("#now")).to_contain_text("11/24")


async def test_markup_typed_by_a_person_stays_text_and_a_photo_and_location_go_through(trial, page):
    await page.goto(trial.url)
    resident = panel(page, "陈磊")
    typed = '<b>车位</b><img src=x onerror="document.title=1">被外来车辆长期占用'
    await say(resident, typed)
    mine = resident.locator(".msg.from-user").last
    await expect(mine.locator(".text")).to_have_text(typed)
    assert await mine.locator(".text b, .text img").count() == 0
    await expect(resident.locator(".msg.from-bot").last).to_contain_text("MY-")
    bold = resident.locator(".msg.from-bot .text b").first  # the bot's own HTML is formatted
    await expect(bold).to_be_visible()

    await resident.locator(".plus").click()
    await resident.locator(".pick-photo input").set_input_files(
        files=[{"name": "car.jpg", "mimeType": "image/jpeg", "buffer": SAMPLE_JPEG}])
    await expect(resident.locator(".msg.from-user img.photo")).to_have_count(1)
    await resident.locator(".plus").click()
    await resident.locator(".send-location").click()
    await expect(resident.locator(".msg.from-user .place")).to_contain_text("39.90750")


async def test_a_forum_group_shows_each_petition_in_its_own_topic(trial, page):
    await page.goto(trial.url)
    resident, forum = panel(page, "陈磊"), panel(page, "红旗社区停车协调组")
    await say(resident, "小区车位被外来车辆长期占用，晚上下班回来根本没地方停车")
    await expect(resident.locator(".msg.from-bot").last).to_contain_text("MY-")
    topic = forum.locator(".topic", has_text="MY-")
    await expect(topic).to_have_count(1)
    card = forum.locator(".msg.from-bot", has_text="📋")
    await expect(card).to_be_hidden()  # General is shown until the topic is opened
    await topic.click()
    await expect(card).to_be_visible()
    await forum.locator("select.as").select_option(label="赵专干")
    await card.get_by_role("button", name="认领").click()
    await expect(card).to_contain_text("处理人：赵专干")


async def test_a_resident_edits_a_sent_message_and_sends_an_album(trial, page):
    await page.goto(trial.url)
    resident, staff = panel(page, "王芳"), panel(page, "红旗社区民愿工作群")
    await say(resident, "5号楼2单元楼道灯坏了，晚上看不见路")
    card = staff.locator(".msg.from-bot", has_text="处理人").last  # the card, not a notice quoting it
    await expect(card).to_contain_text("5号楼")

    mine = resident.locator(".msg.from-user").last
    await mine.hover()
    await mine.get_by_role("button", name="编辑").click()
    await expect(resident.locator(".editing")).to_contain_text("编辑 王芳 的消息")
    await expect(resident.locator("textarea")).to_have_value("5号楼2单元楼道灯坏了，晚上看不见路")
    await resident.locator("textarea").fill("6号楼2单元楼道灯坏了，晚上看不见路")
    await resident.get_by_role("button", name="保存修改").click()
    await expect(mine.locator(".edited")).to_be_visible()  # the resident's own message, edited
    await expect(card).to_contain_text("6号楼")  # and the bot edited its card in place
    await expect(card).to_contain_text("居民已修改")
    await expect(resident.locator(".editing")).to_be_hidden()

    photos = [{"name": f"lamp{n}.jpg", "mimeType": "image/jpeg", "buffer": SAMPLE_JPEG} for n in (1, 2)]
    await resident.locator(".plus").click()
    await resident.locator(".pick-album input").set_input_files(files=photos)
    await expect(resident.locator(".msg.from-user img.photo")).to_have_count(2)
    await expect(staff.locator(".msg.from-bot img.photo")).to_have_count(2)  # both reach the group
    await expect(card).to_contain_text("图片 2")
