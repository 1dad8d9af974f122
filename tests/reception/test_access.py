"""Who may do what, called directly: invites, joining, binding, scope checks, chat scope."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reception import texts
from reception.clock import ManualClock
from reception.errors import InvalidInput, NotAllowed, NotFound
from reception.handling.access import Access
from storage import queries
from storage.db import transaction
from storage.models import Petition
from tests.clocks import bj
from tests.domain import (
    DISTRICT_TG,
    HANDLER_TG,
    HONGQI_GROUP,
    QINGNIAN_GROUP,
    QINGNIAN_TG,
    STREET_GROUP,
    SUPERVISOR_TG,
    make_deps,
    seed_office,
)


@pytest.fixture
def deps(tmp_path):
    deps = make_deps(f"sqlite:///{tmp_path / 'minyuan.db'}", ManualClock(bj(2026, 11, 23, 9)))
    seed_office(deps)
    yield deps
    deps.engine.dispose()


@pytest.fixture
def access(deps):
    return Access(deps)


def staff(deps, tg_user_id: int):
    with transaction(deps.engine) as session:
        row = queries.staff_by_tg(session, tg_user_id)
        session.expunge(row)
        return row


def hongqi_petition() -> Petition:
    return Petition(number="MY-1", status="submitted", community_code="hongqi",
                    street_code="xinhua", category="物业管理", text="", created_at=bj(2026, 11, 23),
                    last_message_at=bj(2026, 11, 23))


def test_an_invite_is_used_once_and_expires(deps, access):
    code = access.create_invite(role="staff", scope_code="hongqi", days=1)
    welcome = access.join(tg_user_id=8001, name="新同事", code=code.lower())
    assert welcome == texts.JOIN_OK.format(name="新同事", scope=deps.org.communities["hongqi"].name,
                                           role=texts.ROLE_LABELS["staff"])
    with pytest.raises(NotFound, match=texts.JOIN_BAD_CODE):
        access.join(tg_user_id=8002, name="又一位", code=code)
    late = access.create_invite(role="staff", scope_code="hongqi", days=1)
    deps.clock.advance(timedelta(days=2))
    with pytest.raises(NotFound):
        access.join(tg_user_id=8003, name="来晚了", code=late)


def test_an_invite_names_a_real_role_and_scope(access):
    with pytest.raises(InvalidInput):
        access.create_invite(role="boss", scope_code="hongqi")
    with pytest.raises(InvalidInput):
        access.create_invite(role="staff", scope_code="atlantis")


def test_only_an_admin_of_the_scope_binds_a_group(deps, access):
    with pytest.raises(NotAllowed, match=texts.NOT_ADMIN):
        access.bind(tg_user_id=HANDLER_TG, chat_id=-100_4001, title="新群", is_forum=False,
                    args=["hongqi"])
    with pytest.raises(NotAllowed, match=texts.NOT_STAFF):
        access.bind(tg_user_id=12345, chat_id=-100_4001, title="新群", is_forum=False,
                    args=["hongqi"])


@pytest.mark.parametrize(("tg_user_id", "allowed"), [
    (HANDLER_TG, True),  # hongqi's own staff
    (SUPERVISOR_TG, True),  # the street's supervisor covers its communities
    (DISTRICT_TG, True),  # so does the district's
    (QINGNIAN_TG, False),  # another community's staff
])
def test_scope_follows_the_organisation(deps, access, tg_user_id, allowed):
    member = staff(deps, tg_user_id)
    if allowed:
        access.require_scope(member, hongqi_petition())
    else:
        with pytest.raises(NotAllowed, match=texts.NOT_IN_SCOPE):
            access.require_scope(member, hongqi_petition())


def test_a_group_shows_only_the_communities_it_and_the_member_share(deps, access):
    supervisor = staff(deps, SUPERVISOR_TG)
    with transaction(deps.engine) as session:
        assert access.chat_scope(session, supervisor, SUPERVISOR_TG) == ["hongqi", "qingnian"]
        assert access.chat_scope(session, supervisor, STREET_GROUP) == ["hongqi", "qingnian"]
        assert access.chat_scope(session, supervisor, QINGNIAN_GROUP) == ["qingnian"]
        handler = staff(deps, HANDLER_TG)
        with pytest.raises(NotAllowed, match=texts.NOT_YOUR_GROUP):
            access.chat_scope(session, handler, QINGNIAN_GROUP)
        with pytest.raises(NotAllowed, match=texts.GROUP_NOT_BOUND):
            access.chat_scope(session, handler, -100_2999)  # the street's old, inactive group
        with pytest.raises(NotAllowed, match=texts.NOT_IN_CHAT_SCOPE):
            access.require_scope(supervisor, hongqi_petition(), session=session,
                                 chat_id=QINGNIAN_GROUP)


def test_staff_in_chat(access):
    assert access.staff_in_chat(tg_user_id=HANDLER_TG, chat_id=HONGQI_GROUP)
    assert not access.staff_in_chat(tg_user_id=HANDLER_TG, chat_id=QINGNIAN_GROUP)
    assert not access.staff_in_chat(tg_user_id=12345, chat_id=HONGQI_GROUP)
