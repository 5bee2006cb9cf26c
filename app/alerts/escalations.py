"""Telling the crisis lead that an alert outranks its incident, with a one-click raise of the severity.

The intake records the ``escalation`` on the timeline when it stores the alert; this module posts the
notice afterwards and marks the entry as posted, so a notice is never lost; flushes of one incident in
several processes take turns (a lock on PostgreSQL) and skip a notice already written to the outbox.
The button's ``value`` is ``"<incident_id>:<level>"``; its listener runs the usual severity change.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from app.alerts.models import Alert
from app.db import lock_names, transaction
from app.effects import service as effects
from app.i18n import say
from app.incidents.kinds import TimelineKind
from app.incidents.models import Incident, TimelineEvent
from app.roles import service as roles
from app.severity import Severity
from app.slack.blocks import actions, button, message, section
from app.slack.ids import ActionId
from app.slack.text import escape, mention

if TYPE_CHECKING:
    from app.core import Core

log = logging.getLogger(__name__)

RAISE_ACTION = ActionId.RAISE_SEVERITY
LEAD_ROLE = "lead"


def unposted(session: Session, incident_id: int) -> list[TimelineEvent]:
    """The incident's escalations whose notice has not been posted yet, oldest first."""
    query = select(TimelineEvent).where(TimelineEvent.incident_id == incident_id,
                                        TimelineEvent.kind == TimelineKind.ESCALATION)
    return [event for event in session.exec(query.order_by(col(TimelineEvent.id))) if not event.data.get("posted")]


def post_pending(core: Core, incident: Incident) -> int:
    """Post the notice of each unposted escalation that still outranks the incident; returns how many."""
    assert incident.id is not None  # a stored incident
    if not incident.channel_id:
        return 0  # no room yet: the notices wait for it, unposted
    with Session(core.engine) as session:
        events = unposted(session, incident.id)
        if not events:
            return 0
        lead = roles.holder(session, incident.id, LEAD_ROLE)
        titles = {event.id: _alert_title(session, event) for event in events}
    posted = 0
    with transaction(core.engine) as session:  # each notice and its "posted" mark together: told once
        lock_names(session, [f"escalations:{incident.id}"])  # another process's flush of this incident waits
        for event in events:
            assert event.id is not None  # a stored entry
            if effects.ever(session, f"escalation:{event.id}"):  # told meanwhile by another flush
                continue
            level: str = event.data["to"]  # every escalation entry names its level (app/alerts/service.py)
            if Severity.parse(level).rank > Severity.parse(incident.severity).rank:
                shown = notice(incident.id, incident.severity, level, titles[event.id], lead, incident.language)
                effects.post(session, f"escalation:{event.id}", incident_id=incident.id, channel=incident.channel_id,
                             text=shown["text"], blocks=shown.get("blocks"))
                posted += 1
            _mark_posted(session, event.id)
    core.deliver()
    return posted


def notice(incident_id: int, current: str, level: str, alert_title: str, lead: str | None,
           language: str | None = "en") -> dict[str, Any]:
    """The room message, in the incident's language: who should decide, what the alert says, and the button that
    raises the severity."""
    who = mention(lead) if lead else say(language, "escalation.nobody")
    shown, now = say(language, f"severity.{level}"), say(language, f"severity.{current}")
    text = say(language, "escalation.text", who=who, level=shown, current=now, title=escape(alert_title))
    raise_button = button(say(language, "escalation.raise", level=shown), RAISE_ACTION, value=f"{incident_id}:{level}",
                          style="danger")
    return message(text, [section(text), actions(raise_button)])


def parse_raise_value(value: str) -> tuple[int, Severity]:
    """The incident id and level of a *Raise* button's value ``"<incident_id>:<level>"``; ValueError if malformed."""
    incident, _, level = (value or "").partition(":")
    if not incident.isdigit():
        raise ValueError(f"not an escalation button value: {value!r}")
    return int(incident), Severity.parse(level)


def _alert_title(session: Session, event: TimelineEvent) -> str:
    alert = session.get(Alert, event.data.get("alert_id") or 0)
    return alert.title if alert is not None else event.text


def _mark_posted(session: Session, event_id: int) -> None:
    event = session.get(TimelineEvent, event_id)
    if event is None:  # gone with its incident
        return
    event.data = {**event.data, "posted": True}
    session.add(event)
