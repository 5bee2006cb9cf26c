"""Decisions and facts: stored first, then announced in the room."""

from __future__ import annotations

from app.core import Core
from app.db import transaction
from app.decisions import service
from app.decisions.models import Decision
from app.incidents.models import Fact
from app.slack.client import permalink
from app.slack.text import mention, said


def record_decision(core: Core, incident_id: int, text: str, *, by: str, channel_id: str, source: str = "command",
                    message_ts: str | None = None) -> Decision:
    """Log the decision, then announce it; its permalink is the original message's (shortcut) or the announcement's."""
    with transaction(core.engine) as session:
        decision = service.log_decision(session, incident_id, text, by=by, source=source)
    posted = core.slack.chat_postMessage(channel=channel_id,
                                         text=f":scales: *Decision* by {mention(by)}: {said(decision.text)}")
    link = permalink(core.slack, channel_id, message_ts or posted.get("ts"))
    with transaction(core.engine) as session:
        service.set_permalink(session, decision.id, link)
    decision.permalink = link
    return decision


def record_fact(core: Core, incident_id: int, text: str, *, by: str, channel_id: str) -> Fact:
    """Store the fact; a public one is announced in the room, a private one never leaves the record."""
    with transaction(core.engine) as session:
        fact = service.add_fact(session, incident_id, text, by=by)
    if not fact.private:
        core.slack.chat_postMessage(channel=channel_id,
                                    text=f":pushpin: *Confirmed fact* ({mention(by)}): {said(fact.text)}")
    return fact
