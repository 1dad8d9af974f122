"""`minyuan demo`: a scripted week in 红旗社区, on the emulator, with simulated time.

Residents write in, staff claim, reply, reassign, merge, reject and resolve, residents rate
and one reopens; a gas smell at night gets safety advice and alerts everyone at once, a
routine question at night waits for the office; the deadline sweep reminds and escalates; a
common question is answered from the knowledge base, staff log home visits, nobody rates one
result so it is called back; the weekly digest and the reception register are written to
files, and on the first of the month the street picks its 每月一题. At the end: the duty
roster by command, a stray photo turned into a petition by one answer, a follow-up that makes
it an emergency (advice, alert naming the on-duty staff, repeat alert, claim) and a voice
note never explained, filed the next evening. It prints what each person saw.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.config import Config
from bot.harness import Harness
from reception.clock import ManualClock
from storage import queries
from storage.enums import Role

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
NUMBER = re.compile(r"MY-\d{8}-\d{4}")


class Script:
    """Small verbs for the scenario: who says what, who presses which button."""

    def __init__(self, harness: Harness, clock: ManualClock) -> None:
        self.h, self.clock, self.emu = harness, clock, harness.emu

    async def say(self, user, chat_id: int, text: str, **kwargs) -> None:
        self.emu.send_text(user, chat_id, text, **kwargs)
        await self.h.settle()

    async def press(self, user, chat_id: int, message, label: str) -> None:
        data = next((d for row in message.buttons for t, d in row if t.startswith(label)), None)
        if data is None:
            raise LookupError(f"no button {label!r} on: {message.text[:80]!r} {message.buttons}")
        self.emu.press_button(user, chat_id, message.message_id, data)
        await self.h.settle()

    def card(self, chat_id: int, number: str):
        return next(m for m in self.emu.bot_messages(chat_id) if m.text.startswith(f"📋 {number}"))

    def last(self, chat_id: int):
        return self.emu.last_bot_message(chat_id)

    def number(self, chat_id: int) -> str:
        texts = [m.text for m in self.emu.bot_messages(chat_id) if "已受理" in m.text]
        found = NUMBER.search(texts[-1])
        if found is None:
            raise LookupError(f"no petition number in: {texts[-1][:80]!r}")
        return found.group(0)

    async def later(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))
        await self.h.tick()


async def run_demo(config: Config, *, db: str | None = None, out: str = "demo-output") -> int:
    out_dir = Path(out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(db).resolve() if db else Path(tmp) / "demo.db"
        config = replace(config.with_database(f"sqlite:///{db_path}"), reports_dir=out_dir)
        clock = ManualClock(START)
        async with Harness(config=config, clock=clock) as harness:
            script = Script(harness, clock)
            await _week(script)
            _print_transcript(harness, ZoneInfo(config.reception.timezone))
            _print_summary(harness, out_dir, _export_register(harness, out_dir))
    return 0


async def _week(s: Script) -> None:
    emu, access = s.emu, s.h.domain.access
    admin = emu.add_user(first_name="李主任")
    grid_worker = emu.add_user(first_name="张网格员")
    officer = emu.add_user(first_name="赵专干")
    supervisor = emu.add_user(first_name="孙科长")
    main = emu.add_group("红旗社区民愿工作群", members=[admin, grid_worker, officer])
    parking = emu.add_group("红旗社区停车协调组", members=[admin, officer])
    street = emu.add_group("新华街道督办群", members=[supervisor])
    for user, role, scope in ((admin, Role.ADMIN, "hongqi"), (grid_worker, Role.STAFF, "hongqi"),
                              (officer, Role.STAFF, "hongqi"), (supervisor, Role.ADMIN, "xinhua")):
        await s.say(user, user.id, f"/join {access.create_invite(role=role, scope_code=scope)}")
    await s.say(admin, main.id, "/bind hongqi")
    await s.say(admin, parking.id, "/bind hongqi 停车交通")
    await s.say(supervisor, street.id, "/bind xinhua")

    wang = emu.add_user(first_name="王芳")
    liu = emu.add_user(first_name="刘建国")
    zhou = emu.add_user(first_name="周秀英")
    chen = emu.add_user(first_name="陈磊")
    wu = emu.add_user(first_name="吴晓")

    # Monday: residents write in through the stairwell QR code.
    await s.say(wang, wang.id, "/start hongqi")
    emu.send_contact(wang, wang.id, "13812345678")
    await s.h.settle()
    await s.say(wang, wang.id, "3号楼2单元501，楼上漏水严重，天花板一直在滴水，墙皮都泡掉了")
    emu.send_photo(wang, wang.id, caption="这是漏水的照片")
    await s.h.settle()
    leak = s.number(wang.id)

    await s.say(liu, liu.id, "/start hongqi")
    lift_message = emu.send_text(liu, liu.id, "4号楼电梯坏了三天了，老人上下楼很困难，一直没人来修")
    await s.h.settle()
    lift = s.number(liu.id)
    # He typed the wrong building and edits his message: the card follows (居民已修改).
    emu.edit_text(liu, liu.id, lift_message.message_id, "5号楼电梯坏了三天了，老人上下楼很困难，一直没人来修")
    await s.h.settle()
    await s.later(minutes=20)
    await s.say(zhou, zhou.id, "/start hongqi")
    await s.say(zhou, zhou.id, "5号楼的电梯已经坏了好几天，没人来修，我腿脚不好下不了楼")
    lift_dup = s.number(zhou.id)

    await s.say(chen, chen.id, "/start hongqi")
    await s.say(chen, chen.id, "小区车位被外来车辆长期占用，晚上下班回来根本没地方停车")
    park = s.number(chen.id)

    await s.say(wu, wu.id, "/start hongqi")
    await s.say(wu, wu.id, "😡😡😡")  # nothing to act on yet: held, and he is asked what is wrong
    await s.say(wu, wu.id, "楼下饭店油烟太大，窗户都不敢开")
    fumes = s.number(wu.id)
    await s.later(minutes=10)
    await s.say(wu, wu.id, "另外想问一下，隔壁小区的二手房现在什么价格？")
    price = s.number(wu.id)

    # Staff work the cards.
    card = s.card(main.id, leak)
    bystander = emu.add_user(first_name="群友小马")
    emu.add_member(main.id, bystander)
    await s.press(bystander, main.id, card, "认领")  # not staff: refused, nothing changes
    await s.press(grid_worker, main.id, card, "认领")
    await s.say(grid_worker, main.id, "王女士您好，明天上午9点物业维修师傅上门查看，请家里留人。",
                reply_to=s.card(main.id, leak).message_id)
    await s.press(officer, main.id, s.card(main.id, lift), "认领")
    await s.say(officer, main.id, f"/merge {lift_dup} {lift}")
    await s.press(officer, main.id, s.card(main.id, fumes), "转派")
    await s.press(officer, main.id, s.last(main.id), "城市管理")  # 餐饮油烟 is 城管's
    await s.say(officer, main.id, f"/reject {price} 房价咨询不属于社区受理范围，建议咨询房产交易中心")
    await s.press(officer, parking.id, s.card(parking.id, park), "认领")
    await s.say(officer, parking.id, "陈先生您好，已联系物业加装道闸，外来车辆登记后方可进入。",
                reply_to=s.card(parking.id, park).message_id)

    # Monday night: a routine question waits for the office; a gas smell does not.
    s.clock.set(datetime(2026, 11, 23, 14, 0, tzinfo=UTC))  # 22:00 in Shanghai
    await s.h.tick()
    await s.say(chen, chen.id, "没有漏气，就是灶打不着火，想问问怎么弄")  # due Tuesday 14:00
    stove = s.number(chen.id)
    await s.later(minutes=40)
    await s.say(liu, liu.id, "厨房一股很浓的煤气味，5号楼1单元302")  # advice, numbers, alerts
    gas = s.number(liu.id)
    await s.later(minutes=11)  # nobody has claimed it yet: everyone is alerted again
    await s.press(grid_worker, main.id, s.card(main.id, gas), "认领")
    await s.say(grid_worker, main.id, "刘师傅，燃气公司抢修车10分钟到，请在楼下等候，先不要回屋。",
                reply_to=s.card(main.id, gas).message_id)
    await s.later(minutes=30)  # claimed and answered in time: nothing reaches the street

    # Tuesday and Wednesday: results, ratings, a reopen.
    s.clock.set(datetime(2026, 11, 24, 1, 30, tzinfo=UTC))  # Tuesday 09:30
    await s.h.tick()
    await s.say(grid_worker, main.id, f"/resolve {gas} 燃气公司已更换老化漏气的软管，检测无泄漏，已恢复供气。")
    await s.press(liu, liu.id, s.last(liu.id), "满意")
    await s.press(officer, main.id, s.card(main.id, stove), "认领")
    await s.say(officer, main.id, "陈先生您好，灶具打不着火多是电池没电或点火针脏了，下午师傅上门看看。",
                reply_to=s.card(main.id, stove).message_id)
    await s.press(grid_worker, main.id, s.card(main.id, leak), "办结")
    await s.say(grid_worker, main.id, "已更换楼上渗漏的水管并修补天花板，经回访不再滴水。")
    await s.press(wang, wang.id, s.last(wang.id), "不满意")
    await s.say(wang, wang.id, "墙皮还是湿的，希望再来看看", reply_to=s.last(wang.id).message_id)
    await s.later(days=1)
    await s.say(grid_worker, main.id, f"/resolve {leak} 已请专业防水公司重做卫生间防水，复查干燥无渗漏。")
    await s.press(wang, wang.id, s.last(wang.id), "满意")
    await s.say(officer, main.id, f"/resolve {lift} 电梯主板已更换，经特检所检测合格恢复运行。")
    await s.press(liu, liu.id, s.last(liu.id), "基本满意")
    await s.say(officer, parking.id, f"/resolve {park} 道闸已安装，外来车辆需登记后入内。")
    await s.press(chen, chen.id, s.last(chen.id), "满意")

    # The rest of the week: a visit nobody answers climbs the ladder, one sweep at a time.
    await s.say(admin, main.id, "/walkin 张大爷来访：8号楼3单元楼道灯坏了一个月，晚上看不见，电话13800001111")
    for _ in range(8):
        await s.later(hours=6)
    await s.say(grid_worker, main.id, "/overdue")

    # Friday: a common question answered at once, home visits, the same leak again in 3号楼.
    await s.say(zhou, zhou.id, "请问开居住证明需要什么材料？")
    await s.press(zhou, zhou.id, s.last(zhou.id), "已解决")
    await s.say(grid_worker, main.id, "/visit 8号楼3单元201 看望独居老人周奶奶，身体尚好")
    await s.say(grid_worker, main.id,
                "/visit 3号楼1单元202 入户走访 问题:厨房天花板也在漏水，怀疑是楼上管道老化")
    await s.say(chen, chen.id, "3号楼2单元301 卫生间顶上漏水，楼上渗下来的")
    await s.say(officer, main.id, f"/resolve {stove} 已更换灶具电池并清理点火针，点火正常。")
    await s.say(grid_worker, grid_worker.id, "/visits")

    # Next Monday 09:00: the weekly digest goes out; the office exports its register.
    s.clock.set(datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    await s.h.runtime.call(s.h.domain.digests.queue_weekly)
    await s.h.settle()
    await s.say(admin, main.id, "/export")

    # Nobody rated the stove's result: three days on, the administrator calls back (回访).
    await s.later(minutes=40)
    await s.say(admin, main.id, "/callbacks")
    await s.press(admin, main.id, s.last(main.id), "满意")
    # The second week: a return and its ruling, a referral to a department, an extension.
    await s.later(hours=1)
    await s.say(chen, chen.id, "小区东门有车乱停，把消防通道都堵死了，消防车根本进不来")
    blocked = s.number(chen.id)
    await s.say(officer, parking.id, f"/return {blocked} 占用消防通道属城管执法部门职责，不是停车协调的事")
    ruling = next(m for m in reversed(emu.bot_messages(street.id)) if "退单待裁定" in m.text)
    await s.press(supervisor, street.id, ruling, "城市管理")  # re-routed by category
    await s.say(wang, wang.id, "3号楼整栋停电了，冰箱里的东西都要坏了，电梯也停了")
    outage = s.number(wang.id)
    await s.press(grid_worker, main.id, s.card(main.id, outage), "认领")
    await s.say(grid_worker, main.id, f"/refer {outage} 供电公司 3号楼整栋停电，疑似变压器故障，请尽快抢修")
    await s.later(minutes=2)  # the group's cards and notes stay within Telegram's 20 a minute
    await s.say(grid_worker, main.id, f"/extend {outage} 3 需等待供电公司更换变压器")
    await s.later(minutes=2)
    request = next(m for m in reversed(emu.bot_messages(street.id)) if "延期申请" in m.text)
    await s.press(supervisor, street.id, request, "✅ 批准延期")

    # Monday evening: 张网格员 is on duty tonight (the roster by command).
    s.clock.set(datetime(2026, 11, 30, 9, 30, tzinfo=UTC))  # 17:30
    await s.say(grid_worker, main.id, "/duty on")
    await s.say(officer, main.id, "/duty")
    # 21:00: a photo with nothing said is asked about, and answered in one sentence.
    s.clock.set(datetime(2026, 11, 30, 13, 0, tzinfo=UTC))
    await s.h.tick()
    emu.send_photo(zhou, zhou.id)
    await s.h.settle()
    await s.say(zhou, zhou.id, "2号楼1单元厨房水管接头一直在漏水，这是照片")
    seep = s.number(zhou.id)
    # A minute later what she adds turns the leak into an emergency: advice first, everyone
    # alerted, the on-duty 张网格员 by name; unclaimed for ten minutes, it is alerted again.
    await s.later(minutes=1)
    await s.say(zhou, zhou.id, "刚才说的漏水，现在水已经漫到客厅了，电线那里在冒火花")
    await s.later(minutes=11)
    await s.press(grid_worker, main.id, s.card(main.id, seep), "认领")
    await s.say(grid_worker, main.id, "周阿姨，请先拉下电闸、关掉进户水阀，我和物业电工10分钟到。",
                reply_to=s.card(main.id, seep).message_id)
    await s.later(minutes=50)
    await s.say(grid_worker, main.id, f"/resolve {seep} 已断电关阀，更换厨房水管接头，电工检查线路无隐患后恢复供电。")
    await s.press(zhou, zhou.id, s.last(zhou.id), "满意")
    # A voice note with no words, never explained: filed as it is the next evening.
    emu.send_voice(wang, wang.id)
    await s.h.settle()
    await s.later(hours=25)
    # Wednesday 2 December: November's recurring problems (the job runs on the 1st; here on
    # demand, by the same call); the street picks one as its 每月一题.
    s.clock.set(datetime(2026, 12, 2, 1, 0, tzinfo=UTC))
    await s.h.runtime.call(s.h.domain.monthly.queue_monthly)
    await s.h.settle()
    await s.say(supervisor, street.id, "/topic pick 1")


def _export_register(harness: Harness, out_dir: Path) -> tuple[Path, Path]:
    from datetime import date

    return harness.domain.register.export(
        start=date(2026, 11, 1), end=date(2026, 11, 30), out=out_dir / "统一接待登记本-2026-11.xlsx")


def _print_transcript(harness: Harness, tz: ZoneInfo) -> None:
    print("=" * 72)
    print("民愿接待室 · 演示：红旗社区的一周（时间为模拟时间）")
    print("=" * 72)
    for entry in harness.emu.transcript:
        when = entry.date.astimezone(tz).strftime("%m-%d %H:%M")
        where = entry.chat_title if entry.chat_id < 0 else f"私聊·{entry.chat_title}"
        verb = {"sent": "", "edited": "（更新）", "callback": "（点击）", "answer": "（提示）"}.get(
            entry.action, "")
        text = entry.text.strip().replace("\n", "\n" + " " * 8)
        print(f"[{when}] {where} · {entry.sender_name}{verb}：{text}")
        for row in entry.buttons:
            print(" " * 8 + " ".join(f"[{label}]" for label in row))
    print()


def _print_summary(harness: Harness, out_dir: Path, register: tuple[Path, Path]) -> None:
    from reception.petition.states import status_label

    with Session(harness.domain.deps.engine) as session:
        counts = queries.status_counts(session)
    print("-" * 72)
    print("本周小结：" + "，".join(f"{status_label(status)} {n} 件" for status, n in counts.items()))
    for path in sorted(out_dir.glob("*.png")):
        print(f"周报图表：{path}")
    print(f"统一接待登记本：{register[0]}（另有 CSV：{register[1].name}）")
