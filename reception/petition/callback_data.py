"""Callback data: the strings behind inline buttons, built and parsed here and nowhere else.

Telegram carries 1-64 bytes of ``callback_data`` per button and hands back whatever the
client sends (Bot API, InlineKeyboardButton). A press may therefore come from a card sent by
an older version, for a petition that has moved on, or from a modified client: parsing is
strict and a failure is a ``BadCallbackData`` that the handler answers with a polite refusal.

The wire format is the one the first cards were sent with, so their buttons keep working::

    p:<action>:<petition id>            claim | reassign | resolve | reject | urgent | noturgent
    p:to:<petition id>:<chat id>        reassign to another group of the community
    p:cat:<petition id>:<index>         reassign to the analyzer's category number <index>
    p:merge:<petition id>:<petition id> merge the first into the second
    p:ret:<petition id>                 退单: return it (the reason is asked for)
    p:uph:<petition id>                 a dispatcher upholds the dispatch a group returned
    p:otg:<petition id>:<chat id>       ... overturns it: to another group of the community
    p:otc:<petition id>:<index>         ... to the analyzer's category number <index>
    p:otm:<petition id>:<index>         ... to the organisation's community number <index>
    p:rfd:<petition id>:<referral id>   a department reports its referral done
    p:exa:<petition id>:<extension id>  an approver grants an extension
    p:exr:<petition id>:<extension id>  ... refuses it
    r:<petition id>:<rating>            the resident's satisfied | basic | unsatisfied
    c:<community code>                  the resident's community, from the welcome message
    d:send                              submit the resident's held voice note as it is
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from enum import StrEnum

from reception import texts
from reception.errors import InvalidInput
from storage.enums import CallbackOutcome, Rating

LIMIT_BYTES = 64  # Telegram: callback_data is 1-64 bytes
CARD_PREFIX, RATING_PREFIX, COMMUNITY_PREFIX = "p:", "r:", "c:"
DRAFT_PREFIX = "d:"
SUBMIT_HELD = f"{DRAFT_PREFIX}send"
RATINGS = tuple(Rating(code) for _, code in texts.RATE_BUTTONS)
# Ids as the database keeps them: ASCII digits (int() would also take " 7", "+7", "1_0" and
# other scripts' digits) within a signed 64-bit integer.
_ID = re.compile(r"-?[0-9]{1,19}")
_INT64 = range(-(2**63), 2**63)


class CardAction(StrEnum):
    CLAIM = "claim"
    REASSIGN = "reassign"
    RESOLVE = "resolve"
    REJECT = "reject"
    TO_GROUP = "to"
    TO_CATEGORY = "cat"
    MERGE = "merge"
    URGENT = "urgent"  # staff: handle as an emergency (reception.handling.urgency)
    NOT_URGENT = "noturgent"  # staff: not urgent after all (asks for the reason)
    RETURN = "ret"  # 退单 on the card: the group is asked for the reason
    UPHOLD = "uph"
    OVERTURN_GROUP = "otg"
    OVERTURN_CATEGORY = "otc"
    OVERTURN_COMMUNITY = "otm"
    REFERRAL_DONE = "rfd"
    EXTEND_APPROVE = "exa"
    EXTEND_REFUSE = "exr"


# The actions whose button carries a second number (the target), and its least value: group
# chat ids are negative, indexes count from 0, petition, referral and extension ids from 1.
_TARGET_MINIMUM: dict[CardAction, int | None] = {
    CardAction.TO_GROUP: None, CardAction.TO_CATEGORY: 0, CardAction.MERGE: 1,
    CardAction.OVERTURN_GROUP: None, CardAction.OVERTURN_CATEGORY: 0,
    CardAction.OVERTURN_COMMUNITY: 0, CardAction.REFERRAL_DONE: 1,
    CardAction.EXTEND_APPROVE: 1, CardAction.EXTEND_REFUSE: 1,
}
_WITH_TARGET = frozenset(_TARGET_MINIMUM)


class BadCallbackData(InvalidInput):
    """A button's data this version cannot act on; ``str()`` is the refusal to show.

    ``reason`` says what was wrong, in English, for the log.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(texts.BUTTON_INVALID)
        self.reason = reason


