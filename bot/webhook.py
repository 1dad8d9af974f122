"""Webhook mode: an aiohttp endpoint that answers Telegram only after the update is stored.

Telegram delivers an update again until the webhook answers 2xx
(https://core.telegram.org/bots/api#setwebhook), so the answer is the confirmation: 200 once
the inbox has committed it, 500 when the database could not take it (Telegram retries).
The secret token Telegram echoes in X-Telegram-Bot-Api-Secret-Token is checked first.
"""

from __future__ import annotations

import hmac
import json
import logging
import re

from aiohttp import web

from bot.inbox import UpdateWorker, arrivals

log = logging.getLogger(__name__)

_UPDATE_ID = re.compile(rb'"update_id"\s*:\s*(\d+)')
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram"


def webhook_app(worker: UpdateWorker, *, path: str, secret: str | None) -> web.Application:
    """An aiohttp application with one route: POST ``path``."""

    async def receive(request: web.Request) -> web.Response:
        if secret and not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            log.warning("webhook call without the right secret token from %s", request.remote)
            return web.Response(status=403)
        body = await request.read()
        try:
            raw = json.loads(body)
        except ValueError as exc:
            return await _unreadable(worker, body, exc)
        good, bad = arrivals([raw])
        try:
            stored = await worker.run(worker.inbox.receive, good)
            for update_id, text, why in bad:
                await worker.run(worker.inbox.receive_unreadable, update_id=update_id,
                                 payload=text, error=why)
        except Exception:
            log.exception("could not store a webhook update; Telegram will send it again")
            return web.Response(status=500)
        worker.take(stored)
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post(path, receive)
    return app


async def _unreadable(worker: UpdateWorker, body: bytes, exc: Exception) -> web.Response:
    """Not JSON: keep it as a dead letter when it names an update_id, log it otherwise; 200
    either way, since sending it again would not make it readable."""
    match = _UPDATE_ID.search(body)
    if match is None:
        log.error("webhook body is not an update and names no update_id: %r (%.300r)", exc, body)
        return web.Response(status=200)
    try:
        await worker.run(worker.inbox.receive_unreadable, update_id=int(match.group(1)),
                         payload=body.decode("utf-8", "replace"), error=f"not JSON: {exc}")
    except Exception:
        log.exception("could not store an unreadable webhook update")
        return web.Response(status=500)
    return web.Response(status=200)
