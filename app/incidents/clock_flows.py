"""Labels and legal clocks driven from the room: set a label, start, correct or stop a clock, with a reason.

Each change is stored with its timeline entry and the room's notice (outbox); the reminders follow the
stored clock once it is committed.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from app.core import Core
from app.db import transaction
from app.effects import service as effects
from app.incidents import briefing, clocks, service
from app.incidents.clocks import Clock
from app.slack.text import escape, mention
from app.timeutil import local_datetime


def _announce(core: Core, session: Session, incident_id: int, key: str, text: str) -> None:
    incident = service.get(session, incident_id)
    if incident.channel_id:
        effects.post(session, key, incident_id=incident_id, channel=incident.channel_id, text=text)
    briefing.enqueue_refresh(session, incident_id)


def _follow(core: Core, incident_id: int, keys: list[str]) -> list[Clock]:
    """After the commit: each clock's reminders follow its stored state (cancelled when stopped)."""
    with Session(core.engine) as session:
        incident = service.get(session, incident_id)
        playbook = core.playbooks.get(incident.playbook_id)
        found = [c for c in (clocks.get_clock(session, incident, playbook, key) for key in keys) if c is not None]
    if core.scheduler is not None:
        for clock in found:
            clocks.schedule_reminders(core.scheduler, incident_id, clock)
    core.deliver()
    return found


def _due(core: Core, clock: Clock) -> str:
    return local_datetime(clock.due_at, core.settings.warroom_timezone)


def _started(core: Core, found: list[Clock]) -> str:
    return "; ".join(f"*{escape(c.title)}* due {_due(core, c)}" for c in found)


def set_label(core: Core, incident_id: int, key: str, value: str, *, by: str,
              aware_at: datetime | None = None) -> list[Clock]:
    with transaction(core.engine) as session:
        incident = service.get(session, incident_id)
        started = clocks.set_label(session, incident, core.playbooks.get(incident.playbook_id), key, value, by=by,
                                   aware_at=aware_at)
        keys = [row.key for row in started]
        _announce(core, session, incident_id, f"label:{incident_id}:{key}:{value}:{len(keys)}:{by}",
                  f":label: {mention(by)} set `{escape(key)}={escape(value)}`.")
    found = _follow(core, incident_id, keys)
    if found:
        with transaction(core.engine) as session:
            _announce(core, session, incident_id, f"label:{incident_id}:{key}:clocks:{','.join(keys)}",
                      f":stopwatch: Started: {_started(core, found)}.")
        core.deliver()
    return found


def start_clock(core: Core, incident_id: int, key: str, *, by: str, reason: str,
                aware_at: datetime | None = None) -> Clock:
    with transaction(core.engine) as session:
        incident = service.get(session, incident_id)
        row = clocks.start_clock(session, incident, core.playbooks.get(incident.playbook_id), key, by=by,
                                 reason=reason, aware_at=aware_at)
        due = local_datetime(row.due_at, core.settings.warroom_timezone)
        _announce(core, session, incident_id, f"clock:{incident_id}:{key}:start:{row.started_at.isoformat()}",
                  f":stopwatch: {mention(by)} started *{escape(row.title)}*, due {due}: {escape(reason)}")
    return _follow(core, incident_id, [key])[0]


def correct_clock(core: Core, incident_id: int, key: str, aware_at: datetime, *, by: str, reason: str) -> Clock:
    with transaction(core.engine) as session:
        incident = service.get(session, incident_id)
        row = clocks.correct_clock(session, incident, key, aware_at, by=by, reason=reason)
        due = local_datetime(row.due_at, core.settings.warroom_timezone)
        _announce(core, session, incident_id, f"clock:{incident_id}:{key}:correct:{row.due_at.isoformat()}",
                  f":stopwatch: {mention(by)} corrected *{escape(row.title)}*: now due {due}. {escape(reason)}")
    return _follow(core, incident_id, [key])[0]


def stop_clock(core: Core, incident_id: int, key: str, *, by: str, reason: str) -> None:
    with transaction(core.engine) as session:
        incident = service.get(session, incident_id)
        row = clocks.stop_clock(session, incident, key, by=by, reason=reason)
        _announce(core, session, incident_id, f"clock:{incident_id}:{key}:stop",
                  f":white_check_mark: {mention(by)} stopped *{escape(row.title)}*: {escape(reason)}")
    if core.scheduler is not None:
        core.scheduler.cancel(clocks.job_prefix(incident_id, key))
    core.deliver()
