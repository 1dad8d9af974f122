"""The desk's plan of grids and buildings, and the register and digest of any period."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from openpyxl import load_workbook

from tests.web.conftest import CSRF  # noqa: F401  (same fixtures module)


def _today(desk):
    services = desk.harness.services
    return services.deps.clock.now().astimezone(services.deps.settings.tz).date()


async def test_the_plan_counts_open_petitions_per_building_in_scope_only(desk):
    await desk.sign_in(desk.office.supervisor)
    page = await (await desk.client.get("/plan")).text()
    assert "红旗社区" in page and "青年社区" in page
    assert "朝阳社区" not in page, "another street's community is not on the plan"
    hongqi = page.split('id="plan-hongqi"', 1)[1].split("</section>", 1)[0]
    assert "第一网格" in hongqi and "第二网格" in hongqi
    building = re.search(r'data-building="3">\s*<span class="name">3号楼</span><b>(\d+)</b>', hongqi)
    assert building and building.group(1) == "1"
    link = re.search(r'href="(/petitions\?[^"]*building=3[^"]*)"', hongqi).group(1).replace("&amp;", "&")
    listing = await (await desk.client.get(link)).text()
    assert desk.petitions["leak"] in listing and "3号楼" in listing
    other = await (await desk.client.get("/petitions?status=open&community=hongqi&building=4")).text()
    assert desk.petitions["leak"] not in other


async def test_the_register_of_a_period_downloads_masked_and_in_scope(desk):
    await desk.sign_in(desk.office.supervisor)
    today = _today(desk)
    answer = await desk.client.get(f"/reports/register.xlsx?from={today.replace(day=1)}&to={today}")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in answer.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(await answer.read())).active
    cells = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert desk.petitions["leak"] in cells
    assert desk.petitions["other_street"] not in cells
    assert "13812345678" not in cells and "138****5678" in cells


async def test_bad_periods_get_a_plain_answer(desk):
    await desk.sign_in(desk.office.staff)
    today = _today(desk)
    backwards = await desk.client.get(f"/reports/register.xlsx?from={today}&to={today - timedelta(days=3)}")
    assert backwards.status == 400 and "结束日期早于开始日期" in await backwards.text()
    garbled = await desk.client.get("/reports/register.xlsx?from=2026-13-45")
    assert garbled.status == 400 and "日期格式不正确" in await garbled.text()
    too_long = await desk.client.get(f"/reports/register.xlsx?from={today - timedelta(days=800)}&to={today}")
    assert too_long.status == 400 and "最多导出" in await too_long.text()
    future = await desk.client.get(f"/reports?week={today + timedelta(days=8)}")
    assert future.status == 400 and "还没有到" in await future.text()


async def test_the_digest_of_any_week_shows_its_text_and_chart(desk):
    await desk.sign_in(desk.office.supervisor)
    today = _today(desk)
    page = await (await desk.client.get(f"/reports?week={today}")).text()
    assert 'src="data:image/png;base64,' in page
    assert "新华街道" in page and "响应率" in page
    chart = await desk.client.get(f"/reports/digest.png?week={today}")
    assert chart.status == 200 and chart.headers["Content-Type"] == "image/png"
    assert (await chart.read()).startswith(b"\x89PNG")
