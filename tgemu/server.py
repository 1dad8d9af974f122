"""The HTTP side: an aiohttp app that speaks the Bot API's URL scheme and encodings.

PTB builds ``<base_url><token>/<method>`` and POSTs either form data or, when files go along,
multipart/form-data, with every non-string value JSON-encoded (``RequestParameter.json_value``).
Other clients may POST a JSON body or use the query string; all three are accepted. Files are
served at ``<base_file_url><token>/<file_path>`` like https://core.telegram.org/bots/api#getfile.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import web

# Importing the method modules registers them.
from tgemu import methods, methods_chat  # noqa: F401
from tgemu.core import EmulatorCore, Fault
from tgemu.protocol import ApiCall, ApiError, Upload, bad_request, find_method, retry_after

logger = logging.getLogger("tgemu")

UNSUPPORTED = "Not Found: method not supported by the emulator"
UPLOAD_LIMIT = 50 * 1024 * 1024  # bots may upload files up to 50 MB

# How form fields are decoded. PTB JSON-encodes objects, numbers and booleans into strings.
_JSON_FIELDS = frozenset(
    {"reply_markup", "reply_parameters", "link_preview_options", "entities", "caption_entities",
     "commands", "scope", "allowed_updates", "media"}
)  # fmt: skip
_INT_FIELDS = frozenset(
    {"chat_id", "user_id", "message_id", "offset", "limit", "timeout", "message_thread_id",
     "reply_to_message_id", "duration", "cache_time", "icon_color", "max_connections",
     "live_period", "heading", "proximity_alert_radius", "width", "height"}
)  # fmt: skip
_FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
_BOOL_FIELDS = frozenset(
    {"disable_notification", "protect_content", "show_alert", "drop_pending_updates",
     "disable_web_page_preview", "allow_sending_without_reply", "has_spoiler",
     "disable_content_type_detection", "show_caption_above_media", "is_personal"}
)  # fmt: skip


def decode_params(raw: dict[str, Any]) -> dict[str, Any]:
    """Turn form strings into the Python values the method implementations expect."""
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            value = _decode_field(key, value)
        params[key] = value
    return params


def _decode_field(key: str, value: str) -> Any:
    if key in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {key} JSON object") from None
    if key in _INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value  # e.g. chat_id "@username"; the method decides
    if key in _FLOAT_FIELDS:
        try:
            return float(value)
        except ValueError:
            return value
    if key in _BOOL_FIELDS:
        return value.lower() in ("true", "1")
    return value


async def read_call(request: web.Request, method: str) -> ApiCall:
    """Parse query string plus a JSON, urlencoded or multipart body into an ApiCall."""
    raw: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.body_exists:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("JSON request body must be an object")
            raw.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    uploads[key] = Upload(
                        value.filename or key, value.content_type, value.file.read()
                    )
                else:
                    raw[key] = value if isinstance(value, str) else bytes(value).decode()
    return ApiCall(method, decode_params(raw), uploads)


def _loggable(call: ApiCall) -> dict[str, Any]:
    params = dict(call.params)
    for name, upload in call.uploads.items():
        params[name] = f"<upload {upload.filename}, {len(upload.data)} bytes>"
    return params


_PROXY_PAGE = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
               "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
               "</body>\r\n</html>\r\n")


def _fault_response(fault: Fault) -> web.Response:
    if fault.error == "html_502":
        # A reverse proxy in front of the Bot API failing: its own HTML page, not JSON.
        return web.Response(status=502, text=_PROXY_PAGE, content_type="text/html")
    if fault.error == "retry_after":
        error = retry_after(fault.retry_after)
    elif fault.error == "network":
        # A proxy in the path failing: PTB maps 502 to NetworkError.
        error = ApiError(502, "Bad Gateway")
    elif fault.error == "bad_request":
        # Telegram refusing the request itself (PTB raises BadRequest): retrying cannot help.
        error = ApiError(400, "Bad Request: can't parse entities: unsupported start tag")
    else:
        error = ApiError(500, "Internal Server Error")
    return web.json_response(error.to_json(), status=error.error_code)


class ApiServer:
    """Serves the Bot API for one token on a loopback address."""

    def __init__(self, core: EmulatorCore, *, token: str, host: str, port: int) -> None:
        self._core = core
        self._token = token
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        if self._runner is None:
            raise RuntimeError("the emulator is not started")
        return int(self._runner.addresses[0][1])

    async def start(self) -> None:
        app = web.Application(client_max_size=UPLOAD_LIMIT + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation: a long poll whose client went away stops waiting at once.
        self._runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            handler_cancellation=True,
            shutdown_timeout=1.0,
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self._token:
            return _error(ApiError(401, "Unauthorized"))
        name = request.match_info["method"]
        found = find_method(name)
        if found is None:
            logger.warning(
                "Bot API method %r is not supported by the emulator; answering 404. "
                "Add it to tgemu if the bot needs it.",
                name,
            )
            record = self._core.begin_call(name, {})
            record.outcome = "404 not supported by the emulator"
            self._core.notify()
            return _error(ApiError(404, UNSUPPORTED))
        canonical, impl = found
        try:
            call = await read_call(request, canonical)
        except ApiError as exc:
            return _error(exc)
        record = self._core.begin_call(canonical, _loggable(call))
        self._core.notify()  # a call that is under way (a long poll) counts as seen, too
        try:
            fault = self._core.take_fault(canonical)
            if fault is not None:
                record.outcome = f"injected fault: {fault.error}"
                if fault.error == "drop" and request.transport is not None:
                    request.transport.close()  # the connection dies before an answer
                return _fault_response(fault)
            if self._core.flood_limits and _is_send(canonical):
                wait = self._core.flood_check(call.get("chat_id"))
                if wait is not None:
                    record.outcome = f"429 flood limit, retry after {wait}"
                    return _error(retry_after(wait))
            result = await impl(self._core, call)
        except ApiError as exc:
            record.outcome = f"{exc.error_code} {exc.description}"
            logger.info("%s answered %s %s", canonical, exc.error_code, exc.description)
            return _error(exc)
        except asyncio.CancelledError:
            record.outcome = "cancelled: the client went away"
            raise
        except Exception:
            logger.exception("emulator failure while serving %s", canonical)
            record.outcome = "500 emulator failure (see log)"
            return _error(ApiError(500, f"Internal Server Error: emulator failed in {canonical}"))
        finally:
            self._core.notify()
        record.outcome = f"ok ({len(result)} updates)" if canonical == "getUpdates" else "ok"
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self._token:
            return _error(ApiError(401, "Unauthorized"))
        stored = self._core.world.files_by_path.get(request.match_info["path"])
        if stored is None:
            return _error(ApiError(404, "Not Found"))
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )


def _is_send(method: str) -> bool:
    """Calls that post a new message, which is what Telegram's flood limits count."""
    return (method.startswith("send") and method != "sendChatAction") or method == "copyMessage"


def _error(error: ApiError) -> web.Response:
    return web.json_response(error.to_json(), status=error.error_code)
