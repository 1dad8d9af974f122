"""Reading the State Council's holiday notice: checked against the official 2026 calendar."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from reception.deadlines.notice import parse_notice
from reception.errors import InvalidInput

# The 2026 arrangement as the General Office of the State Council published it (festival
# lines; the preamble and the closing paragraph as an administrator would paste them).
NOTICE_2026 = """国务院办公厅关于2026年部分节假日安排的通知
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。
2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。
国务院办公厅
2025年11月4日
"""


def _official_exceptions(year: int) -> tuple[set[date], set[date]]:
    off, on = set(), set()
    day = date(year, 1, 1)
    while day.year == year:
        workday = chinese_calendar.is_workday(day)
        if workday and day.weekday() >= 5:
            on.add(day)
        if not workday and day.weekday() < 5:
            off.add(day)
        day += timedelta(days=1)
    return off, on


def test_the_2026_notice_gives_exactly_the_official_calendar():
    notice = parse_notice(NOTICE_2026)
    assert notice.year == 2026
    assert [f.name for f in notice.festivals] == ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
    weekdays_off = {d for d in notice.days_off if d.weekday() < 5}
    official_off, official_on = _official_exceptions(2026)
    assert weekdays_off == official_off
    assert set(notice.workdays) == official_on
    assert notice.workdays[date(2026, 2, 28)] == "春节"


def test_single_days_ranges_across_months_and_years():
    notice = parse_notice("""关于2027年部分节假日安排的通知
一、元旦：2026年12月31日至2027年1月2日放假，共3天。2026年12月27日（周日）上班。
二、端午节：6月9日放假，与周末连休。
三、国庆节：9月30日至10月7日放假调休，共8天。9月26日（周日）、10月9日（周六）上班。""")
    assert notice.days_off[date(2026, 12, 31)] == "元旦" and date(2027, 1, 2) in notice.days_off
    assert date(2026, 12, 27) in notice.workdays
    assert list(d for d, n in notice.days_off.items() if n == "端午节") == [date(2027, 6, 9)]
    assert len([d for d, n in notice.days_off.items() if n == "国庆节"]) == 8
    assert set(d for d, n in notice.workdays.items() if n == "国庆节") == {date(2027, 9, 26), date(2027, 10, 9)}


@pytest.mark.parametrize("text, reason", [
    ("春节放假七天", "year"),
    ("关于2027年部分节假日安排的通知\n节日期间注意安全。", "no festival lines"),
    ("关于2027年部分节假日安排的通知\n一、春节：另行通知。", "no day off"),
    ("关于2027年部分节假日安排的通知\n一、春节：2月30日放假。", "not a date"),
])
def test_text_that_is_not_a_notice_is_refused_with_a_reason(text, reason):
    with pytest.raises(InvalidInput, match=reason):
        parse_notice(text)
