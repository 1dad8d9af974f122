"""Filing a new petition: classify, locate, route, time it, spot its duplicate, queue its card.

One path for every channel: a resident's message (reception.handling.intake) and a visit or
phone call registered at the desk (reception.handling.desk).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from sqlmodel import Session

from nlp.dedup import Signature, link, signature
from reception.deadlines.ladder import set_reminders
from reception.deps import Deps
from reception.handling import emergency
from reception.handling.lifecycle import Lifecycle
from reception.petition.events import Actor
from reception.petition.numbering import next_number
from reception.petition.routing import route
from reception.petition.states import OPEN_STATUSES, Action
from storage import queries
from storage.enums import Channel
from storage.models import Petition, Resident

log = logging.getLogger(__name__)

SIGNATURE_CACHE_SIZE = 50_000


class Filing:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.lifecycle = Lifecycle(deps)
        self._signatures: dict[int, Signature] = {}  # petition id -> (see _signatures_of)

    def new_petition(
        self, session: Session, *, community: str, text: str, actor: Actor,
        resident: Resident | None = None, channel: Channel = Channel.TELEGRAM,
        visitor_name: str | None = None, visitor_phone: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> Petition:
        """Classify, locate, route and time a new petition; queue its card. Used for
        residents' messages and for visits registered at the desk. ``detail`` goes on the
        submit event (a forwarded message's origin)."""
        deps, now = self.deps, self.deps.clock.now()
        analysis = deps.analyzer.analyse(text)
        decision, location = analysis.decision, analysis.location
        profile = resident if resident is not None and not location.building else None
        building = location.building or (resident.building if resident else None)
        unit = location.unit or (profile.unit if profile else None)
        room = location.room or (profile.room if profile else None)
        grid = deps.org.grid_for(community, building)
        triage = decision.confidence < deps.settings.triage_threshold
        group = route(
            session, deps.org, community_code=community, category=decision.category,
            grid_code=grid.code if grid else None, triage=triage,
        )
        due = deps.deadlines.deadlines(
            start=now, urgent=analysis.urgency.urgent, complex=False, category=decision.category
        )
        # No status here: the lifecycle sets it when it applies Action.SUBMIT below.
        petition = Petition(  # type: ignore[call-arg]
            number=next_number(session, prefix=deps.settings.number_prefix, now=now,
                               tz=deps.settings.tz),
            channel=channel, community_code=community,
            street_code=deps.org.street_of(community).code,
            grid_code=grid.code if grid else None,
            resident_id=resident.id if resident else None,
            visitor_name=visitor_name, visitor_phone=visitor_phone,
            category=decision.category, confidence=decision.confidence,
            runner_up=decision.runner_up, keywords=list(decision.keywords),
            tokens=sorted(analysis.tokens), urgent=analysis.urgency.urgent,
            urgent_words=list(analysis.urgency.words), triage=triage,
            building=building, unit=unit, room=room, text=text,
            group_chat_id=group.chat_id if group else None,
            created_at=now, last_message_at=now, resolve_started_at=now,
            respond_due=due.respond_by, resolve_due=due.resolve_by,
        )
        set_reminders(deps, petition)
        petition.duplicate_of_id = self._find_duplicate(session, petition)
        self.lifecycle.apply(
            session, petition, Action.SUBMIT, actor=actor, channel=channel,
            category=decision.category, confidence=round(decision.confidence, 3),
            keywords=list(decision.keywords), urgent=analysis.urgency.urgent,
            group=group.chat_id if group else None, duplicate_of=petition.duplicate_of_id,
            **(detail or {}),
        )
        if group is None:
            log.warning("petition %s has no staff group: bind one with /bind %s",
                        petition.number, community)
        if petition.urgent:  # everyone who must act hears now, with the card
            emergency.alert(session, deps, petition, now=now)
        return petition

    def _find_duplicate(self, session: Session, petition: Petition) -> int | None:
        """The open petition of the last ``duplicate_window`` that reports the same problem at
        the same place (nlp.dedup.link), the most alike first; None when there is none."""
        settings = self.deps.settings
        candidates = queries.duplicate_candidates(
            session, community_code=petition.community_code, building=petition.building,
            statuses=list(OPEN_STATUSES), since=petition.created_at - settings.duplicate_window,
        )
        if not candidates:
            return None
        mine = signature(self.deps.topics, text=petition.text, tokens=petition.tokens,
                         category=petition.category, building=petition.building)
        others = self._signatures_of(session, [pid for pid, _ in candidates])
        best: tuple[float, int] | None = None
        for other_id, category in candidates:
            other = others.get(other_id)
            if other is None:
                continue
            found = link(mine, replace(other, category=category),
                         threshold=settings.duplicate_threshold)
            if found is None:
                continue
            # A named shared problem outranks wording alone; then the more alike words.
            score = found.score + (1.0 if found.problems else 0.0)
            if best is None or score > best[0]:
                best = (score, other_id)
        return best[1] if best else None

    def _signatures_of(self, session: Session, ids: list[int]) -> dict[int, Signature]:
        """Signatures of stored petitions, made once per process from what never changes
        (text, tokens, building; the category is read afresh, staff may correct it): a new
        petition is compared with up to 200 of its building's."""
        cache = self._signatures
        missing = [i for i in ids if i not in cache]
        if missing:
            if len(cache) > SIGNATURE_CACHE_SIZE:
                cache.clear()
            for row in queries.duplicate_rows(session, missing):
                cache[row.id] = signature(self.deps.topics, text=row.text, tokens=row.tokens,
                                          category="", building=row.building)
        return {i: cache[i] for i in ids if i in cache}
