"""The web chat: a page over the emulator where a person types as any user of it.

One aiohttp app on 127.0.0.1 serves the page (static files shipped in this package, no CDN),
a websocket that pushes every new or edited message, and small JSON endpoints that act as a
user through the same scripting calls tests use (``send_text``, ``press_button``, ...). The
bot on the other side sees ordinary updates; it cannot tell a click from a test.

The host may hand in a :class:`ClockControl` (a simulated clock the page can move forward)
and a ``layout`` that names and orders the chats; the emulator knows neither.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from importlib import resources
from typing import Any, Protocol
from urllib.parse import quote

from aiohttp import web

from tgemu.emulator import BotApiEmulator
from tgemu.webchat.view import chat_json, fingerprint, message_json, user_json

log = logging.getLogger(__name__)

STATIC = resources.files("tgemu.webchat") / "static"
_PAGES = {"/": ("index.html", "text/html"), "/app.js": ("app.js", "text/javascript"),
          "/app.css": ("app.css", "text/css")}
_HEARTBEAT = 15.0  # seconds between pushes when nothing happens (keeps the clock fresh)
PHOTO_LIMIT = 10 * 1024 * 1024

Layout = Callable[[], list[tuple[str, list[int]]]]


class ClockControl(Protocol):
    """A simulated clock the page shows and moves forward."""

    @property
    def ticking(self) -> bool:  # True when it also runs at wall speed between jumps
        ...

    def now(self) -> datetime: ...

    async def advance(self, delta: timedelta) -> str:
        """Move time forward by ``delta``, doing what falls due; return what happened."""
        ...


class WebChat:
    """Serve the web chat for ``emulator`` at ``url`` once started."""

    def __init__(self, emulator: BotApiEmulator, *, title: str = "Telegram 模拟器",
                 clock: ClockControl | None = None, layout: Layout | None = None,
                 timezone: str = "UTC", notes: list[str] | None = None) -> None:
        self.emu = emulator
        self._core = emulator._core  # same package: the page reads the world directly
        self._clock, self._layout = clock, layout
        self._meta = {"title": title, "timezone": timezone, "notes": notes or [],
                      "clock": clock is not None, "bot": user_json(emulator.bot)}
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self.url = ""

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(client_max_size=PHOTO_LIMIT + 64 * 1024)
        for path in _PAGES:
            app.router.add_get(path, self._page)
        app.router.add_get("/ws", self._socket)
        app.router.add_get("/files/{file_id}", self._file)
        for action in ("send", "edit", "photo", "album", "location", "contact", "press", "user", "group",
                       "clock"):
            app.router.add_post(f"/api/{action}", self._act)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None,
                                     shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound = self._runner.addresses[0]
        self.url = f"http://{bound[0]}:{bound[1]}/"
        return self.url

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> WebChat:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- the page and its files ----------------------------------------------------------

    async def _page(self, request: web.Request) -> web.Response:
        name, content_type = _PAGES[request.path]
        return web.Response(body=(STATIC / name).read_bytes(), content_type=content_type,
                            charset="utf-8", headers={"Cache-Control": "no-cache"})

    async def _file(self, request: web.Request) -> web.Response:
        """A photo or document sent in a chat; documents download under their own name."""
        stored = self._core.world.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound(text="no such file")
        headers = {}
        if stored.kind != "photo":
            name = stored.file_name or stored.file_path.rpartition("/")[2]
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return web.Response(body=stored.data, headers=headers,
                            content_type=stored.mime_type or "application/octet-stream")

    # --- pushing changes -------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=30)
        await ws.prepare(request)
        self._sockets.add(ws)
        pusher = asyncio.create_task(self._push(ws))
        try:
            async for _ in ws:  # the page only listens; its actions are POSTs
                pass
        finally:
            self._sockets.discard(ws)
            pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pusher
        return ws

    async def _push(self, ws: web.WebSocketResponse) -> None:
        """Send the world once, then whatever changed after each emulator notification."""
        signal = self._core.signal
        seen: dict[tuple[int, int], tuple[int, int]] = {}
        sent: dict[str, Any] = {"answers": set()}
        first = True
        while not ws.closed:
            version = signal.version
            batch = self._changes(seen, sent)
            if first:
                batch["meta"], first = self._meta, False
            try:
                await ws.send_json(batch)
            except ConnectionError:
                return
            if signal.version == version:  # nothing new while we were sending
                await signal.wait(_HEARTBEAT)
            await asyncio.sleep(0.02)  # one batch for a burst of edits

    def _changes(self, seen: dict[tuple[int, int], tuple[int, int]],
                 sent: dict[str, Any]) -> dict[str, Any]:
        world = self._core.world
        batch: dict[str, Any] = {"now": self._clock.now().isoformat() if self._clock else None}
        messages = []
        for chat_id in list(world.chats):
            for message in world.messages(chat_id):
                key = (chat_id, message.message_id)
                if seen.get(key) != (mark := fingerprint(message)):
                    seen[key] = mark
                    messages.append(message_json(message))
        if messages:
            batch["messages"] = messages
        users = [user_json(u) for u in world.users.values()]
        chats = [chat_json(self._core, c) for c in world.chats.values()
                 if c.user is None or not c.user.is_bot]
        layout = self._layout() if self._layout else []
        for part, value in (("users", users), ("chats", chats), ("layout", layout)):
            if sent.get(part) != value:
                batch[part] = sent[part] = value
        answers = {qid: a for qid, a in self._core.callback_answers.items()
                   if qid not in sent["answers"]}
        if answers:
            batch["answers"] = answers
            sent["answers"].update(answers)
        return batch

    # --- acting as a user ------------------------------------------------------------------

    async def _act(self, request: web.Request) -> web.Response:
        action = request.path.rpartition("/")[2]
        try:
            if request.content_type.startswith("multipart/"):
                form = await request.post()
                body: dict[str, Any] = {k: v for k, v in form.items()}
                body["photos"] = form.getall("photos", [])  # an album's several files
            else:
                body = await request.json()
            result = await getattr(self, f"_do_{action}")(body)
        except (ValueError, LookupError, RuntimeError, TypeError) as exc:
            log.info("web chat %s refused: %s", action, exc)
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response(result or {})

    def _user(self, body: dict[str, Any]) -> Any:
        user = self._core.world.users.get(int(body["user"]))
        if user is None or user.is_bot:
            raise LookupError(f"no user {body['user']}")
        return user

    def _reply(self, body: dict[str, Any]) -> int | None:
        value = body.get("reply_to")
        return int(value) if value not in (None, "", "null") else None

    async def _do_send(self, body: dict[str, Any]) -> dict[str, Any]:
        text = str(body.get("text", "")).strip()
        if not text:
            raise ValueError("空消息不会发送")
        thread = body.get("thread")
        message = self.emu.send_text(self._user(body), int(body["chat"]), text,
                                     reply_to=self._reply(body),
                                     thread_id=int(thread) if thread else None)
        return {"id": message.message_id}

    async def _do_photo(self, body: dict[str, Any]) -> dict[str, Any]:
        upload = body.get("photo")
        data = upload.file.read() if isinstance(upload, web.FileField) else None
        message = self.emu.send_photo(self._user(body), int(body["chat"]),
                                      caption=str(body.get("caption") or "") or None,
                                      reply_to=self._reply(body), data=data or None)
        return {"id": message.message_id}

    async def _do_edit(self, body: dict[str, Any]) -> dict[str, Any]:
        """A user edits a message of their own (the bot gets an ``edited_message``)."""
        text = str(body.get("text", "")).strip()
        if not text:
            raise ValueError("修改后的消息不能为空")
        message = self.emu.edit_text(self._user(body), int(body["chat"]), int(body["message"]), text)
        return {"id": message.message_id}

    async def _do_album(self, body: dict[str, Any]) -> dict[str, Any]:
        """Several photos at once, as Telegram sends an album (one media_group_id)."""
        photos = [upload.file.read() for upload in body.get("photos", [])
                  if isinstance(upload, web.FileField)]
        if not 2 <= len(photos) <= 10:
            raise ValueError("相册需要 2 到 10 张照片")
        messages = self.emu.send_album(self._user(body), int(body["chat"]), len(photos),
                                       caption=str(body.get("caption") or "") or None, photos=photos)
        return {"ids": [m.message_id for m in messages]}

    async def _do_location(self, body: dict[str, Any]) -> dict[str, Any]:
        latitude, longitude = float(body["latitude"]), float(body["longitude"])
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValueError("坐标超出范围")
        message = self.emu.send_location(self._user(body), int(body["chat"]), latitude, longitude)
        return {"id": message.message_id}

    async def _do_contact(self, body: dict[str, Any]) -> dict[str, Any]:
        phone = str(body.get("phone", "")).strip()
        if not phone:
            raise ValueError("请填写电话号码")
        message = self.emu.send_contact(self._user(body), int(body["chat"]), phone)
        return {"id": message.message_id}

    async def _do_press(self, body: dict[str, Any]) -> dict[str, Any]:
        query_id = self.emu.press_button(self._user(body), int(body["chat"]),
                                         int(body["message"]), str(body["data"]))
        return {"query": query_id}

    async def _do_user(self, body: dict[str, Any]) -> dict[str, Any]:
        name = str(body.get("name", "")).strip()
        if not name:
            raise ValueError("请填写名字")
        return user_json(self.emu.add_user(first_name=name[:64]))

    async def _do_group(self, body: dict[str, Any]) -> dict[str, Any]:
        title = str(body.get("title", "")).strip()
        if not title:
            raise ValueError("请填写群名")
        members = [self._user({"user": uid}) for uid in body.get("members", [])]
        chat = self.emu.add_group(title[:128], forum=bool(body.get("forum")), members=members)
        self._core.notify()
        return {"id": chat.id}

    async def _do_clock(self, body: dict[str, Any]) -> dict[str, Any]:
        if self._clock is None:
            raise LookupError("这个模拟器没有可调的时钟")
        minutes = float(body["minutes"])
        if minutes <= 0:
            raise ValueError("时间只能向前走")
        if minutes > 60 * 24 * 31:
            raise ValueError("一次最多前进 31 天")
        summary = await self._clock.advance(timedelta(minutes=minutes))
        self._core.notify()
        return {"summary": summary, "now": self._clock.now().isoformat()}
