"""Answers that need no dispatch: the knowledge base, and staff's reply templates.

A resident's new message (not a follow-up, not urgent, nothing held) that is a short question
matching the office's answers file (``nlp.answers``) gets the answer at once, with the buttons
仍需人工处理 and 已解决. Only 仍需人工处理 files a petition, from the kept question, with its
deadlines counted from that press; 已解决 closes the question. A question nobody presses for
stays ``pending``: nothing is filed (the resident was answered; anything more they send is a
new message), and the digest counts it with the others. Every question is kept
(``KnowledgeQuestion``) whatever happens.

Staff reply to a card with ``/tpl <name>`` to send a saved answer (the file's ``[templates]``).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from sqlmodel import Session

from reception import texts
from reception.deps import Deps
from reception.errors import InvalidInput, NotAllowed, NotFound
from reception.handling.access import Access
from reception.handling.lifecycle import Lifecycle
from reception.petition import callback_data, outbox
from reception.petition.events import Actor, Note
from storage import knowledge_queries as kq
from storage import queries
from storage.db import transaction
from storage.enums import ActorKind, MessageKind, QuestionOutcome
from storage.models import Draft, KnowledgeQuestion, Resident
from storage.tables import saved_id

if TYPE_CHECKING:
    from reception.handling.desk import Desk
    from reception.handling.intake import Inbound, Intake, IntakeResult


def answer_question(intake: Intake, session: Session, resident: Resident,
                    inbound: Inbound) -> IntakeResult | None:
    """Answer ``inbound`` from the knowledge base, keeping it; None when it is a petition."""
    from reception.handling.intake import IntakeResult

    deps = intake.deps
    if inbound.kind != MessageKind.TEXT or inbound.forwarded_from or resident.community_code is None:
        return None
    if kq.question_of_message(session, chat_id=inbound.chat_id, message_id=inbound.message_id):
        return IntakeResult("duplicate")
    if session.get(Draft, (resident.tg_user_id, resident.tg_user_id)) is not None:
        return None  # something is held: it waits for a petition
    entry = deps.answers.find(inbound.text)
    if entry is None or deps.analyzer.urgency(inbound.text).urgent:
        return None
    now = deps.clock.now()
    question = KnowledgeQuestion(
        resident_id=saved_id(resident), community_code=resident.community_code,
        chat_id=inbound.chat_id, message_id=inbound.message_id, text=inbound.text,
        answer_code=entry.code, asked_at=now)
    session.add(question)
    session.flush()
    buttons = [[(texts.KNOWLEDGE_FILE_BUTTON, callback_data.knowledge(saved_id(question), "file")),
                (texts.KNOWLEDGE_DONE_BUTTON, callback_data.knowledge(saved_id(question), "done"))]]
    outbox.message(session, chat_id=inbound.chat_id, now=now, buttons=buttons,
                   text=texts.KNOWLEDGE_ANSWER.format(title=html.escape(entry.title),
                                                      answer=html.escape(entry.answer)))
    return IntakeResult("answered_by_knowledge")


def edit_question(session: Session, inbound: Inbound) -> bool:
    """The resident edited a question the knowledge base answered: a pending one keeps the
    new words (they are what 仍需人工处理 files). Returns whether it was such a question."""
    question = kq.question_of_message(session, chat_id=inbound.chat_id,
                                      message_id=inbound.message_id)
    if question is None:
        return False
    if question.outcome == QuestionOutcome.PENDING and inbound.text.strip():
        question.text = inbound.text
    return True


class Knowledge:
    def __init__(self, deps: Deps, access: Access, intake: Intake, desk: Desk) -> None:
        self.deps = deps
        self.access = access
        self.intake = intake
        self.desk = desk
        self.lifecycle = Lifecycle(deps)

    def decide(self, *, tg_user_id: int, question_id: int, choice: str) -> str:
        """仍需人工处理 (``file``) or 已解决 (``done``) under an answer; only its resident may."""
        from reception.handling.intake import Inbound

        now = self.deps.clock.now()
        with transaction(self.deps.engine) as session:
            question = session.get(KnowledgeQuestion, question_id)
            if question is None:
                raise NotFound(texts.BUTTON_INVALID)
            resident = session.get(Resident, question.resident_id)
            if resident is None or resident.tg_user_id != tg_user_id:
                raise NotAllowed(texts.KNOWLEDGE_NOT_YOURS)
            if question.outcome != QuestionOutcome.PENDING:
                return texts.KNOWLEDGE_ALREADY
            question.decided_at = now
            if choice == "done":
                question.outcome = QuestionOutcome.SOLVED
                outbox.message(session, chat_id=question.chat_id, now=now, text=texts.KNOWLEDGE_SOLVED)
                return texts.KNOWLEDGE_SOLVED
            if choice != "file":
                raise InvalidInput(texts.BUTTON_INVALID)
            question.outcome = QuestionOutcome.FILED
            result = self.intake._create(session, resident, Inbound(
                tg_user_id=tg_user_id, name=resident.name, username=resident.username,
                chat_id=question.chat_id, message_id=question.message_id, kind=MessageKind.TEXT,
                text=question.text))
            petition = queries.petition_by_number(session, result.number or "")
            if petition is None:  # _create always stores one
                raise NotFound(texts.BUTTON_INVALID)
            question.petition_id = petition.id
            entry = self.deps.answers.answer(question.answer_code)
            self.lifecycle.note(session, petition, Note.KNOWLEDGE, actor=Actor(ActorKind.RESIDENT, resident.id),
                                text=texts.KNOWLEDGE_NOTE.format(
                                    title=entry.title if entry else question.answer_code))
            return petition.number

    # --- templates ---------------------------------------------------------------------------
    def templates(self, *, tg_user_id: int, chat_id: int) -> str:
        """/tpl: the saved answers staff may send."""
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            self.access.chat_scope(session, staff, chat_id)
        book = self.deps.answers
        if not book.templates:
            return texts.TEMPLATE_NONE
        return "\n".join([texts.TEMPLATE_LIST_HEADER] + [
            texts.TEMPLATE_LIST_LINE.format(name=html.escape(t.name), text=html.escape(t.text))
            for t in book.templates])

    def send_template(self, *, tg_user_id: int, chat_id: int, name: str,
                      reply_to_message_id: int | None, message_id: int,
                      thread_id: int | None) -> str:
        """/tpl NAME in reply to a card: the template goes to the resident as the reply."""
        with transaction(self.deps.engine) as session:
            staff = self.access.require_staff(session, tg_user_id)
            self.access.chat_scope(session, staff, chat_id)
        template = self.deps.answers.template(name)
        if template is None:
            names = "、".join(t.name for t in self.deps.answers.templates) or "—"
            raise InvalidInput(texts.TEMPLATE_UNKNOWN.format(name=html.escape(name), names=names))
        answer = self.desk.reply(tg_user_id=tg_user_id, chat_id=chat_id,
                                 reply_to_message_id=reply_to_message_id, thread_id=thread_id,
                                 message_id=message_id, kind=MessageKind.TEXT, text=template.text,
                                 file_id=None)
        if answer is None:
            raise InvalidInput(texts.TEMPLATE_NOT_A_REPLY.format(name=html.escape(template.name)))
        return answer
