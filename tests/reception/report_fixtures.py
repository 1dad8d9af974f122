"""Helpers for the digest, metrics and register tests: real Deps on a fresh SQLite file.

Petitions are inserted as rows with chosen timestamps, so each test states exactly what
happened and when; no flow through the desk is needed to count it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from pathlib import Path

from reception.clock import ManualClock
from reception.deps import Deps, Settings
from storage.db import transaction
from storage.models import Petition, Resident, Staff, StaffGroup
from tests import domain
from tests.clocks import BEIJING, bj

# Monday 23 November 2026, 09:00 in Shanghai: the digest of 16–22 November goes out.
DIGEST_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=BEIJING)

_numbers = count(1)


def make_deps(tmp_path: Path, clock: ManualClock | None = None) -> Deps:
    return domain.make_deps(f"sqlite:///{tmp_path / 'reports.db'}", clock or ManualClock(DIGEST_MORNING),
                            Settings(reports_dir=tmp_path / "reports"))


def petition(created_at: datetime, **fields) -> Petition:
    """A petition received at ``created_at`` in 红旗社区 grid g1, still open, unless told."""
    number = fields.pop("number", None) or f"MY-{created_at:%Y%m%d}-{next(_numbers):04d}"
    values = dict(
        number=number, status="submitted", community_code="hongqi", street_code="xinhua",
        grid_code="g1", category="物业管理", text="楼道灯坏了", created_at=created_at,
        last_message_at=created_at,
    )
    values.update(fields)
    return Petition(**values)


def add(deps: Deps, *rows: Petition | Resident | Staff | StaffGroup) -> None:
    with transaction(deps.engine) as session:
        for row in rows:
            session.add(row)


def staff(tg_user_id: int, name: str, *, scope_kind: str = "community",
          scope_code: str = "hongqi", active: bool = True) -> Staff:
    return Staff(tg_user_id=tg_user_id, name=name, role="staff", scope_kind=scope_kind,
                 scope_code=scope_code, active=active, joined_at=bj(2026, 11, 1))


def group(chat_id: int, scope_kind: str, scope_code: str, *, active: bool = True) -> StaffGroup:
    return StaffGroup(chat_id=chat_id, title=f"{scope_code} group", scope_kind=scope_kind,
                      scope_code=scope_code, active=active, bound_by=1, bound_at=bj(2026, 11, 1))


def add_staff(deps: Deps, tg_user_id: int, name: str, **kwargs) -> int:
    row = staff(tg_user_id, name, **kwargs)
    add(deps, row)
    assert row.id is not None
    return row.id


def resident(tg_user_id: int, name: str, phone: str | None = None) -> Resident:
    return Resident(tg_user_id=tg_user_id, name=name, phone=phone, community_code="hongqi",
                    created_at=bj(2026, 11, 1))


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
