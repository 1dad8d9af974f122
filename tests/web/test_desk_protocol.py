"""The desk's protocol: sign-in by link and by Mini App initData, CSRF, scope, masking."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlmodel import Session, select

from storage.models import PetitionMessage
from tests.web.conftest import CSRF
from web.initdata import sign_init_data


async def test_link_signs_in_once(desk):
    token = await desk.link_token(desk.office.staff)
    page = await desk.client.get(f"/login/{token}")
    csrf = CSRF.search(await page.text()).group(1)
    first = await desk.client.post("/login", data={"csrf": csrf, "token": token}, allow_redirects=False)
    assert first.status == 303
    assert "HttpOnly" in first.headers["Set-Cookie"] and "SameSite=Strict" in first.headers["Set-Cookie"]
    home = await desk.client.get("/")
    assert "今日概览" in await home.text()
    desk.client.session.cookie_jar.clear()
    page = await desk.client.get(f"/login/{token}")
    csrf = CSRF.search(await page.text()).group(1)
    again = await desk.client.post("/login", data={"csrf": csrf, "token": token}, allow_redirects=False)
    assert again.status == 403
    assert "已使用或已过期" in await again.text()


async def test_expired_link_is_refused(desk):
    token = await desk.link_token(desk.office.staff)
    desk.harness.clock.advance(timedelta(minutes=11))
    page = await desk.client.get(f"/login/{token}")
    csrf = CSRF.search(await page.text()).group(1)
    answer = await desk.client.post("/login", data={"csrf": csrf, "token": token}, allow_redirects=False)
    assert answer.status == 403


async def test_web_is_refused_to_non_staff(desk):
    outsider = desk.office.outsider
    await desk.office.say(outsider, outsider.id, "/web")
    assert "/login/" not in desk.office.last_text(outsider.id)


async def test_pages_need_a_session(desk):
    answer = await desk.client.get("/petitions", allow_redirects=False)
    assert answer.status == 302 and answer.headers["Location"] == "/signin"


def _init_data(desk, user_id: int, *, token: str | None = None, age: timedelta = timedelta(0)) -> str:
    now = desk.harness.clock.now() - age
    fields = {"auth_date": str(int(now.timestamp())), "query_id": "AAH1",
              "user": json.dumps({"id": user_id, "first_name": "x"}, separators=(",", ":"))}
    return sign_init_data(fields, bot_token=token or desk.office.emu.token)


async def _post_init_data(desk, init_data: str):
    page = await desk.client.get("/app")
    csrf = CSRF.search(await page.text()).group(1)
    return await desk.client.post("/auth/webapp", data={"csrf": csrf, "init_data": init_data},
                                  allow_redirects=False)


async def test_mini_app_init_data_signs_in(desk):
    answer = await _post_init_data(desk, _init_data(desk, desk.office.staff.id))
    assert answer.status == 303
    assert "今日概览" in await (await desk.client.get("/")).text()


async def test_forged_stale_or_outsider_init_data_is_refused(desk):
    forged = _init_data(desk, desk.office.staff.id, token="123:not-the-bot-token")
    tampered = _init_data(desk, desk.office.outsider.id).replace(
        str(desk.office.outsider.id), str(desk.office.staff.id))
    stale = _init_data(desk, desk.office.staff.id, age=timedelta(hours=2))
    outsider = _init_data(desk, desk.office.outsider.id)
    for init_data in (forged, tampered, stale, outsider, "", "hash=abc"):
        answer = await _post_init_data(desk, init_data)
        assert answer.status == 403, init_data
        assert "minyuan_session" not in answer.cookies


async def test_post_without_csrf_is_refused(desk):
    await desk.sign_in(desk.office.staff)
    pid = desk.petition_id(desk.petitions["leak"])
    answer = await desk.client.post(f"/petitions/{pid}/claim", data={"csrf": "wrong"})
    assert answer.status == 403
    page = await desk.client.get(f"/petitions/{pid}")
    assert "待受理" in await page.text()  # nothing changed


async def test_login_attempts_are_rate_limited(desk):
    page = await desk.client.get("/login/x")
    csrf = CSRF.search(await page.text()).group(1)
    statuses = [(await desk.client.post("/login", data={"csrf": csrf, "token": f"guess{i}"})).status
                for i in range(12)]
    assert statuses[:10] == [403] * 10 and statuses[10:] == [429, 429]


async def test_supervisor_sees_own_street_only(desk):
    await desk.sign_in(desk.office.supervisor)
    listing = await (await desk.client.get("/petitions")).text()
    assert desk.petitions["leak"] in listing
    assert desk.petitions["other_street"] not in listing
    other = desk.petition_id(desk.petitions["other_street"])
    page = await desk.client.get(f"/petitions/{other}")
    assert page.status == 404 and desk.petitions["other_street"] not in await page.text()
    refused = await desk.client.get("/petitions?community=chaoyang")
    assert desk.petitions["other_street"] not in await refused.text()


async def test_actions_go_through_the_desk_and_refuse_like_chat(desk):
    csrf = await desk.sign_in(desk.office.staff)
    pid = desk.petition_id(desk.petitions["leak"])
    claimed = await (await desk.client.post(f"/petitions/{pid}/claim", data={"csrf": csrf})).text()
    assert "办理中" in claimed
    resolved = await desk.client.post(f"/petitions/{pid}/resolve", data={"csrf": csrf, "text": "已修好"})
    assert "已办结" in await resolved.text()
    refused = await (await desk.client.post(f"/petitions/{pid}/claim", data={"csrf": csrf})).text()
    assert 'id="notice"' in refused and "已办结" in refused
    await desk.harness.settle()
    told = [m.text for m in desk.office.emu.bot_messages(desk.residents["leak"].id)]
    assert any("已修好" in t for t in told), "the resident hears the result, as from chat"


async def test_contact_is_masked_unless_the_handler_asks(desk):
    pid = desk.petition_id(desk.petitions["leak"])
    csrf = await desk.sign_in(desk.office.staff)
    await desk.client.post(f"/petitions/{pid}/claim", data={"csrf": csrf})
    page = await (await desk.client.get(f"/petitions/{pid}")).text()
    assert "13812345678" not in page
    shown = await (await desk.client.post(f"/petitions/{pid}/contact", data={"csrf": csrf})).text()
    assert "13812345678" in shown and "查看居民联系方式" in shown
    desk.client.session.cookie_jar.clear()
    csrf2 = await desk.sign_in(desk.office.staff2)
    other = await (await desk.client.post(f"/petitions/{pid}/contact", data={"csrf": csrf2})).text()
    assert "13812345678" not in other


async def test_filters_narrow_the_list(desk):
    await desk.sign_in(desk.office.staff)
    everything = await (await desk.client.get("/petitions")).text()
    assert desk.petitions["leak"] in everything
    overdue = await (await desk.client.get("/petitions?overdue=1")).text()
    assert desk.petitions["leak"] not in overdue
    desk.harness.clock.advance(timedelta(days=3))  # past the deadlines, and past the session
    await desk.sign_in(desk.office.staff)
    overdue = await (await desk.client.get("/petitions?overdue=1")).text()
    assert desk.petitions["leak"] in overdue


async def test_expired_sessions_and_links_are_purged_by_the_scheduled_job(desk):
    from bot.scheduling import _purge_sign_ins
    from handlers.common import Context
    from storage.models import WebLogin, WebSession

    def rows() -> tuple[int, int]:
        with Session(desk.harness.services.deps.engine) as session:
            return (len(session.exec(select(WebSession)).all()), len(session.exec(select(WebLogin)).all()))

    await desk.sign_in(desk.office.staff)  # a used link and a session
    await desk.link_token(desk.office.staff)  # a link never used
    job = Context(desk.harness.app)  # what the job queue hands the job
    desk.harness.clock.advance(timedelta(minutes=11))  # both links expired, the session lives
    await _purge_sign_ins(job)
    assert rows() == (1, 0)
    assert (await desk.client.get("/", allow_redirects=False)).status == 200
    desk.harness.clock.advance(timedelta(hours=12))
    await _purge_sign_ins(job)
    assert rows() == (0, 0)
    answer = await desk.client.get("/", allow_redirects=False)
    assert answer.status == 302 and answer.headers["Location"] == "/signin"


async def test_attachments_come_through_the_bot_to_those_who_may_see_them(desk):
    from tgemu.samples import SAMPLE_JPEG

    emu, wang, liu = desk.office.emu, desk.residents["leak"], desk.residents["other_street"]
    emu.send_photo(wang, wang.id, caption="天花板的照片，联系电话13812345678")
    emu.send_document(wang, wang.id, "维修报价.pdf", data=b"%PDF-1.4 quote")
    emu.send_photo(liu, liu.id, caption="门口的垃圾")
    await desk.harness.settle()
    await desk.sign_in(desk.office.supervisor)
    leak = desk.petition_id(desk.petitions["leak"])
    page = await (await desk.client.get(f"/petitions/{leak}")).text()
    assert "附件" in page and "13812345678" not in page and "138****5678" in page
    links = re.findall(rf'href="(/petitions/{leak}/files/\d+)"', page)
    assert len(links) == 2  # the photo (shown) and the document (a link)
    photo = await desk.client.get(links[0])
    assert photo.status == 200 and photo.headers["Content-Type"] == "image/jpeg"
    assert await photo.read() == SAMPLE_JPEG and photo.headers["Cache-Control"] == "no-store"
    document = await desk.client.get(links[1])
    assert await document.read() == b"%PDF-1.4 quote"
    assert document.headers["Content-Disposition"].startswith("attachment")
    assert document.headers["Content-Type"] == "application/octet-stream"

    other = desk.petition_id(desk.petitions["other_street"])
    with Session(desk.harness.services.deps.engine) as session:  # another street's file, by its id
        theirs = session.exec(select(PetitionMessage.id).where(
            PetitionMessage.petition_id == other, PetitionMessage.kind == "photo")).one()
    for path in (f"/petitions/{other}/files/{theirs}", f"/petitions/{leak}/files/{theirs}"):
        refused = await desk.client.get(path)
        assert refused.status == 404 and refused.headers["Content-Type"].startswith("text/html")
    desk.client.session.cookie_jar.clear()
    assert (await desk.client.get(links[0], allow_redirects=False)).status == 302
