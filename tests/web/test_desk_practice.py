"""退单, referrals and extensions from the supervisors' desk: the same domain calls and the
same refusals as in chat."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import Extension, PetitionReturn, Referral


def rows(desk, model, pid: int) -> list:
    with Session(desk.harness.services.deps.engine) as session:
        return list(session.exec(select(model).where(model.petition_id == pid)))


async def post(desk, pid: int, action: str, csrf: str, **fields) -> str:
    answer = await desk.client.post(f"/petitions/{pid}/{action}", data={"csrf": csrf, **fields})
    return await answer.text()


async def test_the_handler_extends_and_refers_and_the_supervisor_approves_on_the_desk(desk):
    pid = desk.petition_id(desk.petitions["leak"])
    csrf = await desk.sign_in(desk.office.staff)
    page = await post(desk, pid, "extend", csrf, days="3", text="等待维修基金")
    assert "只有该诉求的处理人可以申请延期" in page, "claim first, as in chat"
    await post(desk, pid, "claim", csrf)
    assert "等待街道督办审批" in await post(desk, pid, "extend", csrf, days="3", text="等待维修基金")
    assert "只有街道督办可以审批延期" in await post(desk, pid, "extend_approve", csrf)
    assert "转交部门" in await post(desk, pid, "refer", csrf, department="water", text="楼顶水箱")
    assert [r.department for r in rows(desk, Referral, pid)] == ["water"]
    assert "已退单" in await post(desk, pid, "return", csrf, text="属于自来水公司职责")

    desk.client.session.cookie_jar.clear()
    csrf = await desk.sign_in(desk.office.supervisor)
    assert "已批准" in await post(desk, pid, "extend_approve", csrf)
    assert rows(desk, Extension, pid)[0].decision == "approved"
    assert "没有待审批的延期申请" in await post(desk, pid, "extend_refuse", csrf)
    assert "维持原派" in await post(desk, pid, "uphold", csrf)
    assert rows(desk, PetitionReturn, pid)[0].ruling == "upheld"
    page = await (await desk.client.get(f"/petitions/{pid}")).text()
    assert "延期获批" in page and "退单裁定：维持原派" in page and "转交部门" in page


def petition_row(desk, pid: int):
    from storage.models import Petition

    with Session(desk.harness.services.deps.engine) as session:
        return session.get(Petition, pid)


async def signed_in_as(desk, user) -> str:
    desk.client.session.cookie_jar.clear()
    return await desk.sign_in(user)


async def test_a_caller_records_the_call_back_on_the_desk_and_unsatisfied_reopens(desk, clock):
    """回访 on the desk: the handler (even a caller) and a non-caller are refused, as in chat;
    the street's administrator, a caller of the community, records 不满意 and it reopens."""
    pid = desk.petition_id(desk.petitions["leak"])
    number = desk.petitions["leak"]
    office = desk.office
    csrf = await signed_in_as(desk, office.admin)
    await post(desk, pid, "claim", csrf)
    await post(desk, pid, "resolve", csrf, text="已维修楼上水管")
    assert 'id="callback"' not in await post(desk, pid, "callback", csrf, outcome="满意")
    clock.advance(days=3, minutes=1)  # unrated for three days: on the list (a new session)
    csrf = await signed_in_as(desk, office.admin)
    listed = await (await desk.client.get("/callbacks")).text()
    assert number not in listed, "the handler never calls back their own petition"
    page = await post(desk, pid, "callback", csrf, outcome="满意", text="居民很满意")
    assert f"诉求 {number} 由您办理" in page and 'id="record_callback"' not in page

    csrf = await signed_in_as(desk, office.staff)  # staff, not a caller of hongqi
    assert "您不是回访员" in await (await desk.client.get("/callbacks")).text()
    page = await post(desk, pid, "callback", csrf, outcome="满意")
    assert "不是该社区的回访员" in page and 'id="record_callback"' not in page
    assert "只有可以记录这次回访的回访员" in await post(desk, pid, "callback_contact", csrf)
    assert petition_row(desk, pid).callback_outcome is None

    csrf = await signed_in_as(desk, office.supervisor)  # the street's admin: a caller
    listed = await (await desk.client.get("/callbacks")).text()
    assert number in listed and f"/petitions/{pid}" in listed and "居民未评价" in listed
    assert "王芳" not in listed and "13812345678" not in listed
    page = await (await desk.client.get(f"/petitions/{pid}")).text()
    assert 'id="record_callback"' in page
    assert "13812345678" not in page
    page = await post(desk, pid, "callback_contact", csrf)  # to make the call
    assert f"{number}：王芳 " in page and "3号楼2单元501" in page
    assert "查看居民联系方式（网页工作台） · 孙督办" in page
    forged = await desk.client.post(f"/petitions/{pid}/callback",
                                    data={"csrf": "forged", "outcome": "满意"})
    assert forged.status == 403 and petition_row(desk, pid).callback_outcome is None
    page = await post(desk, pid, "callback", csrf, outcome="不满意",
                      text="楼上仍在滴水，电话13812345678")
    assert "诉求已重新交办" in page
    assert "回访结果：不满意（楼上仍在滴水" in page and "仍在滴水，电话13812345678" not in page
    assert 'id="record_callback"' not in page
    row = petition_row(desk, pid)
    assert (row.status, row.callback_outcome, row.reopen_count) == ("reopened", "unsatisfied", 1)
    assert number not in await (await desk.client.get("/callbacks")).text()
    assert "不在待回访名单" in await post(desk, pid, "callback", csrf, outcome="满意")
    timeline = await (await desk.client.get(f"/petitions/{pid}")).text()
    assert timeline.index("列入回访") < timeline.index("回访 · 孙督办") < timeline.rindex("重新办理")


async def test_a_satisfied_call_back_on_the_desk_is_in_the_register_and_the_timeline(desk, clock):
    from reception.reports.register import REGISTER_COLUMNS, register_rows
    from storage.db import transaction

    pid = desk.petition_id(desk.petitions["leak"])
    office = desk.office
    csrf = await signed_in_as(desk, office.staff)
    await post(desk, pid, "claim", csrf)
    await post(desk, pid, "resolve", csrf, text="已维修楼上水管")
    clock.advance(days=3, minutes=1)
    csrf = await signed_in_as(desk, office.admin)
    assert f"/petitions/{pid}" in await (await desk.client.get("/callbacks")).text()
    assert "已记录" in await post(desk, pid, "callback", csrf, outcome="基本满意", text="修好了")
    page = await (await desk.client.get(f"/petitions/{pid}")).text()
    assert "回访结果：基本满意（修好了）" in page and 'id="record_callback"' not in page
    assert "已回访" in await post(desk, pid, "callback", csrf, outcome="不满意")
    row = petition_row(desk, pid)
    assert (row.status, row.callback_outcome) == ("resolved", "basic")
    deps = desk.harness.services.deps
    day = row.created_at.astimezone(deps.settings.tz).date()
    with transaction(deps.engine) as session:
        rows = register_rows(session, deps, start=day, end=day, community_codes=["hongqi"])
    register = dict(zip(REGISTER_COLUMNS, rows[0], strict=True))
    assert register["回访结果"] == "基本满意（修好了）"
    assert "回访 · 李主任" in page and "列入回访" in page
