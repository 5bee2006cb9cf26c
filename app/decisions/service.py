"""Decisions (append-only) and confirmed facts of an incident."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.decisions.models import Decision
from app.errors import UserError
from app.incidents import timeline
from app.incidents.models import Fact


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
        raise RecordError("a decision needs its text, e.g. `/warroom decision Pause all paid promotion`")
    decision = Decision(incident_id=incident_id, text=text[:4000], decided_by=by, permalink=permalink, source=source)
    session.add(decision)
    session.flush()
    timeline.record(session, incident_id, "decision", decision.text, actor=by, decision_id=decision.id,
                    permalink=permalink)
    return decision


def decisions(session: Session, incident_id: int, *, limit: int | None = None) -> list[Decision]:
    query = select(Decision).where(Decision.incident_id == incident_id)
    if limit:
        return list(session.exec(query.order_by(col(Decision.id).desc()).limit(limit)))
    return list(session.exec(query.order_by(col(Decision.id))))


def add_fact(session: Session, incident_id: int, text: str, *, by: str) -> Fact:
    """``private <detail>`` records a private fact (e.g. a victim's name) that statements must never contain."""
    text = text.strip()
    private = False
    first, _, rest = text.partition(" ")
    if first.lower() == "private":
        private, text = True, rest.strip()
    if not text:
        example = "private Reported by customer Jane Doe" if private else "1,200 customer records were exposed"
        raise RecordError(f"a fact needs its text, e.g. `/warroom fact {example}`")
    fact = Fact(incident_id=incident_id, text=text[:2000], private=private, added_by=by)
    session.add(fact)
    session.flush()
    timeline.record(session, incident_id, "fact", "(private)" if private else fact.text, actor=by,
                    fact_id=fact.id, private=private)
    return fact


def facts(session: Session, incident_id: int, *, private: bool | None = None) -> list[Fact]:
    query = select(Fact).where(Fact.incident_id == incident_id)
    if private is not None:
        query = query.where(Fact.private == private)
    return list(session.exec(query.order_by(col(Fact.id))))
