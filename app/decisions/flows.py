"""Decisions and facts: stored together with their announcement, which the outbox then posts."""

from __future__ import annotations

from sqlmodel import Session

from app.core import Core
from app.db import transaction
from app.decisions import service
from app.decisions.models import Decision
from app.effects import service as effects
from app.i18n import language_of
from app.i18n import say as words
from app.incidents.models import Fact, Incident, Visibility
from app.slack.client import permalink
from app.slack.text import mention, said


def _language(session: Session, incident_id: int) -> str:
    incident = session.get(Incident, incident_id)
    return language_of(incident.language if incident is not None else None)


def record_decision(core: Core, incident_id: int, text: str, *, by: str, channel_id: str, source: str = "command",
                    message_ts: str | None = None) -> Decision:
    """Log the decision and its announcement in one transaction; its permalink is the original message's
    (shortcut) or, once posted, the announcement's."""
    link = permalink(core.slack, channel_id, message_ts) if message_ts else None
    with transaction(core.engine) as session:
        decision = service.log_decision(session, incident_id, text, by=by, source=source, permalink=link)
        effects.post(session, f"decision:{decision.id}:announce", incident_id=incident_id, channel=channel_id,
                     text=words(_language(session, incident_id), "notice.decision", who=mention(by),
                                text=said(decision.text)),
                     then=None if link else "decision_permalink", then_args={"decision_id": decision.id})
    core.deliver()
    return decision


def link_announcement(core: Core, channel: str, ts: str | None, *, decision_id: int) -> None:
    """After the announcement is posted: the decision links to it."""
    with transaction(core.engine) as session:
        service.set_permalink(session, decision_id, permalink(core.slack, channel, ts))


VISIBILITY_WORDS: dict[str, str] = {
    Visibility.PUBLIC: "notice.fact_public",
    Visibility.INTERNAL: "notice.fact_internal",
}


def fact_announcement(fact: Fact, by: str, language: str = "en") -> str:
    """The room's message about a new public or internal fact, saying which it is."""
    which = words(language, VISIBILITY_WORDS[fact.visibility])
    text = words(language, "notice.fact", id=fact.id, which=which, who=mention(by), text=said(fact.text))
    if fact.visibility == Visibility.INTERNAL:
        text += "\n" + words(language, "notice.fact_publish_hint", id=fact.id)
    return text


def record_fact(core: Core, incident_id: int, text: str, *, by: str, channel_id: str) -> Fact:
    """Store the fact; a public or internal one is announced in the room (saying which), a private one never
    leaves the record."""
    with transaction(core.engine) as session:
        fact = service.add_fact(session, incident_id, text, by=by)
        if not fact.private:
            effects.post(session, f"fact:{fact.id}:announce", incident_id=incident_id, channel=channel_id,
                         text=fact_announcement(fact, by, _language(session, incident_id)))
    core.deliver()
    return fact


def publish_fact(core: Core, incident_id: int, fact_id: int, *, by: str, channel_id: str) -> Fact:
    """Mark an internal fact for publication and say so in the room."""
    with transaction(core.engine) as session:
        fact = service.publish_fact(session, incident_id, fact_id, by=by)
        effects.post(session, f"fact:{fact.id}:publish", incident_id=incident_id, channel=channel_id,
                     text=words(_language(session, incident_id), "notice.fact_published", id=fact.id,
                                who=mention(by), text=said(fact.text)))
    core.deliver()
    return fact