class CallbackDataTooLong(ValueError):
    """Raised when building a button whose data Telegram would refuse (over 64 bytes)."""


@dataclass(frozen=True)
class CardPress:
    action: CardAction
    petition_id: int
    target: int | None = None  # chat id, category index or petition id; see the module doc


@dataclass(frozen=True)
class RatingPress:
    petition_id: int
    rating: Rating


# --- building ---------------------------------------------------------------------------------

def card(action: CardAction, petition_id: int, target: int | None = None) -> str:
    """A petition card's button, or one of the reassign choices."""
    if (target is not None) != (action in _WITH_TARGET):
        raise ValueError(f"{action} {'needs' if action in _WITH_TARGET else 'takes no'} target")
    fields = [CARD_PREFIX + action, str(petition_id)]
    if target is not None:
        fields.append(str(target))
    return _checked(":".join(fields))


def rating(petition_id: int, code: Rating) -> str:
    """A resident's rating button under a resolved petition."""
    if code not in RATINGS:
        raise ValueError(f"unknown rating {code!r}")
    return _checked(f"{RATING_PREFIX}{petition_id}:{code}")


def community(code: str) -> str:
    """A community button on the welcome message."""
    if not code or ":" in code:
        raise ValueError(f"community code {code!r} cannot be a button")
    return _checked(COMMUNITY_PREFIX + code)


def _checked(data: str) -> str:
    size = len(data.encode("utf-8"))
    if size > LIMIT_BYTES:
        raise CallbackDataTooLong(f"callback data {data!r} is {size} bytes; Telegram allows {LIMIT_BYTES}")
    return data


# --- parsing --------------------------------------------------------------------------------

def parse_card(data: str | None) -> CardPress:
    """``p:…`` back into a CardPress. Raises BadCallbackData."""
    fields = _fields(data, CARD_PREFIX)
    try:
        action = CardAction(fields[0])
    except ValueError:
        raise BadCallbackData(f"unknown card action {fields[0]!r}") from None
    expected = 3 if action in _WITH_TARGET else 2
    if len(fields) != expected:
        raise BadCallbackData(f"{action} takes {expected} fields, got {len(fields)}")
    petition_id = _id(fields[1], "petition id", minimum=1)
    if action not in _WITH_TARGET:
        return CardPress(action, petition_id)
    minimum = _TARGET_MINIMUM[action]
    return CardPress(action, petition_id, _id(fields[2], f"{action} target", minimum=minimum))


def parse_rating(data: str | None) -> RatingPress:
    """``r:<petition id>:<rating>`` back into a RatingPress. Raises BadCallbackData."""
    fields = _fields(data, RATING_PREFIX)
    if len(fields) != 2:
        raise BadCallbackData(f"a rating takes 2 fields, got {len(fields)}")
    if fields[1] not in RATINGS:
        raise BadCallbackData(f"unknown rating {fields[1]!r}")
    return RatingPress(_id(fields[0], "petition id", minimum=1), Rating(fields[1]))


def parse_community(data: str | None, *, known: Container[str]) -> str:
    """``c:<code>`` back into a community code in ``known``. Raises BadCallbackData."""
    fields = _fields(data, COMMUNITY_PREFIX)
    if len(fields) != 1 or fields[0] not in known:
        raise BadCallbackData(f"unknown community {':'.join(fields)!r}")
    return fields[0]


