"""The desk's aiohttp application: sign-in, overview, petition list, petition page, actions
(the plan and the reports are in web/reports.py).

Safe by default: the session cookie is HttpOnly and SameSite=Strict; every POST carries the
session's CSRF token (or, before sign-in, a double-submit cookie); sign-in attempts are
rate-limited per address; nothing personal goes into a URL (search text is posted) or a log
(no access log; our log lines name the route, never the path or the query).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import NoReturn, Protocol
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from reception.deps import Deps
from reception.errors import ReceptionError
from reception.handling.access import Access
from reception.handling.desk import Desk
from reception.handling.extensions import Extensions
from reception.handling.referrals import Referrals
from reception.handling.returns import Returns
from reception.handling.signin import SignedIn, SignIn
from reception.petition.states import OPEN_STATUSES, Status, status_label
from reception.reports import texts as rt
from reception.reports.board import Board
from storage.board import Filters
from web.initdata import InitDataError, check_init_data

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
SESSION_COOKIE = "minyuan_session"
PRE_CSRF_COOKIE = "minyuan_csrf"


class DeskServices(Protocol):
    """What the desk uses of the domain services (bot.wiring.Services has them all)."""

    @property
    def deps(self) -> Deps: ...
    @property
    def access(self) -> Access: ...
    @property
    def desk(self) -> Desk: ...
    @property
    def signin(self) -> SignIn: ...
    @property
    def board(self) -> Board: ...
    @property
    def returns(self) -> Returns: ...
    @property
    def referrals(self) -> Referrals: ...
    @property
    def extensions(self) -> Extensions: ...


class FileSource(Protocol):
    """Where the residents' files are: the bot's file download (bot.desk_files)."""

    async def download(self, file_id: str) -> bytes:
        """The file's bytes; raises FileUnavailable when it cannot be had now."""
        ...


class FileUnavailable(Exception):
    """The bot could not download a file (Telegram unreachable, the file gone or too big)."""


SERVICES: web.AppKey[DeskServices] = web.AppKey("services")
FILES: web.AppKey[FileSource | None] = web.AppKey("files")
SETTINGS = web.AppKey("settings", dict)
LIMITER: web.AppKey[RateLimiter] = web.AppKey("limiter")
TEMPLATES = web.AppKey("templates", jinja2.Environment)
STAFF = web.RequestKey("staff", object)
CSRF = web.RequestKey("csrf", str)


class RateLimiter:
    """At most ``limit`` attempts per ``window`` seconds per key (the client address)."""

    def __init__(self, *, limit: int = 10, window: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str) -> bool:
        now, seen = self.clock(), self._seen[key]
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(seen) >= self.limit:
            return False
        seen.append(now)
        return True


def desk_app(services: DeskServices, *, bot_token: str | None, public_url: str,
             initdata_max_age_seconds: int = 3600, limiter: RateLimiter | None = None,
             files: FileSource | None = None) -> web.Application:
    """The desk over the domain services (bot.wiring.Services); ``files`` serves the
    residents' attachments (without it the petition page lists them, unopenable)."""
    app = web.Application(middlewares=[_errors, _security_headers])
    app[SERVICES] = services
    app[FILES] = files
    app[SETTINGS] = {"bot_token": bot_token, "public_url": public_url,
                     "secure": public_url.startswith("https://"),
                     "max_age": initdata_max_age_seconds}
    app[LIMITER] = limiter or RateLimiter()
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    env.globals["status_labels"] = {s.value: status_label(s) for s in Status}
    env.filters["pp"] = lambda v: "—" if v is None else (f"↑{v:.1f}" if v > 0 else f"↓{-v:.1f}" if v < 0 else "持平")
    tz = services.deps.settings.tz
    env.filters["t"] = lambda d: "—" if d is None else d.astimezone(tz).strftime("%m-%d %H:%M")
    app[TEMPLATES] = env
    r = app.router
    r.add_get("/", overview, name="overview")
    r.add_get("/signin", signin_page, name="signin")
    r.add_get("/login/{token}", login_page, name="login")
    r.add_post("/login", login_post, name="login_post")
    r.add_get("/app", miniapp_page, name="miniapp")
    r.add_post("/auth/webapp", webapp_post, name="webapp_post")
    r.add_post("/logout", logout, name="logout")
    r.add_get("/petitions", petition_list, name="list")
    r.add_post("/petitions", petition_search, name="search")
    r.add_get("/petitions/{id:\\d+}", petition_page, name="petition")
    r.add_post("/petitions/{id:\\d+}/{action}", petition_action, name="action")
    r.add_get("/petitions/{id:\\d+}/files/{file:\\d+}", petition_file, name="file")
    # The plan and the reports live in web/reports.py, which builds on this module's plumbing.
    from web import reports

    reports.add_routes(r)
    r.add_static("/static/", HERE / "static", name="static")
    return app


