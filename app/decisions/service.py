"""Decisions (append-only) and confirmed facts of an incident."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.decisions.models import Decision
from app.errors import UserError
from app.incidents import timeline
from app.incidents.kinds import TimelineKind
from app.incidents.models import Fact, Visibility


class RecordError(UserError):
    """A decision or fact that cannot be recorded as given."""


def set_permalink(session: Session, decision_id: int, permalink: str | None) -> None:
    """The link to the decision's message in Slack, once it is posted."""
    decision = session.get(Decision, decision_id)
    if decision is not None and permalink:
        decision.permalink = permalink
        session.add(decision)


def log_decision(
    session: Session, incident_id: int, text: str, *, by: str, permalink: str | None = None, source: str = "command"
) -> Decision:
    text = text.strip()
    if not text:
        raise RecordError(key="record.error.decision_text")
    decision = Decision(incident_id=incident_id, text=text[:4000], decided_by=by, permalink=permalink, source=source)
    session.add(decision)
    session.flush()
    timeline.record(session, incident_id, TimelineKind.DECISION, decision.text, actor=by, decision_id=decision.id,
                    permalink=permalink)
    return decision


def decisions(session: Session, incident_id: int, *, limit: int | None = None) -> list[Decision]:
    query = select(Decision).where(Decision.incident_id == incident_id)
    if limit:
        return list(session.exec(query.order_by(col(Decision.id).desc()).limit(limit)))
    return list(session.exec(query.order_by(col(Decision.id))))


VISIBILITIES = tuple(Visibility)


def parse_fact(text: str) -> tuple[Visibility, str]:
    """``public <text>``, ``private <text>`` or ``internal <text>`` (the default without a word): visibility, text."""
    text = text.strip()
    first, _, rest = text.partition(" ")
    if first.lower() in VISIBILITIES:
        return Visibility(first.lower()), rest.strip()
    return Visibility.INTERNAL, text


def add_fact(session: Session, incident_id: int, text: str, *, by: str) -> Fact:
    """Record a fact; its first word may say who may see it (see parse_fact). Only public facts reach
    statements; private ones (e.g. a victim's name) are also kept out of the timeline's text."""
    visibility, text = parse_fact(text)
    if not text:
        raise RecordError(key=f"record.error.fact_text.{visibility.value}")
    private = visibility == Visibility.PRIVATE
    fact = Fact(incident_id=incident_id, text=text[:2000], visibility=visibility, private=private, added_by=by)
    session.add(fact)
    session.flush()
    timeline.record(session, incident_id, TimelineKind.FACT, "(private)" if private else fact.text, actor=by,
                    fact_id=fact.id, private=private, visibility=visibility)
    return fact


def facts(session: Session, incident_id: int, *, private: bool | None = None,
          visibility: str | None = None) -> list[Fact]:
    """The incident's facts in the order recorded. ``visibility`` picks one kind. ``private=True`` means the
    private facts; ``private=False`` the facts a statement may state, which are the public ones only."""
    query = select(Fact).where(Fact.incident_id == incident_id)
    if private is True:
        visibility = Visibility.PRIVATE
    elif private is False:
        visibility = visibility or Visibility.PUBLIC
    if visibility is not None:
        if visibility not in VISIBILITIES:
            raise ValueError(f"unknown fact visibility {visibility!r}: use one of {', '.join(VISIBILITIES)}")
        query = query.where(Fact.visibility == visibility)
    return list(session.exec(query.order_by(col(Fact.id))))


def publish_fact(session: Session, incident_id: int, fact_id: int, *, by: str) -> Fact:
    """Mark an internal fact of this incident for publication; private facts are never published."""
    fact = session.get(Fact, fact_id)
    if fact is None or fact.incident_id != incident_id:
        raise RecordError(key="record.error.no_fact", id=fact_id)
    if fact.visibility == Visibility.PRIVATE:
        raise RecordError(key="record.error.fact_private", id=fact_id)
    if fact.visibility == Visibility.PUBLIC:
        raise RecordError(key="record.error.fact_public", id=fact_id)
    fact.visibility = Visibility.PUBLIC
    session.add(fact)
    timeline.record(session, incident_id, TimelineKind.FACT_PUBLISHED, fact.text, actor=by, fact_id=fact.id)
    return fact
