"""The closed sets of values the tables hold, one StrEnum each.

A column of one of these types (``storage.types.EnumString``) stores the member's value in a
plain VARCHAR and hands the member back on load, so the schema is that of plain strings while
the code compares members, not literals. What a value means to people (labels, refusals)
lives in the domain's text modules, never here.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where a petition stands (the transitions: reception.petition.states)."""

    SUBMITTED = "submitted"
    CLAIMED = "claimed"
    WAITING = "waiting"  # staff asked the resident a question; the clock is paused
    REOPENED = "reopened"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"
    MERGED = "merged"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        """Still being worked on (its deadlines count unless it waits for the resident)."""
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset({Status.SUBMITTED, Status.CLAIMED, Status.WAITING, Status.REOPENED})


class Channel(StrEnum):
    """How a petition came in."""

    TELEGRAM = "telegram"  # a resident's message to the bot
    WALKIN = "walkin"  # a visit registered at the desk
    PHONE = "phone"  # a call registered at the desk
    VISIT = "visit"  # a problem found on a home visit (民情日记)


class Rating(StrEnum):
    """The resident's verdict on a resolved petition."""

    SATISFIED = "satisfied"
    BASIC = "basic"  # 基本满意
    UNSATISFIED = "unsatisfied"


class Role(StrEnum):
    """What a staff member may do (reception.handling.access)."""

    STAFF = "staff"
    ADMIN = "admin"
    SUPERVISOR = "supervisor"


class ScopeKind(StrEnum):
    """The level of the organisation a staff member or a group answers for."""

    COMMUNITY = "community"  # 社区
    STREET = "street"  # 街道
    DISTRICT = "district"  # 区


class ActorKind(StrEnum):
    """Who did what a timeline event records."""

    RESIDENT = "resident"
    STAFF = "staff"
    SYSTEM = "system"  # the bot itself: deadlines, escalation, the calendar
    DEPARTMENT = "department"  # a department's member reporting on a referral


class Direction(StrEnum):
    """Which way a petition's message went."""

    IN = "in"  # from the resident
    OUT = "out"  # sent by the bot (delivery records it)
    STAFF = "staff"  # a staff member's message in a group, kept with the petition


class MessageKind(StrEnum):
    """What a petition's message is (Telegram's content types that we keep, and cards)."""

    TEXT = "text"
    PHOTO = "photo"
    VOICE = "voice"
    DOCUMENT = "document"
    VIDEO = "video"
    LOCATION = "location"
    STICKER = "sticker"
    CONTACT = "contact"  # a phone number shared with the contact button
    CARD = "card"  # a petition card sent to a staff group


class OutboxKind(StrEnum):
    """What an outbox row sends (bot/delivery.py)."""

    MESSAGE = "message"  # HTML text, maybe with buttons or a keyboard
    CARD = "card"  # the petition's card, rendered when sent, edited in place afterwards
    MEDIA = "media"  # a photo, voice, document, video or location by Telegram file_id
    UPLOAD = "upload"  # a file from disk: a digest chart, an exported register


class OutboxStatus(StrEnum):
    """An outbox row's state (storage.outbox)."""

    PENDING = "pending"  # due at next_attempt_at
    SENDING = "sending"  # claimed by one process until claimed_until
    SENT = "sent"
    FAILED = "failed"  # given up or refused by Telegram; never retried


class InboxStatus(StrEnum):
    """A stored update's state (storage.inbox)."""

    PENDING = "pending"  # not handled yet, due at next_attempt_at
    HANDLED = "handled"
    DEAD = "dead"  # parked: failed repeatedly or unreadable; `minyuan inbox replay` revives it


class DraftKind(StrEnum):
    """A pending multi-step input."""

    HELD = "held"  # a resident's messages held until they choose to submit
    STRAY = "stray"  # a resident's stray messages, kept while the bot asks what they need
    RESOLVE = "resolve"  # a staff member's result awaited
    REJECT = "reject"  # a staff member's reason awaited
    RETURN = "return"  # a staff member's reason for returning a petition (退单) awaited
    NOT_URGENT = "noturgent"  # the reason the card's 取消紧急 waits for
    CALLBACK_NOTE = "callback_note"  # the caller's next message is the call-back's note


class ReturnReason(StrEnum):
    """Why a group returned a petition (退单), as its words say (texts.RETURN_REASON_WORDS)."""

    COMMUNITY = "community"  # another community's
    CATEGORY = "category"  # another category's
    DEPARTMENT = "department"  # a department's, not the community's
    OTHER = "other"


class Ruling(StrEnum):
    """The dispatcher's ruling on a return."""

    UPHELD = "upheld"  # back to the group that returned it
    OVERTURNED = "overturned"  # routed elsewhere


class Decision(StrEnum):
    """The approver's decision on an extension (延期申请)."""

    APPROVED = "approved"
    REFUSED = "refused"


class StrayOutcome(StrEnum):
    """What became of stray messages a resident never explained (their draft expired)."""

    CLOSED = "closed"  # the resident was told; nothing filed
    FILED = "filed"  # a voice note, filed as the petition it was


class CallbackOutcome(StrEnum):
    """How a call-back (回访) went: the resident's verdict, as a rating, or nobody answered."""

    SATISFIED = "satisfied"
    BASIC = "basic"
    UNSATISFIED = "unsatisfied"
    UNREACHABLE = "unreachable"  # 联系不上: no rating


class CallbackReason(StrEnum):
    """Why a resolved petition is on the call-back list."""

    UNRATED = "unrated"  # the resident did not rate it
    SAMPLE = "sample"  # rated, and drawn for the sample


class QuestionOutcome(StrEnum):
    """What became of a question the knowledge base answered."""

    PENDING = "pending"  # no press yet
    FILED = "filed"  # 仍需人工处理: filed as a petition
    SOLVED = "solved"  # 已解决


class PlaceKind(StrEnum):
    """Where a recurring problem (每月一题) is: a building or a grid."""

    BUILDING = "building"
    GRID = "grid"


class TopicState(StrEnum):
    """A monthly topic's state."""

    TRACKING = "tracking"
    SOLVED = "solved"
