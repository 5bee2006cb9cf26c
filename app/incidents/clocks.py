"""Legal and regulatory clocks of an incident (e.g. GDPR Art. 33: 72 hours from awareness), in one place.

A playbook's clock specs (``deadlines``) say which clocks exist and, through ``when_labels``, when they
apply. This module turns them into the incident's own clocks, stored in ``incident_clocks``: started
when the incident's labels first match (at opening, when an alert brings a label, or when someone sets
one) or by hand; its awareness time can be corrected (the due time moves with it); it is stopped with a
reason. Every change is written to the timeline. Pure domain code: no Slack, no scheduler.

An incident's labels are its first alert's labels, overlaid by labels set later (``incident_labels``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Index
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from app.alerts.models import Alert
from app.dbtypes import UTCDateTime
from app.errors import UserError
from app.i18n import Number, Phrase
from app.incidents import timeline
from app.incidents.kinds import TimelineKind
from app.incidents.models import Incident, IncidentStatus
from app.playbooks.matching import same_value
from app.scheduling.kinds import JobKind
from app.timeutil import DurationError, as_utc, format_duration, parse_duration, utcnow, zone

if TYPE_CHECKING:
    from app.playbooks.loader import PlaybookSet
    from app.playbooks.schema import Deadline, Playbook
    from app.scheduling.scheduler import Scheduler


class Runtime(Protocol):
    """What planning clock reminders needs of the runtime (``app.core.Core``), without Slack."""

    @property
    def engine(self) -> Engine: ...
    @property
    def playbooks(self) -> PlaybookSet: ...
    @property
    def scheduler(self) -> Scheduler | None: ...


LABEL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_CLOCK_TIME = re.compile(r"^(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{1,2}):(\d{2})$")
MAX_LABEL_VALUE = 100
MAX_REASON = 500


class ClockError(UserError, ValueError):
    """A clock or label operation that cannot be done; the message says what was wrong."""


class IncidentLabel(SQLModel, table=True):
    """A label set on an incident after it opened (it overrides the first alert's label of the same key)."""

    __tablename__ = "incident_labels"
    __table_args__ = (Index("uq_incident_labels_key", "incident_id", "key", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id")
    key: str
    value: str
    set_by: str | None = None
    set_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class IncidentClock(SQLModel, table=True):
    """One running or stopped clock of an incident; ``started_at`` is the awareness time it counts from."""

    __tablename__ = "incident_clocks"
    __table_args__ = (Index("uq_incident_clocks_key", "incident_id", "key", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id")
    key: str
    title: str
    title_de: str | None = None
    role: str | None = None
    started_at: datetime = Field(sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime)
    started_by: str | None = None
    reason: str = ""
    stopped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    stopped_by: str | None = None
    stop_reason: str | None = None


@dataclass(frozen=True)
class Clock:
    """A clock as the room, the status and the reminders see it."""

    key: str
    title: str
    role: str | None
    due_at: datetime
    remind_before: tuple[timedelta, ...]
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    title_de: str | None = None
    note: str = ""

    @property
    def running(self) -> bool:
        return self.stopped_at is None

    def title_in(self, language: str) -> str:
        return self.title_de if language == "de" and self.title_de else self.title


# --- labels -------------------------------------------------------------------------------------

def first_labels(session: Session, incident_id: int) -> dict[str, str]:
    """The labels of the incident's first alert (empty for an incident declared by hand)."""
    query = select(Alert.labels).where(Alert.incident_id == incident_id).order_by(col(Alert.id)).limit(1)
    return {str(k): str(v) for k, v in (session.exec(query).first() or {}).items()}


def labels(session: Session, incident_id: int) -> dict[str, str]:
    """The incident's labels: its first alert's, overlaid by every label set since."""
    result = first_labels(session, incident_id)
    rows = session.exec(select(IncidentLabel).where(IncidentLabel.incident_id == incident_id))
    result.update({row.key: row.value for row in rows})
    return result


def set_label(
    session: Session, incident: Incident, playbook: Playbook, key: str, value: str, *, by: str,
    aware_at: datetime | None = None, now: datetime | None = None,
) -> list[IncidentClock]:
    """Set ``key=value`` on the incident and start the clocks whose ``when_labels`` now match.

    The clocks started count from ``aware_at`` (default: now, the moment the team learned it). Returns
    the clocks started. Changing a label never stops a running clock: stop it with a reason. Raises
    ClockError for a bad key or value or a closed incident.
    """
    assert incident.id is not None  # a stored incident
    now = now or utcnow()
    _require_open(incident)
    key, value = _check_label(key, value)
    aware_at = _check_time(aware_at, now) if aware_at is not None else None
    old = labels(session, incident.id).get(key)
    if old is not None and same_value(old, value):  # nothing changes: no timeline entry
        return start_matching(session, incident, playbook, by=by, aware_at=aware_at, now=now)
    row = session.exec(select(IncidentLabel).where(
        IncidentLabel.incident_id == incident.id, IncidentLabel.key == key)).first()
    if row is None:
        row = IncidentLabel(incident_id=incident.id, key=key, value=value, set_by=by, set_at=now)
    else:
        row.value, row.set_by, row.set_at = value, by, now
    session.add(row)
    session.flush()
    change = f"{key}: {old} -> {value}" if old is not None else f"{key}={value}"
    timeline.record(session, incident.id, TimelineKind.LABEL, change, actor=by, at=now, key=key, value=value, old=old)
    return start_matching(session, incident, playbook, by=by, aware_at=aware_at, now=now)


def add_alert_labels(
    session: Session, incident: Incident, playbook: Playbook, alert_labels: dict[str, Any], *,
    now: datetime | None = None,
) -> list[IncidentClock]:
    """A later alert of an open incident brought ``alert_labels``: keys the incident lacks are added (a
    label a person set is never overridden), then matching clocks start. Returns the clocks started."""
    assert incident.id is not None  # a stored incident
    if incident.status != IncidentStatus.OPEN:
        return []
    now = now or utcnow()
    known = labels(session, incident.id)
    added = False
    for key, value in (alert_labels or {}).items():
        key, value = str(key).strip().lower(), str(value).strip()
        if key in known or not LABEL_KEY.match(key) or not value or len(value) > MAX_LABEL_VALUE:
            continue
        session.add(IncidentLabel(incident_id=incident.id, key=key, value=value, set_by="alert", set_at=now))
        timeline.record(session, incident.id, TimelineKind.LABEL,
                        f"{key}={value}", actor="alert", at=now, key=key, value=value)
        known[key] = value
        added = True
    if added:
        session.flush()
    return start_matching(session, incident, playbook, by="alert", now=now) if added else []


def _check_label(key: str, value: str) -> tuple[str, str]:
    key, value = str(key or "").strip().lower(), str(value or "").strip()
    if not LABEL_KEY.match(key):
        raise ClockError(key="label.bad_key", name=key[:60])
    if not value:
        raise ClockError(key="label.no_value", name=key)
    if len(value) > MAX_LABEL_VALUE:
        raise ClockError(key="label.too_long", name=key, count=Number(len(value)), max=Number(MAX_LABEL_VALUE))
    return key, value


# --- starting ----------------------------------------------------------------------------------

def start_matching(
    session: Session, incident: Incident, playbook: Playbook, *, by: str, aware_at: datetime | None = None,
    now: datetime | None = None,
) -> list[IncidentClock]:
    """Start every playbook clock that applies to the incident's labels and has not started yet.

    At opening (no clock and no label set yet) they count from the incident's start; later, from
    ``aware_at`` or now. A clock stopped earlier stays stopped. Returns the clocks started.
    """
    assert incident.id is not None  # a stored incident
    if incident.status != IncidentStatus.OPEN:
        return []
    now = now or utcnow()
    existing = {row.key for row in _rows(session, incident.id)}
    at = aware_at or (incident.created_at if _at_opening(session, incident.id) else now)
    started = []
    for spec in playbook.deadlines_for(labels(session, incident.id)):
        if spec.key in existing:
            continue
        started.append(_start(session, incident, spec, at=at, by=by, reason="labels match", now=now))
    return started


def start_clock(
    session: Session, incident: Incident, playbook: Playbook, key: str, *, by: str, reason: str,
    aware_at: datetime | None = None, now: datetime | None = None,
) -> IncidentClock:
    """Start the playbook's clock ``key`` by hand (labels or not), counting from ``aware_at`` (default now).

    A clock stopped earlier starts again. Raises ClockError when the key is not one of the playbook's
    clocks, the clock is already running, the time is in the future or no reason is given.
    """
    assert incident.id is not None  # a stored incident
    now = now or utcnow()
    _require_open(incident)
    reason = _check_reason(reason, "start")
    spec = _spec(playbook, key)
    at = _check_time(aware_at or now, now)
    row = _row(session, incident.id, spec.key)
    if row is not None and row.stopped_at is None:
        raise ClockError(key="clock.running", name=spec.key, since=row.started_at)
    if row is not None:
        session.delete(row)
        session.flush()
    return _start(session, incident, spec, at=at, by=by, reason=reason, now=now)


def _start(session: Session, incident: Incident, spec: Deadline, *, at: datetime, by: str, reason: str,
           now: datetime) -> IncidentClock:
    assert incident.id is not None  # a stored incident
    at = as_utc(at)
    row = IncidentClock(incident_id=incident.id, key=spec.key, title=spec.title, title_de=spec.title_de,
                        role=spec.role, started_at=at, due_at=at + spec.after, started_by=by, reason=reason)
    session.add(row)
    session.flush()
    timeline.record(session, incident.id, TimelineKind.CLOCK_STARTED,
                    f"{spec.title}: due {_when(row.due_at)}", actor=by,
                    at=now, key=spec.key, started_at=at.isoformat(), due_at=row.due_at.isoformat(),
                    reason=reason)
    return row


# --- correcting and stopping --------------------------------------------------------------------

def correct_clock(
    session: Session, incident: Incident, key: str, aware_at: datetime, *, by: str, reason: str,
    now: datetime | None = None,
) -> IncidentClock:
    """Set the awareness time of running clock ``key`` to ``aware_at``; its due time moves by the same amount."""
    assert incident.id is not None  # a stored incident
    now = now or utcnow()
    _require_open(incident)
    reason = _check_reason(reason, "correct")
    aware_at = _check_time(aware_at, now)
    row = _running(session, incident.id, key)
    old_start, old_due = row.started_at, row.due_at
    row.started_at, row.due_at = aware_at, aware_at + (old_due - old_start)
    session.add(row)
    timeline.record(session, incident.id, TimelineKind.CLOCK_CORRECTED,
                    f"{row.title}: awareness {_when(old_start)} -> {_when(aware_at)}, due {_when(row.due_at)}",
                    actor=by, at=now, key=row.key, old_started_at=old_start.isoformat(),
                    started_at=aware_at.isoformat(), old_due_at=old_due.isoformat(),
                    due_at=row.due_at.isoformat(), reason=reason)
    return row


def stop_clock(
    session: Session, incident: Incident, key: str, *, by: str, reason: str, now: datetime | None = None,
) -> IncidentClock:
    """Stop running clock ``key`` (e.g. "authority notified, ref. 2026-114" or "no personal data involved")."""
    assert incident.id is not None  # a stored incident
    now = now or utcnow()
    _require_open(incident)
    reason = _check_reason(reason, "stop")
    row = _running(session, incident.id, key)
    row.stopped_at, row.stopped_by, row.stop_reason = now, by, reason
    session.add(row)
    left = row.due_at - now
    timing = f"{format_duration(left)} before the deadline" if left >= timedelta(0) else \
        f"{format_duration(-left)} after the deadline"
    timeline.record(session, incident.id, TimelineKind.CLOCK_STOPPED,
                    f"{row.title}: stopped {timing}: {reason}", actor=by,
                    at=now, key=row.key, due_at=row.due_at.isoformat(), reason=reason)
    return row


# --- reading -----------------------------------------------------------------------------------

def clocks(session: Session, incident: Incident, playbook: Playbook, *, include_stopped: bool = False) -> list[Clock]:
    """The incident's clocks, soonest due first (running only unless ``include_stopped``).

    Reminder offsets come from the playbook; a clock whose spec has left the playbook keeps none.
    """
    assert incident.id is not None  # a stored incident
    specs = {spec.key: spec for spec in playbook.deadlines}
    result = []
    for row in _rows(session, incident.id):
        if row.stopped_at is not None and not include_stopped:
            continue
        spec = specs.get(row.key)
        result.append(Clock(
            key=row.key, title=row.title, role=row.role, due_at=row.due_at,
            remind_before=tuple(spec.remind_before_deltas) if spec else (), started_at=row.started_at,
            stopped_at=row.stopped_at, title_de=row.title_de,
            note=spec.note if spec else "",
        ))
    return sorted(result, key=lambda clock: (clock.due_at, clock.key))


def get_clock(session: Session, incident: Incident, playbook: Playbook, key: str) -> Clock | None:
    """One clock of the incident by key (running or stopped), or None."""
    return next((c for c in clocks(session, incident, playbook, include_stopped=True) if c.key == key), None)


def clocks_for(incident: Incident, playbook: Playbook, labels: dict[str, str]) -> list[Clock]:
    """The clocks the playbook would start for ``labels``, due from the incident's start.

    Kept for callers written before clocks were stored; new code reads :func:`clocks`.
    """
    start = incident.created_at
    return [
        Clock(key=spec.key, title=spec.title, role=spec.role, due_at=start + spec.after,
              remind_before=tuple(spec.remind_before_deltas), started_at=start, title_de=spec.title_de,
              note=spec.note)
        for spec in playbook.deadlines_for(labels)
    ]


# --- reminders ---------------------------------------------------------------------------------

def job_prefix(incident_id: int, key: str) -> str:
    """Every reminder job of one clock starts with this (cancel it before rescheduling)."""
    return f"inc{incident_id}:clock:{key}:"


def reminder_jobs(
    incident_id: int, clock: Clock, now: datetime | None = None,
) -> list[tuple[str, datetime, str, dict[str, Any]]]:
    """The reminders of a running clock still ahead, as (job id, when, kind, arguments).

    The due time is part of the id and the arguments, so reminders of a corrected clock are new jobs
    (sent once each) and a job left over from before a correction can tell that it is stale.
    """
    if not clock.running:
        return []
    now = now or utcnow()
    due = int(clock.due_at.timestamp())
    jobs: list[tuple[str, datetime, str, dict[str, Any]]] = []
    for before in (*clock.remind_before, timedelta(0)):
        when = clock.due_at - before
        if when > now:
            seconds = int(before.total_seconds())
            jobs.append((f"{job_prefix(incident_id, clock.key)}{due}:{seconds}", when, JobKind.CLOCK,
                         {"incident_id": incident_id, "key": clock.key, "before": seconds, "due": due}))
    return jobs


def schedule_reminders(scheduler: Scheduler, incident_id: int, clock: Clock, now: datetime | None = None) -> int:
    """Replace the clock's reminder jobs (``scheduler.cancel(prefix)`` then ``scheduler.at(...)``); returns how many."""
    scheduler.cancel(job_prefix(incident_id, clock.key))
    jobs = reminder_jobs(incident_id, clock, now)
    for job_id, when, kind, kwargs in jobs:
        scheduler.at(job_id, when, kind, **kwargs)
    return len(jobs)


def schedule_started(core: Runtime, started: list[tuple[int, str]]) -> None:
    """After the commit that started them: plan the reminders of these (incident id, clock key) clocks."""
    assert core.scheduler is not None  # callers plan reminders only where a scheduler runs
    with Session(core.engine) as session:
        for incident_id, key in started:
            incident = session.get(Incident, incident_id)
            clock = get_clock(session, incident, core.playbooks.get(incident.playbook_id), key) if incident else None
            if clock is not None:
                schedule_reminders(core.scheduler, incident_id, clock)


def as_clock(row: IncidentClock, playbook: Playbook) -> Clock:
    """The view of a stored clock row (e.g. the one a service function returned), with its reminders."""
    spec = next((s for s in playbook.deadlines if s.key == row.key), None)
    return Clock(key=row.key, title=row.title, role=row.role, due_at=row.due_at,
                 remind_before=tuple(spec.remind_before_deltas) if spec else (), started_at=row.started_at,
                 stopped_at=row.stopped_at, title_de=row.title_de,
                 note=spec.note if spec else "")


# --- reading an awareness time as people write it ----------------------------------------------

def parse_time(text: str, tz_name: str | None, now: datetime | None = None) -> datetime:
    """An awareness time as typed in the room, in UTC: ``08:40`` (the latest such time, in the team's
    zone), ``2026-11-23 08:40`` (team's zone), ``2026-11-23T07:40:00+00:00`` or ``90m ago`` / ``2h ago``.

    Raises ClockError naming the value when it cannot be read or lies in the future.
    """
    now = as_utc(now or utcnow())
    value = str(text or "").strip()
    if value.lower().endswith(" ago"):
        try:
            return now - parse_duration(value[:-4])
        except DurationError:
            raise ClockError(key="clock.unreadable_ago", value=value[:60]) from None
    local = zone(tz_name)
    match = _CLOCK_TIME.match(value)
    if match:
        day, hour, minute = match.groups()
        if int(hour) > 23 or int(minute) > 59:
            raise ClockError(key="clock.no_such_time", value=value[:60])
        base = datetime.fromisoformat(day).date() if day else now.astimezone(local).date()
        at = datetime(base.year, base.month, base.day, int(hour), int(minute), tzinfo=local)
        if not day and at > now:  # "23:30" just after midnight means yesterday evening
            at -= timedelta(days=1)
        return _check_time(at, now)
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise ClockError(key="clock.unreadable", value=value[:60]) from None
    return _check_time(at if at.tzinfo else at.replace(tzinfo=local), now)


# --- helpers -----------------------------------------------------------------------------------

def _rows(session: Session, incident_id: int) -> list[IncidentClock]:
    query = select(IncidentClock).where(IncidentClock.incident_id == incident_id).order_by(col(IncidentClock.id))
    return list(session.exec(query))


def _row(session: Session, incident_id: int, key: str) -> IncidentClock | None:
    return session.exec(select(IncidentClock).where(
        IncidentClock.incident_id == incident_id, IncidentClock.key == key)).first()


def _running(session: Session, incident_id: int, key: str) -> IncidentClock:
    row = _row(session, incident_id, str(key or "").strip())
    if row is None:
        running = [r.key for r in _rows(session, incident_id) if r.stopped_at is None]
        raise ClockError(key="clock.not_started", name=str(key)[:60],
                         running=", ".join(running) if running else Phrase.of("clock.none"))
    if row.stopped_at is not None:
        raise ClockError(key="clock.was_stopped", name=row.key, at=row.stopped_at, reason=row.stop_reason or "")
    return row


def _at_opening(session: Session, incident_id: int) -> bool:
    """True until a clock has started or a label has been set: the first labels are the alert's."""
    has_clock = session.exec(select(IncidentClock.id).where(IncidentClock.incident_id == incident_id)).first()
    has_label = session.exec(select(IncidentLabel.id).where(IncidentLabel.incident_id == incident_id)).first()
    return has_clock is None and has_label is None


def _spec(playbook: Playbook, key: str) -> Deadline:
    key = str(key or "").strip()
    try:
        return playbook.deadline(key)
    except KeyError:
        known = ", ".join(d.key for d in playbook.deadlines)
        raise ClockError(key="clock.unknown", name=key[:60], known=known or Phrase.of("clock.none")) from None


def _require_open(incident: Incident) -> None:
    if incident.status != IncidentStatus.OPEN:
        raise ClockError(key="clock.closed", id=incident.id)


def _check_reason(reason: str, doing: str) -> str:
    """``doing`` is start, correct or stop: the error says which needs the reason."""
    reason = str(reason or "").strip()
    if not reason:
        raise ClockError(key=f"clock.reason_{doing}")
    if len(reason) > MAX_REASON:
        raise ClockError(key="clock.reason_long", count=Number(len(reason)), max=Number(MAX_REASON))
    return reason


def _check_time(value: datetime, now: datetime) -> datetime:
    value = as_utc(value)
    if value > now:
        raise ClockError(key="clock.future", at=value, now=now)
    return value


def _when(value: datetime) -> str:
    return f"{as_utc(value):%Y-%m-%d %H:%M} UTC"