def _fields(data: str | None, prefix: str) -> list[str]:
    if not data:
        raise BadCallbackData("no callback data")
    size = len(data.encode("utf-8", "replace"))
    if size > LIMIT_BYTES:
        raise BadCallbackData(f"{size} bytes, over Telegram's {LIMIT_BYTES}")
    if not data.startswith(prefix):
        raise BadCallbackData(f"not a {prefix!r} button")
    return data.removeprefix(prefix).split(":")


def _id(text: str, what: str, *, minimum: int | None) -> int:
    if not _ID.fullmatch(text) or int(text) not in _INT64:
        raise BadCallbackData(f"{what} {text!r} is not a number")
    if minimum is not None and int(text) < minimum:
        raise BadCallbackData(f"{what} {text!r} is below {minimum}")
    return int(text)


def parse_submit_held(data: str | None) -> None:
    """The 就这样提交 button under a held voice note; anything else is refused."""
    if data != SUBMIT_HELD:
        raise BadCallbackData(f"not a draft button: {data!r:.80}")


# --- call-backs (回访): b:<call-back id>:<outcome> ---------------------------------------------
CALLBACK_PREFIX = "b:"
CALLBACK_OUTCOMES = tuple(CallbackOutcome(code) for _, code in texts.CALLBACK_BUTTONS)


@dataclass(frozen=True)
class CallBackPress:
    callback_id: int
    outcome: CallbackOutcome


def call_back(callback_id: int, outcome: CallbackOutcome) -> str:
    """An outcome button under an entry of the call-back list."""
    if outcome not in CALLBACK_OUTCOMES:
        raise ValueError(f"unknown call-back outcome {outcome!r}")
    return _checked(f"{CALLBACK_PREFIX}{callback_id}:{outcome}")


def parse_call_back(data: str | None) -> CallBackPress:
    """``b:<call-back id>:<outcome>`` back into a CallBackPress. Raises BadCallbackData."""
    fields = _fields(data, CALLBACK_PREFIX)
    if len(fields) != 2:
        raise BadCallbackData(f"a call-back takes 2 fields, got {len(fields)}")
    if fields[1] not in CALLBACK_OUTCOMES:
        raise BadCallbackData(f"unknown call-back outcome {fields[1]!r}")
    return CallBackPress(_id(fields[0], "call-back id", minimum=1), CallbackOutcome(fields[1]))


# --- knowledge-base answers: k:<question id>:file|done ----------------------------------------
KNOWLEDGE_PREFIX = "k:"
KNOWLEDGE_CHOICES = ("file", "done")  # 仍需人工处理 | 已解决


@dataclass(frozen=True)
class KnowledgePress:
    question_id: int
    choice: str


def knowledge(question_id: int, choice: str) -> str:
    """A button under a knowledge-base answer."""
    if choice not in KNOWLEDGE_CHOICES:
        raise ValueError(f"unknown knowledge choice {choice!r}")
    return _checked(f"{KNOWLEDGE_PREFIX}{question_id}:{choice}")


def parse_knowledge(data: str | None) -> KnowledgePress:
    """``k:<question id>:<choice>`` back into a KnowledgePress. Raises BadCallbackData."""
    fields = _fields(data, KNOWLEDGE_PREFIX)
    if len(fields) != 2 or fields[1] not in KNOWLEDGE_CHOICES:
        raise BadCallbackData(f"not a knowledge button: {data!r:.80}")
    return KnowledgePress(_id(fields[0], "question id", minimum=1), fields[1])


# --- home visits: v:<visit id> (register what the visit found as a petition) ------------------
VISIT_PREFIX = "v:"


def visit(visit_id: int) -> str:
    return _checked(f"{VISIT_PREFIX}{visit_id}")


def parse_visit(data: str | None) -> int:
    """``v:<visit id>`` back into the visit id. Raises BadCallbackData."""
    fields = _fields(data, VISIT_PREFIX)
    if len(fields) != 1:
        raise BadCallbackData(f"not a visit button: {data!r:.80}")
    return _id(fields[0], "visit id", minimum=1)