# --- plumbing -------------------------------------------------------------------------------
@web.middleware
async def _errors(request: web.Request, handler):
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("desk error on route %s", request.match_info.route.name)
        return _render(request, "message.html", {"title": "出错了", "text": "服务器出现问题，请稍后再试。"},
                       status=500)


@web.middleware
async def _security_headers(request: web.Request, handler):
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; frame-ancestors 'self' https://web.telegram.org")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _render(request: web.Request, name: str, context: dict, *, status: int = 200,
            csrf: str | None = None) -> web.Response:
    template = request.app[TEMPLATES].get_template(name)
    body = template.render(csrf=csrf or request.get(CSRF, ""), me=request.get(STAFF), **context)
    return web.Response(text=body, content_type="text/html", charset="utf-8", status=status)


async def _call(request: web.Request, fn, /, **kwargs):
    return await asyncio.to_thread(fn, **kwargs)


async def _signed_in(request: web.Request):
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise web.HTTPFound("/signin")
    found = await _call(request, request.app[SERVICES].signin.staff_of, token=token)
    if found is None:
        raise web.HTTPFound("/signin")
    request[STAFF], request[CSRF] = found
    return found[0]


async def _form_checked(request: web.Request) -> dict:
    """The posted form, after its CSRF token matched the session's (403 otherwise)."""
    form = await request.post()
    expected = request.get(CSRF) or request.cookies.get(PRE_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(str(form.get("csrf", "")), expected):
        log.warning("refused a POST without the right CSRF token on route %s",
                    request.match_info.route.name)
        raise web.HTTPForbidden(text="请求已失效，请刷新页面后重试。")
    return dict(form)


def _limit(request: web.Request) -> None:
    if not request.app[LIMITER].allow(request.remote or "?"):
        raise web.HTTPTooManyRequests(text="尝试次数过多，请几分钟后再试。")


def _start_session(request: web.Request, signed: SignedIn, location: str = "/") -> NoReturn:
    """Set the session cookie and go to ``location`` (raises the redirect)."""
    response = web.HTTPSeeOther(location)
    response.set_cookie(SESSION_COOKIE, signed.token, httponly=True, samesite="Strict",
                        secure=request.app[SETTINGS]["secure"], max_age=12 * 3600, path="/")
    response.del_cookie(PRE_CSRF_COOKIE, path="/")
    raise response


def _pre_csrf(request: web.Request) -> tuple[str, bool]:
    token = request.cookies.get(PRE_CSRF_COOKIE)
    return (token, False) if token else (secrets.token_urlsafe(24), True)


def _with_pre_csrf(request: web.Request, name: str, context: dict, *, status: int = 200) -> web.Response:
    token, fresh = _pre_csrf(request)
    response = _render(request, name, context, status=status, csrf=token)
    if fresh:
        response.set_cookie(PRE_CSRF_COOKIE, token, httponly=True, samesite="Strict",
                            secure=request.app[SETTINGS]["secure"], path="/")
    return response


# --- sign-in --------------------------------------------------------------------------------
async def signin_page(request: web.Request) -> web.Response:
    return _render(request, "signin.html", {})


async def login_page(request: web.Request) -> web.Response:
    """The link from the bot opens a confirmation, so a link preview cannot use it up."""
    return _with_pre_csrf(request, "login.html", {"token": request.match_info["token"]})


async def login_post(request: web.Request) -> web.Response:
    _limit(request)
    form = await _form_checked(request)
    try:
        signed = await _call(request, request.app[SERVICES].signin.redeem_link,
                             token=str(form.get("token", "")))
    except ReceptionError as error:
        log.info("refused a desk login link")
        return _render(request, "message.html", {"title": "无法登录", "text": str(error)}, status=403)
    _start_session(request, signed)


async def miniapp_page(request: web.Request) -> web.Response:
    return _with_pre_csrf(request, "miniapp.html", {})


async def webapp_post(request: web.Request) -> web.Response:
    _limit(request)
    form = await _form_checked(request)
    settings = request.app[SETTINGS]
    if not settings["bot_token"]:
        raise web.HTTPForbidden(text="本工作台未配置 Telegram 内登录。")
    services = request.app[SERVICES]
    try:
        user = check_init_data(str(form.get("init_data", "")), bot_token=settings["bot_token"],
                               now=services.deps.clock.now(), max_age_seconds=settings["max_age"])
        signed = await _call(request, services.signin.sign_in_telegram, tg_user_id=int(user["id"]))
    except InitDataError as exc:
        log.info("refused Mini App initData: %s", exc)
        text = "登录信息无效或已过期，请从机器人重新打开工作台。"
        return _render(request, "message.html", {"title": "无法登录", "text": text}, status=403)
    except ReceptionError as error:
        return _render(request, "message.html", {"title": "无法登录", "text": str(error)}, status=403)
    _start_session(request, signed)


async def logout(request: web.Request) -> web.Response:
    await _signed_in(request)
    await _form_checked(request)
    await _call(request, request.app[SERVICES].signin.sign_out, token=request.cookies[SESSION_COOKIE])
    response = web.HTTPSeeOther("/signin")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


# --- pages ----------------------------------------------------------------------------------
async def overview(request: web.Request) -> web.Response:
    staff = await _signed_in(request)
    data = await _call(request, request.app[SERVICES].board.overview, tg_user_id=staff.tg_user_id)
    today = request.app[SERVICES].deps.clock.now().astimezone(request.app[SERVICES].deps.settings.tz)
    return _render(request, "overview.html", {"o": data, "today": f"{today:%Y-%m-%d}"})


def _filters(request: web.Request, text: str | None) -> tuple[Filters, dict]:
    q = request.query
    tz = request.app[SERVICES].deps.settings.tz
    status = q.get("status", "")
    statuses = (sorted(OPEN_STATUSES) if status == "open"
                else [Status(status)] if status in {s.value for s in Status} else [])

    def day(name: str, shift: int = 0) -> datetime | None:
        try:
            value = datetime.strptime(q.get(name, ""), "%Y-%m-%d")
        except ValueError:
            return None
        return (value + timedelta(days=shift)).replace(tzinfo=tz)

    community, _, grid = q.get("grid", "").partition(":")
    urgent = {"1": True, "0": False}.get(q.get("urgent", ""))
    filters = Filters(statuses=statuses, category=q.get("category") or None,
                      community=community or q.get("community") or None, grid=grid or None,
                      urgent=urgent, overdue=q.get("overdue") == "1",
                      since=day("from"), until=day("to", 1), text=text or None,
                      building=q.get("building", "").strip()[:20] or None)
    return filters, {k: q.get(k, "") for k in _FILTER_KEYS}


_FILTER_KEYS = ("status", "category", "grid", "urgent", "overdue", "from", "to", "community", "building")


async def petition_list(request: web.Request) -> web.Response:
    staff = await _signed_in(request)
    services = request.app[SERVICES]
    text = _SEARCHES.get(request.cookies.get(SESSION_COOKIE, ""), "")
    filters, chosen = _filters(request, text)
    try:
        page = max(int(request.query.get("page", "1")), 1)
    except ValueError:
        page = 1
    rows, total = await _call(request, services.board.petitions, tg_user_id=staff.tg_user_id,
                              filters=filters, page=page)
    org = services.deps.org
    communities = services.access.communities_of(staff)
    grids = [(f"{c}:{g.code}", f"{org.communities[c].name}·{g.name}")
             for c in communities for g in org.communities[c].grids]
    from reception.reports.board import COUNT_CAP, PAGE_SIZE

    query = urlencode({k: v for k, v in chosen.items() if v})
    return _render(request, "list.html", {
        "rows": rows, "total": f"{COUNT_CAP}+" if total > COUNT_CAP else total, "page": page,
        "pages": max(1, -(-min(total, COUNT_CAP) // PAGE_SIZE)), "more": total > COUNT_CAP,
        "chosen": chosen, "q": text or "", "grids": grids, "query": query,
        "categories": services.deps.analyzer.categories,
        "communities": {c: org.communities[c].name for c in communities}})


# Search text per session, in memory: it may hold a name or a phone number, so it never
# goes into a URL. Lost on restart, which only clears a search box.
_SEARCHES: dict[str, str] = {}


async def petition_search(request: web.Request) -> web.Response:
    await _signed_in(request)
    form = await _form_checked(request)
    _SEARCHES[request.cookies[SESSION_COOKIE]] = str(form.get("q", "")).strip()[:100]
    query = urlencode({k: form[k] for k in _FILTER_KEYS if form.get(k)})
    raise web.HTTPSeeOther("/petitions" + (f"?{query}" if query else ""))


async def petition_page(request: web.Request, *, reveal: bool = False, notice: str = "") -> web.Response:
    staff = await _signed_in(request)
    services = request.app[SERVICES]
    try:
        view = await _call(request, services.board.petition, tg_user_id=staff.tg_user_id,
                           petition_id=int(request.match_info["id"]), reveal=reveal)
    except ReceptionError as error:
        return _render(request, "message.html", {"title": "无法查看", "text": str(error)}, status=404)
    return _render(request, "petition.html", {"v": view, "notice": notice,
                                              "categories": services.deps.analyzer.categories,
                                              "departments": services.deps.org.departments.values()})


async def petition_action(request: web.Request) -> web.Response:
    """认领 / 转派 / 办结 / 驳回 through the same domain calls as the card's buttons."""
    staff = await _signed_in(request)
    form = await _form_checked(request)
    desk, pid = request.app[SERVICES].desk, int(request.match_info["id"])
    action, user = request.match_info["action"], staff.tg_user_id
    if action == "contact":
        return await petition_page(request, reveal=True)
    services, text = request.app[SERVICES], str(form.get("text", ""))
    calls = {
        # 退单, referrals and extensions act as from the staff member's private chat with the
        # bot (reception.handling.returns, referrals, extensions): the same checks as there.
        "return": lambda: services.returns.give_back(tg_user_id=user, petition_id=pid, reason=text,
                                                     chat_id=user),
        "uphold": lambda: services.returns.uphold(tg_user_id=user, chat_id=user, petition_id=pid),
        "refer": lambda: services.referrals.refer(tg_user_id=user, petition_id=pid, chat_id=user,
                                                  department=str(form.get("department", "")),
                                                  note=text),
        "extend": lambda: services.extensions.ask(tg_user_id=user, petition_id=pid, chat_id=user,
                                                  days=str(form.get("days", "")), reason=text),
        "extend_approve": lambda: services.extensions.decide_pending(
            tg_user_id=user, chat_id=user, petition_id=pid, approve=True),
        "extend_refuse": lambda: services.extensions.decide_pending(
            tg_user_id=user, chat_id=user, petition_id=pid, approve=False),
        "claim": lambda: desk.claim(tg_user_id=user, petition_id=pid),
        "resolve": lambda: desk.resolve(tg_user_id=user, petition_id=pid, result=str(form.get("text", ""))),
        "reject": lambda: desk.reject(tg_user_id=user, petition_id=pid, reason=str(form.get("text", ""))),
        "reassign": lambda: desk.reassign(tg_user_id=user, petition_id=pid,
                                          to_category_index=_index(form.get("category"))),
    }
    if action not in calls:
        raise web.HTTPNotFound()
    try:
        notice = await asyncio.to_thread(calls[action])
    except ReceptionError as error:
        notice = str(error)
    return await petition_page(request, notice=notice)


_FILE_TYPES = {"photo": "image/jpeg", "video": "video/mp4", "animation": "video/mp4",
               "voice": "audio/ogg", "audio": "audio/mpeg", "video_note": "video/mp4"}


async def petition_file(request: web.Request) -> web.StreamResponse:
    """A file the resident sent, fetched through the bot, for those who may see the petition."""
    staff = await _signed_in(request)
    services, files = request.app[SERVICES], request.app[FILES]
    try:
        found = await _call(request, services.board.attachment, tg_user_id=staff.tg_user_id,
                            petition_id=int(request.match_info["id"]),
                            attachment_id=int(request.match_info["file"]))
    except ReceptionError as error:
        return _render(request, "message.html", {"title": "无法查看", "text": str(error)}, status=404)
    if files is None:
        return _render(request, "message.html", {"title": "无法下载", "text": rt.DESK_ATTACHMENTS_OFF},
                       status=503)
    try:
        body = await files.download(found.file_id)
    except FileUnavailable:
        log.warning("desk: a petition's file could not be downloaded from Telegram")
        return _render(request, "message.html", {"title": "无法下载", "text": rt.DESK_ATTACHMENT_UNAVAILABLE},
                       status=502)
    kind = _FILE_TYPES.get(found.kind)
    # Documents are downloaded, never shown: their type is the sender's word, not ours.
    disposition = "inline" if kind else f'attachment; filename="attachment-{found.id}"'
    return web.Response(body=body, headers={"Content-Type": kind or "application/octet-stream",
                                            "Content-Disposition": disposition})


def _index(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return -1
