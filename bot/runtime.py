"""What handlers and jobs share at run time: services, a database runner, the delivery worker."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from bot.wiring import Services
from storage.db import WalCheckpointer

if TYPE_CHECKING:
    from bot.delivery import Delivery
    from bot.inbox import UpdateWorker

T = TypeVar("T")


class DbRunner:
    """Runs the (synchronous) domain calls off the event loop.

    SQLite takes one writer at a time, so it gets one thread: calls queue up instead of
    fighting over the lock. PostgreSQL gets a few.
    """

    def __init__(self, *, workers: int) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="minyuan-db")

    async def __call__(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        self._executor.shutdown(wait=True)


@dataclass
class Runtime:
    services: Services
    run: DbRunner
    delivery: Delivery
    checkpointer: WalCheckpointer | None = None  # SQLite only
    updates: UpdateWorker | None = None  # stored updates -> handlers (set by build_application)
    web_url: str | None = None  # the desk's public address when [web] is enabled (/web)

    async def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a domain call; whatever it queued is then sent without waiting for a timer."""
        try:
            return await self.run(fn, *args, **kwargs)
        finally:
            self.delivery.kick()
