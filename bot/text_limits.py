"""Split Telegram HTML text into parts Telegram accepts, keeping every part balanced.

Telegram counts a message's length (at most 4096) and a caption's (1024) in UTF-16 code
units of the text after entity parsing (https://core.telegram.org/bots/api#sendmessage), so
tags cost nothing and an entity such as ``&amp;`` counts as one character. A cut prefers a
line break, then sentence punctuation or a space, in the second half of the part; a tag open
at the cut is closed at the end of the part and opened again at the start of the next one.
"""

from __future__ import annotations

import re

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|[^<&]|[<&]")
_BREAKS = ("\n", "。", "！", "？", "；", ".", "!", "?", ";", "，", ",", " ")


def visible_length(html: str) -> int:
    """The length Telegram checks: UTF-16 units of the text, tags not counted."""
    return sum(_weight(token) for token in _TOKEN.findall(html))


def split_html(html: str, limit: int = TEXT_LIMIT) -> list[str]:
    """``html`` as parts of at most ``limit`` visible UTF-16 units each (one part if it fits)."""
    if visible_length(html) <= limit:
        return [html]
    parts: list[str] = []
    tokens = _TOKEN.findall(html)
    opened: list[tuple[str, str]] = []  # (name, opening tag) open at the start of the part
    start = 0
    while start < len(tokens):
        end, stack = _cut(tokens, start, limit, opened)
        body = "".join(tag for _, tag in opened) + "".join(tokens[start:end])
        body += "".join(f"</{name}>" for name, _ in reversed(stack))
        if body.strip():
            parts.append(body)
        opened, start = stack, end
    return parts


def _cut(tokens: list[str], start: int, limit: int,
         opened: list[tuple[str, str]]) -> tuple[int, list[tuple[str, str]]]:
    """Where the part from ``start`` ends, and the tags open there."""
    stack = list(opened)
    used, best = 0, None
    best_stack: list[tuple[str, str]] = []
    index = start
    while index < len(tokens):
        token = tokens[index]
        weight = _weight(token)
        if used + weight > limit:
            break
        used += weight
        _track(token, stack)
        index += 1
        if token in _BREAKS and used * 2 >= limit:
            best, best_stack = index, list(stack)
    if index >= len(tokens) or best is None:
        if index == start:  # a single unit wider than the limit cannot happen for limit >= 2
            index += 1
        return index, stack
    return best, best_stack


def _track(token: str, stack: list[tuple[str, str]]) -> None:
    if not token.startswith("<") or len(token) < 3:
        return
    if token.startswith("</"):
        name = token[2:-1].strip().lower()
        for position in range(len(stack) - 1, -1, -1):
            if stack[position][0] == name:
                del stack[position]
                break
    elif not token.endswith("/>"):
        name = re.split(r"[\s>]", token[1:], maxsplit=1)[0].lower()
        stack.append((name, token))


def _weight(token: str) -> int:
    if token.startswith("<") and token.endswith(">") and len(token) > 2:
        return 0
    if token.startswith("&") and token.endswith(";") and len(token) > 2:
        return 1
    return len(token.encode("utf-16-le")) // 2
