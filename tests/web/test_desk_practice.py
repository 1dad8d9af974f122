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
