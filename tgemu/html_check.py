"""Telegram's HTML parse mode, checked the way the Bot API server checks it.

The parser follows tdlib's ``parse_html`` (td/telegram/MessageEntity.cpp), the code behind
the Bot API server, including its error texts ("Unsupported start tag \\"p\\" at byte offset
0", "Unmatched end tag at byte offset ...") and its byte offsets into the UTF-8 text.
Supported tags: https://core.telegram.org/bots/api#html-style.

One deliberate difference: in ``strict`` mode (the default) a bare ``&`` that starts no
entity, and a bare ``>``, are rejected too. Telegram lets them through, but in bot output they
almost always mean user text was interpolated without ``html.escape`` — the bug we want the
tests to catch before a resident types ``<`` in production.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip

_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "u": "underline", "ins": "underline", "tg-spoiler": "spoiler",
}  # fmt: skip

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NUMERIC_ENTITY = re.compile(r"#(x[0-9a-fA-F]*|[0-9]*)")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")
_TG_USER_LINK = re.compile(r"tg://user\?id=(\d+)$")


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; the message is tdlib's wording."""


@dataclass
class ParsedText:
    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    text_position: int


def utf16_len(text: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


class _Parser:
    def __init__(self, source: str, *, strict: bool) -> None:
        self.source = source
        self.strict = strict
        self.pos = 0
        self.out: list[str] = []
        self.utf16 = 0
        self.open: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, pos: int) -> int:
        return len(self.source[:pos].encode("utf-8"))

    def fail(self, message: str) -> HtmlParseError:
        return HtmlParseError(message)

    def peek(self, pos: int) -> str:
        return self.source[pos] if pos < len(self.source) else ""

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.utf16 += utf16_len(text)

    # --- the main loop -----------------------------------------------------------------

    def parse(self) -> ParsedText:
        src = self.source
        while self.pos < len(src):
            ch = src[self.pos]
            if ch == "&":
                decoded, end = self.decode_entity(self.pos)
                if decoded is not None:
                    self.emit(decoded)
                    self.pos = end
                    continue
                if self.strict:
                    raise self.fail(
                        f'Character "&" must be escaped as "&amp;" at byte offset '
                        f"{self.byte_offset(self.pos)} (emulator strict check)"
                    )
            if ch == ">" and self.strict:
                raise self.fail(
                    f'Character ">" must be escaped as "&gt;" at byte offset '
                    f"{self.byte_offset(self.pos)} (emulator strict check)"
                )
            if ch != "<":
                self.emit(ch)
                self.pos += 1
                continue
            if self.peek(self.pos + 1) == "/":
                self.end_tag()
            else:
                self.start_tag()
        if self.open:
            raise self.fail(f"Can't find end tag corresponding to start tag {self.open[-1].name}")
        for entity in self.entities:
            if entity["type"] == "code":
                entity.pop("language", None)  # only <pre><code class="language-x"> keeps it
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return ParsedText("".join(self.out), self.entities)

    def decode_entity(self, pos: int) -> tuple[str | None, int]:
        """Decode ``&...;`` at ``pos``; like tdlib, the trailing ``;`` is optional."""
        src = self.source
        numeric = _NUMERIC_ENTITY.match(src, pos + 1)
        if numeric and numeric.group(1) not in ("", "x"):
            digits = numeric.group(1)
            code = int(digits[1:], 16) if digits.startswith("x") else int(digits)
            end = numeric.end()
            if code == 0 or code >= 0x10FFFF or end - pos >= 10:
                return None, pos
            decoded = chr(code)
        else:
            name_end = pos + 1
            while name_end < len(src) and src[name_end].isascii() and src[name_end].isalpha():
                name_end += 1
            named = _NAMED_ENTITIES.get(src[pos + 1 : name_end])
            if named is None:
                return None, pos
            decoded = named
            end = name_end
        if self.peek(end) == ";":
            end += 1
        return decoded, end

    # --- tags --------------------------------------------------------------------------

    def start_tag(self) -> None:
        src = self.source
        begin = self.pos
        i = begin + 1
        while i < len(src) and not src[i].isspace() and src[i] != ">":
            i += 1
        if i >= len(src):
            raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        name = src[begin + 1 : i].lower()
        if name not in SUPPORTED_TAGS:
            raise self.fail(
                f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}'
            )
        argument, i = self.attributes(name, begin, i)
        if name == "span" and argument != "spoiler":
            raise self.fail(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}'
            )
        self.open.append(_OpenTag(name, argument, self.utf16, len(self.out)))
        self.pos = i + 1

    def attributes(self, tag: str, begin: int, i: int) -> tuple[str, int]:
        """Read attributes up to the closing ``>``; return (the tag's argument, index of >)."""
        src = self.source
        argument = ""
        unclosed = f"Unclosed start tag at byte offset {self.byte_offset(begin)}"
        while True:
            while i < len(src) and src[i].isspace():
                i += 1
            if i >= len(src):
                raise self.fail(unclosed)
            if src[i] == ">":
                return argument, i
            name_begin = i
            while i < len(src) and not src[i].isspace() and src[i] not in "=>":
                i += 1
            attribute = src[name_begin:i]
            while i < len(src) and src[i].isspace():
                i += 1
            if tag == "blockquote" and attribute == "expandable" and src[i : i + 1] != "=":
                argument = "expandable"
                continue
            if not attribute:
                raise self.fail(
                    f'Empty attribute name in the tag "{tag}" at byte offset '
                    f"{self.byte_offset(begin)}"
                )
            if i >= len(src) or src[i] != "=":
                raise self.fail(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                    f"at byte offset {self.byte_offset(begin)}"
                )
            i += 1
            while i < len(src) and src[i].isspace():
                i += 1
            if i >= len(src):
                raise self.fail(
                    f'Unclosed start tag "{tag}" at byte offset {self.byte_offset(begin)}'
                )
            value, i = self.attribute_value(i)
            if i >= len(src):
                raise self.fail(unclosed)
            argument = self.tag_argument(tag, attribute, value, argument)

    def attribute_value(self, i: int) -> tuple[str, int]:
        src = self.source
        if src[i] not in "'\"":
            token = _NAME_TOKEN.match(src, i)
            end = token.end() if token else i
            if end < len(src) and not src[end].isspace() and src[end] != ">":
                raise self.fail(
                    f"Unexpected end of name token at byte offset {self.byte_offset(i)}"
                )
            return src[i:end].lower(), end
        quote = src[i]
        i += 1
        value: list[str] = []
        while i < len(src) and src[i] != quote:
            if src[i] == "&":
                decoded, end = self.decode_entity(i)
                if decoded is not None:
                    value.append(decoded)
                    i = end
                    continue
            value.append(src[i])
            i += 1
        if i < len(src):
            i += 1
        return "".join(value), i

    @staticmethod
    def tag_argument(tag: str, attribute: str, value: str, current: str) -> str:
        if tag == "a" and attribute == "href":
            return value
        if tag == "code" and attribute == "class" and value.startswith("language-"):
            return value[len("language-") :]
        if tag == "span" and attribute == "class" and value.startswith("tg-"):
            return value[len("tg-") :]
        if tag == "tg-emoji" and attribute == "emoji-id":
            return value
        return current

    def end_tag(self) -> None:
        src = self.source
        begin = self.pos
        if not self.open:
            raise self.fail(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        i = begin + 2
        while i < len(src) and not src[i].isspace() and src[i] != ">":
            i += 1
        end_name = src[begin + 2 : i].lower()
        while i < len(src) and src[i].isspace():
            i += 1
        if i >= len(src) or src[i] != ">":
            raise self.fail(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        tag = self.open[-1]
        if end_name and end_name != tag.name:
            raise self.fail(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{tag.name}>", found "</{end_name}>"'
            )
        self.open.pop()
        length = self.utf16 - tag.utf16_offset
        if length > 0:
            self.close_entity(tag, length)
        self.pos = i + 1

    def close_entity(self, tag: _OpenTag, length: int) -> None:
        entity: dict[str, Any] = {"offset": tag.utf16_offset, "length": length}
        inner = "".join(self.out[tag.text_position :])
        if tag.name in _ENTITY_TYPES or (tag.name == "span" and tag.argument == "spoiler"):
            entity["type"] = _ENTITY_TYPES.get(tag.name, "spoiler")
        elif tag.name == "tg-emoji":
            if not tag.argument.isdigit() or int(tag.argument) == 0:
                raise self.fail("Invalid custom emoji identifier specified")
            entity.update(type="custom_emoji", custom_emoji_id=tag.argument)
        elif tag.name == "a":
            url = tag.argument or inner
            user = _TG_USER_LINK.match(url)
            if user:
                entity.update(
                    type="text_mention",
                    user={"id": int(user.group(1)), "is_bot": False, "first_name": inner},
                )
            elif url:
                entity.update(type="text_link", url=url)
            else:
                return
        elif tag.name == "pre":
            last = self.entities[-1] if self.entities else None
            if (
                last
                and last["type"] == "code"
                and last.get("language")
                and _same_span(last, entity)
            ):
                last["type"] = "pre"
                return
            entity["type"] = "pre"
        elif tag.name == "code":
            last = self.entities[-1] if self.entities else None
            if last and last["type"] == "pre" and tag.argument and _same_span(last, entity):
                last["language"] = tag.argument
                return
            entity["type"] = "code"
            if tag.argument:
                entity["language"] = tag.argument  # kept only if a <pre> wraps it
        else:  # blockquote
            entity["type"] = "expandable_blockquote" if tag.argument else "blockquote"
        self.entities.append(entity)


def _same_span(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a["offset"] == b["offset"] and a["length"] == b["length"]


def parse_html(source: str, *, strict: bool = True) -> ParsedText:
    """Parse Telegram HTML into plain text and MessageEntity dicts (UTF-16 offsets).

    Raises:
        HtmlParseError: the text would make Telegram answer "can't parse entities".
    """
    return _Parser(source, strict=strict).parse()
