"""Mask personal data before a petition is shown to a staff group.

Masked: 18-digit resident ID numbers (GB 11643 layout: region, birth date, serial, check),
bank card numbers (16–19 digits, optionally grouped by 4), mainland mobile numbers
(1[3-9]x, optionally +86), landlines with an area code (0xx/0xxx), 7–8 digit numbers right
after 电话/座机, and names given after 姓名：/联系人：/我叫. IDs go first so that their digits
are not mistaken for a phone number.
"""

from __future__ import annotations

import re

# Two-character surnames (复姓) that keep both characters visible.
_COMPOUND_SURNAMES = frozenset((
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯",
    "长孙", "宇文", "司徒", "端木", "独孤", "南宫", "西门", "轩辕", "呼延", "申屠", "太史",
    "澹台", "公冶", "钟离", "闻人", "赫连", "万俟", "拓跋", "百里",
))

_ID_NUMBER = re.compile(
    r"(?<![\dA-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r"\d{3}[\dXx](?![\dA-Za-z])"
)
_BANK_CARD = re.compile(r"(?<![\d*])\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?(?![\d*])")
_MOBILE = re.compile(r"(?<![\d*])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![\d*])")
_LANDLINE = re.compile(r"(?<![\d*])0\d{2,3}[ -]?[2-9]\d{6,7}(?![\d*])")
_LOCAL_NUMBER = re.compile(r"(电话|座机|热线|号码)([:：\s]*)(\d{7,8})(?![\d*])")
_NAME = re.compile(r"((?:姓名|联系人|户主|申请人|反映人)\s*[:：]\s*|我叫)([\u4e00-\u9fff]{2,4})")

# Cheap tests that rule patterns out before they are tried at every position: a mobile or a
# bank card has a run of four digits, an ID, a landline or a local number one of seven, and a
# name follows one of the cues. Masking only turns digits into "*", so tests on the original
# text stay valid as the patterns are applied one after another.
_FOUR_DIGITS = re.compile(r"\d{4}")
_SEVEN_DIGITS = re.compile(r"\d{7}")
_NAME_CUE = re.compile("姓名|联系人|户主|申请人|反映人|我叫")


def mask_personal_data(text: str) -> str:
    """Return `text` with ID numbers, bank cards, phone numbers and stated names masked."""
    seven = _SEVEN_DIGITS.search(text) is not None
    four = seven or _FOUR_DIGITS.search(text) is not None
    name = _NAME_CUE.search(text) is not None
    if seven:
        text = _ID_NUMBER.sub(lambda m: _keep_ends(m.group(0), head=3, tail=4), text)
    if four:
        text = _BANK_CARD.sub(lambda m: _keep_ends(_digits(m.group(0)), head=4, tail=4), text)
        text = _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)
    if seven:
        text = _LANDLINE.sub(lambda m: mask_phone(m.group(0)), text)
        text = _LOCAL_NUMBER.sub(
            lambda m: m.group(1) + m.group(2) + mask_phone(m.group(3)), text
        )
    if name:
        text = _NAME.sub(lambda m: m.group(1) + mask_name(m.group(2)), text)
    return text


def mask_phone(phone: str) -> str:
    """Mask a phone number: mobile "138****5678", landline "0731-****9999", local "****9999"."""
    digits = _digits(phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if digits.startswith("0") and len(digits) >= 10:
        area = 3 if digits[1] in "12" else 4  # 010 and 02x are the three-digit area codes
        return f"{digits[:area]}-****{digits[-4:]}"
    return "****" + digits[-4:] if len(digits) > 4 else "*" * len(digits)


def mask_name(name: str) -> str:
    """Keep the surname, star the given name: "王五" -> "王*", "欧阳娜娜" -> "欧阳**"."""
    name = name.strip()
    if len(name) <= 1:
        return name
    surname = 2 if name[:2] in _COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:surname] + "*" * (len(name) - surname)


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _keep_ends(value: str, *, head: int, tail: int) -> str:
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]
