"""The desk's attachments: residents' files fetched through the bot's own file download
(getFile, then the file URL; https://core.telegram.org/bots/api#getfile)."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError

from web.app import FileUnavailable

log = logging.getLogger(__name__)


class BotFiles:
    """web.app.FileSource over a PTB Bot (the running application's, or one of its own for
    `minyuan web`)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def download(self, file_id: str) -> bytes:
        try:
            file = await self.bot.get_file(file_id)
            return bytes(await file.download_as_bytearray())
        except TelegramError as error:  # includes network errors and timeouts
            log.info("file download failed: %s", type(error).__name__)
            raise FileUnavailable(str(error)) from error
