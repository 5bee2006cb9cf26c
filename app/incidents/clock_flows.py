"""Labels and legal clocks driven from the room: set a label, start, correct or stop a clock, with a reason.

Each change is stored with its timeline entry, the room's notice (outbox) and the clock's reminders, in one
transaction: a process that dies after the commit loses none of them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from app.core import Core
from app.db import transaction
from app.effects import service as effects
from app.i18n import Joined, Phrase, Texts, render
from app.incidents import briefing, clocks, service
from app.incidents.clocks import Clock
from app.scheduling import store as jobs
from app.slack.text import escape, mention


def _announce(core: Core, session: Session, incident_id: int, key: str, phrase: str, **values: Any) -> None:
    """The room's notice, in the incident's language, from the outbox; the briefing follows."""
    incident = service.get(session, incident_id)
    if incident.channel_id:
        text = render(incident.language, phrase, values, core.settings.warroom_timezone)
        effects.post(session, key, incident_id=incident_id, channel=incident.channel_id, text=text)
    briefing.enqueue_refresh(session, incident_id)


def _follow(core: Core, session: Session, incident_id: int, keys: list[str]) -> list[Clock]:
    """In the change's transaction: each clock's reminders follow its state as now written (none once stopped)."""
    incident = service.get(session, incident_id)
    playbook = core.playbooks.get(incident.playbook_id)
    found = [c for c in (clocks.get_clock(session, incident, playbook, key) for key in keys) if c is not None]
    for clock in found:
        jobs.delete_prefix(session, clocks.job_prefix(incident_id, clock.key))
        for job_id, when, kind, kwargs in clocks.reminder_jobs(incident_id, clock):
            jobs.schedule(session, job_id, when, kind, **kwargs)
    return found


def _title(clock: Clock | clocks.IncidentClock) -> Texts:
    return Texts(escape(clock.title), escape(clock.title_de) if clock.title_de else None)


def reminder_text(clock: Clock, holder: str | None, before: timedelta, *, language: str | None, tz: str) -> str:
    """A clock's reminder for the room: ``before`` its due time (zero: it is due now), naming who holds its role."""
    who = f"{mention(holder)} " if holder else ""
    if before:
        return render(language, "clock.remind", {"who": who, "title": _title(clock), "at": clock.due_at,
                                                 "left": before}, tz)
    return render(language, "clock.due_now", {"who": who, "title": _title(clock), "at": clock.due_at}, tz)


def set_label(core: Core, incident_id: int, key: str, value: str, *, by: str,
              aware_at: datetime | None = None) -> list[Clock]:
    with transaction(core.engine) as session:
        incident = service.get(session, incident_id)
        started = clocks.set_label(session, incident, core.playbooks.get(incident.playbook_id), key, value, by=by,
                                   aware_at=aware_at)
        keys = [row.key for row in started]
        _announce(core, session, incident_id, f"label:{incident_id}:{key}:{value}:{len(keys)}:{by}", "label.notice",
                  who=mention(by), label=f"{escape(key)}={escape(value)}")
        found = _follow(core, session, incident_id, keys)
        if found:
            items = [Phrase.of("clock.item", title=_title(c), at=c.due_at) for c in found]
            _announce(core, session, incident_id, f"label:{incident_id}:{key}:clocks:{','.join(keys)}",
                      "label.started", clocks=Joined(tuple(items)))
    core.deliver()
    return found


def start_clock(core: Core, incident_id: int, key: str, *, by: str, reason: str,
                aware_at: datetime | None = None) -> Clock:
    with transaction(core.engine) as session:
        incident = service.get(session, incident_id)
        row = clocks.start_clock(session, incident, core.playbooks.get(incident.playbook_id), key, by=by,
                                 reason=reason, aware_at=aware_at)
        _announce(core, session, incident_id, f"clock:{incident_id}:{key}:start:{row.started_at.isoformat()}",
                  "clock.started", who=mention(by), title=_title(row), at=row.due_at, reason=escape(reason))
        [clock] = _follow(core, session, incident_id, [key])
    core.deliver()
    return clock


def correct_clock(core: Core, incident_id: int, key: str, aware_at: datetime, *, by: str, reason: str) -> Clock:
    with transaction(core.engine) as session:
        incident = service.get(session, incident_id)
        row = clocks.correct_clock(session, incident, key, aware_at, by=by, reason=reason)
        _announce(core, session, incident_id, f"clock:{incident_id}:{key}:correct:{row.due_at.isoformat()}",
                  "clock.corrected", who=mention(by), title=_title(row), at=row.due_at, reason=escape(reason))
        [clock] = _follow(core, session, incident_id, [key])
    core.deliver()
    return clock


def stop_clock(core: Core, incident_id: int, key: str, *, by: str, reason: str) -> None:
    with transaction(core.engine) as session:
        incident = service.get(session, incident_id)
        row = clocks.stop_clock(session, incident, key, by=by, reason=reason)
        _announce(core, session, incident_id, f"clock:{incident_id}:{key}:stop", "clock.stopped", who=mention(by),
                  title=_title(row), reason=escape(reason))
        jobs.delete_prefix(session, clocks.job_prefix(incident_id, key))
    core.deliver()
