"""Desk fixtures: an office on the emulator with a second street, and the desk served over HTTP."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.desk_files import BotFiles
from bot.harness import Harness
from tests.browser import browser, phone_page  # noqa: F401  (fixtures)
from tests.office import open_office
from web.app import RateLimiter, desk_app

NUMBER = re.compile(r"MY-\d{8}-\d{4}")
LINK = re.compile(r"/login/([A-Za-z0-9_-]+)")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
WEB_URL = "http://127.0.0.1:8080"

SECOND_STREET = """
[streets.dongfeng]
name = "东风街道"
district = "heping"

[communities.chaoyang]
name = "朝阳社区"
street = "dongfeng"
address = "东风路1号"

[communities.chaoyang.grids.g1]
name = "第一网格"
buildings = ["1", "2"]
"""


@pytest.fixture
def desk_config(config, tmp_path):
    org = tmp_path / "org.toml"
    shipped = Path(config.reception.organisation).read_text(encoding="utf-8")
    org.write_text(shipped + SECOND_STREET, encoding="utf-8")
    return replace(config, reception=replace(config.reception, organisation=org))


@dataclass
class Desk:
    office: object
    client: TestClient
    petitions: dict[str, str]  # label -> number
    residents: dict[str, object]  # label -> the resident who sent it

    @property
    def harness(self) -> Harness:
        return self.office.harness

    def petition_id(self, number: str) -> int:
        from sqlmodel import Session, select

        from storage.models import Petition

        with Session(self.harness.services.deps.engine) as session:
            return session.exec(select(Petition.id).where(Petition.number == number)).one()

    async def link_token(self, user) -> str:
        await self.office.say(user, user.id, "/web")
        # The newest link: a job (reminders, the call-back list) may have spoken since.
        links = [LINK.search(m.text or "") for m in self.office.emu.bot_messages(user.id)]
        return [found for found in links if found][-1].group(1)

    async def sign_in(self, user) -> str:
        """Sign in by link as ``user``; return the session's CSRF token."""
        token = await self.link_token(user)
        page = await self.client.get(f"/login/{token}")
        csrf = CSRF.search(await page.text()).group(1)
        answer = await self.client.post("/login", data={"csrf": csrf, "token": token},
                                        allow_redirects=False)
        assert answer.status == 303, await answer.text()
        home = await self.client.get("/")
        return CSRF.search(await home.text()).group(1)


async def _submit(office, user, text: str) -> str:
    await office.say(user, user.id, text)
    return NUMBER.search(office.last_text(user.id)).group(0)


@pytest.fixture
async def desk(desk_config, clock):
    async with Harness(config=desk_config, clock=clock, web_url=WEB_URL) as harness:
        office = await open_office(harness)
        emu = office.emu
        wang = emu.add_user(first_name="王芳")
        await office.say(wang, wang.id, "/start hongqi")
        liu = emu.add_user(first_name="刘强")
        await office.say(liu, liu.id, "/start chaoyang")
        numbers = {
            "leak": await _submit(office, wang, "3号楼2单元501 楼上漏水严重，天花板一直滴水，电话13812345678"),
            "other_street": await _submit(office, liu, "1号楼门口垃圾三天没人清理"),
        }
        app = desk_app(harness.services, bot_token=emu.token, public_url=WEB_URL,
                       limiter=RateLimiter(limit=10, window=300), files=BotFiles(harness.app.bot))
        async with TestClient(TestServer(app)) as client:
            yield Desk(office=office, client=client, petitions=numbers,
                       residents={"leak": wang, "other_street": liu})
