"""Telegram HTML parse mode: what parses, into which entities, and tdlib's error texts."""

from __future__ import annotations

import html

import pytest

from tgemu import HtmlParseError, parse_html


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("plain 文本", "plain 文本", []),
        ("<b>粗</b><strong>体</strong>", "粗体", [
            {"type": "bold", "offset": 0, "length": 1},
            {"type": "bold", "offset": 1, "length": 1},
        ]),
        ("<i>a</i><em>b</em><u>c</u><ins>d</ins><s>e</s><strike>f</strike><del>g</del>",
         "abcdefg", [
            {"type": "italic", "offset": 0, "length": 1},
            {"type": "italic", "offset": 1, "length": 1},
            {"type": "underline", "offset": 2, "length": 1},
            {"type": "underline", "offset": 3, "length": 1},
            {"type": "strikethrough", "offset": 4, "length": 1},
            {"type": "strikethrough", "offset": 5, "length": 1},
            {"type": "strikethrough", "offset": 6, "length": 1},
        ]),
        ('<a href="https://example.org/?a=1&amp;b=2">链接</a>', "链接", [
            {"type": "text_link", "offset": 0, "length": 2, "url": "https://example.org/?a=1&b=2"},
        ]),
        ('<tg-spoiler>x</tg-spoiler><span class="tg-spoiler">y</span>', "xy", [
            {"type": "spoiler", "offset": 0, "length": 1},
            {"type": "spoiler", "offset": 1, "length": 1},
        ]),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1", [
            {"type": "pre", "offset": 0, "length": 5, "language": "python"},
        ]),
        ('<code class="language-python">x</code>', "x", [
            {"type": "code", "offset": 0, "length": 1},
        ]),
        ("<blockquote>引</blockquote><blockquote expandable>长</blockquote>", "引长", [
            {"type": "blockquote", "offset": 0, "length": 1},
            {"type": "expandable_blockquote", "offset": 1, "length": 1},
        ]),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍", [
            {"type": "custom_emoji", "offset": 0, "length": 2,
             "custom_emoji_id": "5368324170671202286"},
        ]),
        # Offsets count UTF-16 code units: the emoji before <b> takes two.
        ("😀<b>x</b>", "😀x", [{"type": "bold", "offset": 2, "length": 1}]),
        ("&lt;&gt;&amp;&quot;&#20013;&#x6587;", '<>&"中文', []),
        ("<B>大写</B>", "大写", [{"type": "bold", "offset": 0, "length": 2}]),
        ("<b></b>空", "空", []),
    ],
)  # fmt: skip
def test_valid_html(source: str, text: str, entities: list[dict[str, object]]) -> None:
    parsed = parse_html(source)

    assert parsed.text == text
    assert parsed.entities == entities


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("换行<br/>", 'Unsupported start tag "br/" at byte offset 6'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x", "Can't find end tag corresponding to start tag b"),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href>x</a>", 'Expected equal sign in declaration of an attribute of the tag "a"'),
        ('<tg-emoji emoji-id="abc">x</tg-emoji>', "Invalid custom emoji identifier specified"),
        ("A & B", 'Character "&" must be escaped as "&amp;" at byte offset 2'),
        ("1 > 0", 'Character ">" must be escaped as "&gt;" at byte offset 2'),
    ],
)
def test_invalid_html(source: str, error: str) -> None:
    with pytest.raises(HtmlParseError, match=error.replace("(", r"\(")):
        parse_html(source)


def test_bare_ampersand_and_gt_pass_when_not_strict_like_telegram() -> None:
    parsed = parse_html("A & B > C &unknown;", strict=False)

    assert parsed.text == "A & B > C &unknown;"


@pytest.mark.parametrize("user_text", ["<script>", "a & b", "1 > 0", "&lt;", "\"'", "😀"])
def test_escaped_user_text_always_parses_back(user_text: str) -> None:
    assert parse_html(f"<b>来信</b>：{html.escape(user_text)}").text == f"来信：{user_text}"
