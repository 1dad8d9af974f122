"""The digest's lines on the office's practice: returns per group with their rulings,
referrals per department, extensions asked, granted and refused — in the digest's week."""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from reception.org import Organisation
from reception.reports import texts as t
from storage import practice_queries, queries
from storage.enums import Decision, Ruling


@dataclass(frozen=True)
class GroupReturns:
    count: int = 0
    upheld: int = 0
    overturned: int = 0
    pending: int = 0


@dataclass(frozen=True)
class ReturnsCounts:
    """What the week's returns, referrals and extensions came to."""

    returns: dict[str, GroupReturns] = field(default_factory=dict)  # by the returning group
    referrals: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # made, done, late
    extensions: Counter[str] = field(default_factory=Counter)  # asked, approved, refused, pending
    extension_days: int = 0  # working days granted

    def lines(self) -> list[str]:
        """The digest's section; none in a week without any of them."""
        if not (self.returns or self.referrals or self.extensions["asked"]):
            return []
        out = ["", t.DIGEST_PRACTICE]
        if self.returns:
            out += [t.DIGEST_RETURNS_LINE.format(group=html.escape(name), count=g.count,
                                                 upheld=g.upheld, overturned=g.overturned,
                                                 pending=g.pending)
                    for name, g in sorted(self.returns.items(), key=lambda kv: -kv[1].count)]
        else:
            out.append(t.DIGEST_RETURNS_NONE)
        if self.referrals:
            out += [t.DIGEST_REFERRALS_LINE.format(department=html.escape(name), count=made,
                                                   done=done, late=late)
                    for name, (made, done, late) in sorted(self.referrals.items(),
                                                           key=lambda kv: -kv[1][0])]
        else:
            out.append(t.DIGEST_REFERRALS_NONE)
        if self.extensions["asked"]:
            out.append(t.DIGEST_EXTENSIONS_LINE.format(
                count=self.extensions["asked"], approved=self.extensions["approved"],
                refused=self.extensions["refused"], pending=self.extensions["pending"],
                days=self.extension_days))
        else:
            out.append(t.DIGEST_EXTENSIONS_NONE)
        return out


def returns_counts(session: Session, org: Organisation, *, since: datetime, until: datetime,
                    communities: list[str], now: datetime) -> ReturnsCounts:
    """Returns, referrals and extensions made in ``[since, until)`` on the communities."""
    returns: dict[str, GroupReturns] = {}
    for returned in practice_queries.returns_between(session, since=since, until=until,
                                                     communities=communities):
        group = queries.group_by_chat(session, returned.from_chat_id) if returned.from_chat_id else None
        name = (group.title if group else "") or t.DIGEST_NO_GROUP
        seen = returns.get(name, GroupReturns())
        returns[name] = GroupReturns(
            count=seen.count + 1, upheld=seen.upheld + (returned.ruling == Ruling.UPHELD),
            overturned=seen.overturned + (returned.ruling == Ruling.OVERTURNED),
            pending=seen.pending + (returned.ruling is None))
    referrals: dict[str, tuple[int, int, int]] = {}
    for referral in practice_queries.referrals_between(session, since=since, until=until,
                                                       communities=communities):
        department = org.departments.get(referral.department)
        name = department.name if department else referral.department
        made, done, late = referrals.get(name, (0, 0, 0))
        finished = referral.done_at or now
        referrals[name] = (made + 1, done + (referral.done_at is not None),
                           late + (finished > referral.due_at))
    extensions: Counter[str] = Counter()
    days = 0
    for extension in practice_queries.extensions_between(session, since=since, until=until,
                                                         communities=communities):
        extensions["asked"] += 1
        extensions[extension.decision or "pending"] += 1
        days += extension.days if extension.decision == Decision.APPROVED else 0
    return ReturnsCounts(returns=returns, referrals=referrals, extensions=extensions,
                          extension_days=days)
