"""python-telegram-bot's HTTP layer on aiohttp instead of httpx.

PTB talks to the Bot API through a ``BaseRequest``; its default, ``HTTPXRequest``, spends
about a millisecond of CPU per call in httpx and httpcore, and the bot makes two or three
calls per petition. aiohttp (already here for the emulator) does the same work in a
fraction of that. Bodies are JSON, or multipart for uploads, both of which the Bot API
takes (https://core.telegram.org/bots/api#making-requests); timeouts are the same;
transport failures become PTB's ``TimedOut`` and ``NetworkError`` as with httpx, so the
delivery worker's retries see no difference.
See https://docs.python-telegram-bot.org/en/stable/telegram.request.baserequest.html
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
from telegram._utils.defaultvalue import DefaultValue  # as PTB's own HTTPXRequest does
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """A ``BaseRequest`` on one aiohttp session; arguments as ``HTTPXRequest``'s.

    aiohttp has no write timeout; when every phase has a timeout, their sum bounds the
    whole call, so a stalled upload still ends.
    """

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}  # origin -> proxy URL, see proxy_for()

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self._pool_size))

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | DefaultValue[float] | DefaultValue[None] | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | DefaultValue[float] | DefaultValue[None] | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | DefaultValue[float] | DefaultValue[None] | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | DefaultValue[float] | DefaultValue[None] | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data and request_data.contains_files else None
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, pool_timeout,
                                upload=bool(files))
        headers = {"User-Agent": self.USER_AGENT}
        data: aiohttp.FormData | bytes | None = None
        if files and request_data is not None:
            data = aiohttp.FormData(request_data.json_parameters, quote_fields=False)
            for name, (filename, content, mimetype) in files.items():
                data.add_field(name, content, filename=filename, content_type=mimetype)
        elif request_data is not None and request_data.parameters:
            # JSON, which the Bot API takes for everything but uploads: cheaper to build
            # than a form, where every byte of Chinese text is percent-encoded.
            data, headers["Content-Type"] = request_data.json_payload, "application/json"
        try:
            async with self._session.request(method, url, data=data, timeout=timeout,
                                             proxy=self.proxy_for(url), headers=headers) as response:
                body = await response.read()
                if response.status >= 300 and not _is_json(body):
                    # A proxy's error page (an HTML 502): PTB would log a JSONDecodeError
                    # traceback before raising; it is a transport failure like any other.
                    raise NetworkError(f"HTTP {response.status} from {parts_origin(url)} with a "
                                       f"non-JSON body ({response.content_type})")
                return response.status, body
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err

    def proxy_for(self, url: str) -> str | None:
        """HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as httpx applies them, looked up once per
        server (aiohttp's trust_env would read the environment and .netrc on every call)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._proxies:
            proxy = getproxies().get(parts.scheme)
            self._proxies[origin] = None if proxy is None or proxy_bypass(parts.hostname or "") else proxy
        return self._proxies[origin]

    def _timeout(self, read, write, connect, pool, *, upload: bool) -> aiohttp.ClientTimeout:
        read = self._read_timeout if isinstance(read, DefaultValue) else read
        connect = self._connect_timeout if isinstance(connect, DefaultValue) else connect
        pool = self._pool_timeout if isinstance(pool, DefaultValue) else pool
        if isinstance(write, DefaultValue):
            write = self._media_write_timeout if upload else self._write_timeout
        phases = (pool, connect, write, read)
        return aiohttp.ClientTimeout(
            # No write timeout in aiohttp: with one, the whole call is bounded by the sum.
            total=sum(phases) if write is not None and None not in phases else None,
            connect=None if pool is None or connect is None else pool + connect,
            sock_connect=connect,
            sock_read=read,
        )


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def parts_origin(url: str) -> str:
    """scheme://host:port of ``url``, without the path (which holds the bot token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
