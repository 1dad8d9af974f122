"""Signing in to the supervisors' desk: one-time links sent by the bot, and sessions.

Tokens are random (``secrets.token_urlsafe``) and kept only as SHA-256 hashes, so a copy of
the database does not let anyone sign in. A link expires after ``LINK_TTL`` and works once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from reception import texts
from reception.deps import Deps
from reception.errors import NotAllowed
from reception.handling.access import Access
from storage import sign_ins
from storage.db import transaction
from storage.models import Staff, WebLogin, WebSession
from storage.tables import saved_id

LINK_TTL = timedelta(minutes=10)
SESSION_TTL = timedelta(hours=12)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    token: str  # goes into the cookie, never into a log
    csrf: str
    staff_id: int


class SignIn:
    def __init__(self, deps: Deps, access: Access) -> None:
        self.deps = deps
        self.access = access

    def issue_link(self, *, tg_user_id: int) -> str:
        """A one-time login token for a registered staff member (raises NotAllowed otherwise)."""
        token = secrets.token_urlsafe(32)
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            session.add(WebLogin(token_hash=token_hash(token), staff_id=saved_id(staff), created_at=now,
                                 expires_at=now + LINK_TTL))
        return token

    def redeem_link(self, *, token: str) -> SignedIn:
        """Use a login link once; raises NotAllowed when unknown, used or expired."""
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            login = session.get(WebLogin, token_hash(token))
            if login is None or login.used_at is not None or login.expires_at < now:
                raise NotAllowed(texts.WEB_LINK_INVALID)
            login.used_at = now
            staff = session.get(Staff, login.staff_id)
            if staff is None or not staff.active:
                raise NotAllowed(texts.NOT_STAFF)
            return self._open(session, staff)

    def sign_in_telegram(self, *, tg_user_id: int) -> SignedIn:
        """A session for a Telegram user whose identity was already verified (Mini App)."""
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            return self._open(session, staff)

    def staff_of(self, *, token: str) -> tuple[Staff, str] | None:
        """The active staff member and CSRF token of a live session, or None."""
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            row = session.get(WebSession, token_hash(token))
            if row is None or row.expires_at < now:
                return None
            staff = session.get(Staff, row.staff_id)
            if staff is None or not staff.active:
                return None
            return staff, row.csrf

    def sign_out(self, *, token: str) -> None:
        with transaction(self.deps.engine) as session:
            row = session.get(WebSession, token_hash(token))
            if row is not None:
                session.delete(row)

    def purge(self) -> int:
        """Forget expired sessions and login links (used or not); returns how many rows.

        Only hashes are kept, so this is housekeeping rather than secrecy: the tables stay
        the size of the staff who are signed in now, not of every sign-in there ever was."""
        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            return sign_ins.purge_expired(session, now=now)

    def _open(self, session: Session, staff: Staff) -> SignedIn:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        now = self.deps.clock.now()
        session.add(WebSession(token_hash=token_hash(token), staff_id=saved_id(staff), csrf=csrf,
                               created_at=now, expires_at=now + SESSION_TTL))
        return SignedIn(token=token, csrf=csrf, staff_id=saved_id(staff))

