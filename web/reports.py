"""The desk's plan of grids and buildings, and its reports: the register of any period
(xlsx, masked) and the weekly digest of any week with its chart."""

from __future__ import annotations

import base64
import tempfile
from datetime import date
from pathlib import Path

from aiohttp import web

from reception import texts
from reception.errors import InvalidInput, ReceptionError
from web.app import SERVICES, _call, _render, _signed_in


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/plan", plan_page, name="plan")
    router.add_get("/reports", reports_page, name="reports")
    router.add_get("/reports/register.xlsx", register_download, name="register")
    router.add_get("/reports/digest.png", digest_chart, name="digest_chart")


async def plan_page(request: web.Request) -> web.Response:
    """Grids and buildings from org.toml with their open petitions; a building opens its list."""
    staff = await _signed_in(request)
    plans = await _call(request, request.app[SERVICES].board.plan, tg_user_id=staff.tg_user_id)
    return _render(request, "plan.html", {"plans": plans})


def _day(request: web.Request, name: str, default: date) -> date:
    value = request.query.get(name, "")
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise InvalidInput(texts.WEB_BAD_DATE) from error


def _today(request: web.Request) -> date:
    deps = request.app[SERVICES].deps
    return deps.clock.now().astimezone(deps.settings.tz).date()


async def reports_page(request: web.Request) -> web.Response:
    """The register of any period, and the weekly digest (text and chart) of any week."""
    staff = await _signed_in(request)
    today = _today(request)
    context = {"start": today.replace(day=1).isoformat(), "end": today.isoformat(),
               "week": request.query.get("week", "") or today.isoformat(), "digest": None,
               "chart": "", "error": ""}
    if "week" in request.query:
        try:
            week_of = _day(request, "week", today)
            with tempfile.TemporaryDirectory() as tmp:
                digest = await _call(request, request.app[SERVICES].board.digest,
                                     tg_user_id=staff.tg_user_id, week_of=week_of, out_dir=Path(tmp))
                png = Path(digest.chart_path).read_bytes() if digest.chart_path else b""
            context["digest"] = digest
            context["chart"] = base64.b64encode(png).decode("ascii") if png else ""
        except ReceptionError as error:
            context["error"] = str(error)
    return _render(request, "reports.html", context, status=400 if context["error"] else 200)


async def register_download(request: web.Request) -> web.StreamResponse:
    staff = await _signed_in(request)
    today = _today(request)
    try:
        start, end = _day(request, "from", today.replace(day=1)), _day(request, "to", today)
        with tempfile.TemporaryDirectory() as tmp:
            path = await _call(request, request.app[SERVICES].board.register_file,
                               tg_user_id=staff.tg_user_id, start=start, end=end, out_dir=Path(tmp))
            body = path.read_bytes()
    except ReceptionError as error:
        return _render(request, "message.html", {"title": "无法导出", "text": str(error)}, status=400)
    return web.Response(body=body, headers={
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": f'attachment; filename="{path.name}"'})


async def digest_chart(request: web.Request) -> web.StreamResponse:
    staff = await _signed_in(request)
    try:
        week_of = _day(request, "week", _today(request))
        with tempfile.TemporaryDirectory() as tmp:
            digest = await _call(request, request.app[SERVICES].board.digest,
                                 tg_user_id=staff.tg_user_id, week_of=week_of, out_dir=Path(tmp))
            if not digest.chart_path:
                raise web.HTTPNotFound()
            path = Path(digest.chart_path)
            body = path.read_bytes()
    except ReceptionError as error:
        return _render(request, "message.html", {"title": "无法生成", "text": str(error)}, status=400)
    return web.Response(body=body, content_type="image/png",
                        headers={"Content-Disposition": f'attachment; filename="{path.name}"'})
