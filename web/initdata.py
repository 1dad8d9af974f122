"""Telegram Mini App sign-in: check ``initData`` as Telegram specifies.

https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app :
the data-check-string is every received field except ``hash``, as ``key=value`` sorted by
key and joined by line feeds; ``secret_key = HMAC_SHA256(key="WebAppData", msg=bot_token)``;
the data is genuine when ``hex(HMAC_SHA256(key=secret_key, msg=data_check_string)) == hash``.
``auth_date`` (Unix time) must be recent, or a captured string could be replayed forever.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from urllib.parse import parse_qsl


class InitDataError(ValueError):
    """initData is malformed, forged or stale; the reason is for the log, not the user."""


def check_init_data(init_data: str, *, bot_token: str, now: datetime, max_age_seconds: int) -> dict:
    """Return the Telegram user (a dict with at least ``id``) of genuine, fresh initData."""
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise InitDataError("not a query string") from exc
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("a field is repeated")
    received = fields.pop("hash", "")
    if not received:
        raise InitDataError("no hash")
    check_string = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", bot_token.encode("utf-8"), hashlib.sha256).digest()
    expected = hmac.new(secret, check_string.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, received.lower()):
        raise InitDataError("hash does not match")
    try:
        auth_date = int(fields["auth_date"])
    except (KeyError, ValueError) as exc:
        raise InitDataError("no auth_date") from exc
    age = now.timestamp() - auth_date
    if age > max_age_seconds or age < -60:
        raise InitDataError("stale auth_date")
    try:
        user = json.loads(fields["user"])
        int(user["id"])
    except (KeyError, ValueError, TypeError) as exc:
        raise InitDataError("no user") from exc
    return user


def sign_init_data(fields: dict[str, str], *, bot_token: str) -> str:
    """initData as Telegram would send it (for tests, the demo and `minyuan web --dev`)."""
    from urllib.parse import urlencode

    check_string = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", bot_token.encode("utf-8"), hashlib.sha256).digest()
    digest = hmac.new(secret, check_string.encode("utf-8"), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})
