"""Tells a room about alerts attached to its incident: repeats are counted into one message per window.

The window's end is stored, not kept in memory: attaching an alert plans a scheduled job (``alert_summary``)
for its incident, due when the window ends, unless one is already due sooner. Whichever process sweeps the
jobs first claims it (app/scheduling), so a process that dies after the attach loses nothing, and several
processes tell the room once. The flush itself takes the alerts it tells by marking them posted in the same
transaction as the message it writes to the outbox: two flushes never count an alert twice.

Escalations (an alert more severe than its incident) are posted at once, before the summary. A room that
is not ready yet is looked at again a window later, so nothing attached during its set-up goes untold, and
closing the incident (which cancels its jobs) tells the room of the window under way (``told_at_close``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table
from sqlalchemy import update as update_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from app.alerts import escalations
from app.alerts.formats.limits import GROUP_LISTED_MAX
from app.alerts.models import Alert, AlertStatus
from app.db import transaction
from app.effects import service as effects
from app.i18n import say
from app.incidents import service as incidents
from app.incidents.models import IncidentStatus
from app.incidents.reminders import job_prefix
from app.scheduling import store
from app.scheduling.kinds import JobKind
from app.scheduling.registry import Register
from app.slack.text import escape, truncate
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.core import Core

LISTED_TITLE_MAX = 150
KIND = JobKind.ALERT_SUMMARY
WINDOW = 10.0
# A window planned by this process is trusted (no write for the next alert) until this long before its end:
# another process's clock may run a little ahead, and its sweep flush a little early.
CLOCK_MARGIN = timedelta(seconds=1)

log = logging.getLogger(__name__)
_A = cast(Table, Alert.__table__)  # type: ignore[attr-defined]  # set by SQLModel, unknown to mypy


def summary_job(incident_id: int) -> str:
    """The job that tells the room at the end of the window."""
    return f"{job_prefix(incident_id)}alerts"


def escalation_job(incident_id: int) -> str:
    """The job that tells the room of an escalation now (apart from the window, which it does not move)."""
    return f"{job_prefix(incident_id)}alerts:now"


def plan(session: Session, job_id: str, incident_id: int, due: datetime, window: float) -> datetime:
    """Store the job due at ``due`` unless it is due sooner already; when it is due now (stored).

    A job being run is replaced (due anew, unclaimed): the flush under way may have read the alerts before
    the one that asks for it, and its end keeps a replaced job (app/scheduling/store.finish).
    """
    row = store.row(job_id, due, KIND, {"incident_id": incident_id, "window": window})
    insert = pg_insert(store.T) if session.get_bind().dialect.name == "postgresql" else sqlite_insert(store.T)
    statement = insert.values(**row)
    replace = {c: statement.excluded[c] for c in row if c != "id"}
    later_or_running = (store.T.c.due_at > statement.excluded.due_at) | store.T.c.claimed_by.is_not(None)
    session.execute(statement.on_conflict_do_update(index_elements=[store.T.c.id], set_=replace,
                                                    where=later_or_running))
    stored: datetime = session.execute(select(store.T.c.due_at).where(store.T.c.id == job_id)).scalar_one()
    return stored


@dataclass(frozen=True)
class Due:
    """A job stored by ``AlertUpdates.plan``: when it is due, and whether it ends a summary window."""

    incident_id: int
    at: datetime
    window: bool = False


class AlertUpdates:
    """Coalesces attached alerts: at most one room message per incident per ``window`` seconds."""

    def __init__(self, core: Core, window: float = WINDOW) -> None:
        self.core = core
        self.window = window
        self._lock = threading.Lock()
        self._planned: dict[int, datetime] = {}  # incident id -> the stored end of its window
        self._stopped = False

    def attached(self, incident_id: int) -> None:
        """Tell the room within a window (repeats arriving meanwhile join the same message)."""
        self.told_of(attached=[incident_id])

    def escalated(self, incident_id: int) -> None:
        """Tell the room now: an alert outranks its incident."""
        self.told_of(escalated=[incident_id])

    def told_of(self, attached: Iterable[int] = (), escalated: Iterable[int] = ()) -> None:
        """``plan`` in a transaction of its own, then ``planned``."""
        with transaction(self.core.engine) as session:
            dues = self.plan(session, attached, escalated)
        self.planned(dues)

    def plan(self, session: Session, attached: Iterable[int] = (), escalated: Iterable[int] = ()) -> list[Due]:
        """Store the jobs that will tell the rooms, in the caller's transaction (the intake's own, so an alert
        is never stored without them): a window's summary for incidents with ``attached`` alerts unless one is
        stored already, an escalation notice due now for ``escalated`` ones. Pass what it returns to
        ``planned`` once the transaction is committed."""
        now = utcnow()
        dues: list[Due] = []
        with self._lock:
            if self._stopped:
                return dues
            waiting = [incident_id for incident_id in dict.fromkeys(attached)
                       if (planned := self._planned.get(incident_id)) is None or now >= planned - CLOCK_MARGIN]
        for incident_id in waiting:  # a storm writes once per incident and window
            dues.append(Due(incident_id, plan(session, summary_job(incident_id), incident_id,
                                              now + timedelta(seconds=self.window), self.window), window=True))
        for incident_id in dict.fromkeys(escalated):
            dues.append(Due(incident_id, plan(session, escalation_job(incident_id), incident_id, now, self.window)))
        return dues

    def planned(self, dues: Iterable[Due]) -> None:
        """The jobs ``plan`` stored are committed: remember the windows, wake the sweep for what is due now."""
        dues = list(dues)
        with self._lock:
            for due in dues:
                if due.window:
                    self._planned[due.incident_id] = due.at
        if dues:
            self._wake(min(due.at for due in dues))

    def _wake(self, due: datetime) -> None:
        if due <= utcnow() and self.core.scheduler is not None:
            self.core.scheduler.wake()

    def flush(self, incident_id: int) -> int:
        """Post pending escalations, then one summary of the incident's unposted alerts; returns how many
        alerts the summary covered."""
        return flush(self.core, incident_id, self.window)

    def cancel(self) -> None:
        """Plan nothing more from this process (the windows already stored are told by whoever sweeps)."""
        with self._lock:
            self._stopped = True
            self._planned.clear()


def flush(core: Core, incident_id: int, window: float = WINDOW) -> int:
    """Post pending escalations, then one summary of the incident's unposted alerts; returns how many alerts
    the summary covered. A room still being set up is looked at again a window later."""
    with Session(core.engine) as session:
        incident = incidents.get(session, incident_id)
    if not incident.channel_id:
        if incident.status == IncidentStatus.OPEN:
            with transaction(core.engine) as session:
                plan(session, summary_job(incident_id), incident_id, utcnow() + timedelta(seconds=window), window)
        return 0
    escalations.post_pending(core, incident)
    unposted = (_A.c.incident_id == incident_id, _A.c.posted.is_(False))
    with transaction(core.engine) as session:  # the alerts told are the ones this flush marks: each told once
        marked = session.execute(update_(_A).where(*unposted).values(posted=True)
                                 .returning(_A.c.id, _A.c.status, _A.c.dedup_key)).tuples().all()
        if not marked:
            return 0
        rows = sorted(marked, key=lambda r: r[0])
        latest = session.get(Alert, rows[-1][0])
        assert latest is not None  # marked just now, in this transaction
        listed, more = _listed(session, rows)
        total = incidents.get(session, incident_id).alert_count
        message = summary([status for _, status, _ in rows], latest, total, listed, more, incident.language)
        effects.post(session, f"alerts:{incident_id}:upto:{latest.id}", incident_id=incident_id,
                     channel=incident.channel_id, text=message["text"], blocks=message.get("blocks"))
    core.deliver()
    return len(rows)


def told_at_close(core: Core, incident_id: int) -> None:
    """A close hook (run from the outbox after the close, app/incidents/flows.py ``run_hooks``): closing cancels
    the incident's jobs, so the alerts attached since the room's last summary (and an escalation not told yet)
    are told now, before the room is archived. The flush marks what it tells, so an alert is told once even when
    the cancelled job was running at the same moment, or the hook runs again after a crash."""
    flush(core, incident_id)


def summary_due(core: Core, incident_id: int, window: float = WINDOW) -> None:
    """The ``alert_summary`` job: the window ended (or an escalation came), tell the room."""
    flush(core, incident_id, window)


def register_handlers(register: Register) -> None:
    register(KIND, summary_due)


def _listed(session: Session, rows: Sequence[tuple[int | None, str, str | None]]) -> tuple[list[tuple[str, str]], int]:
    """When the alerts have several distinct keys (a group's alerts): (title, status) of the latest alert
    of at most GROUP_LISTED_MAX keys, newest first, and how many keys are left out."""
    latest_by_key: dict[str | None, int] = {}
    for alert_id, _status, key in rows:
        assert alert_id is not None  # stored rows
        latest_by_key[key] = alert_id
    if len(latest_by_key) < 2:
        return [], 0
    ids = sorted(latest_by_key.values(), reverse=True)[:GROUP_LISTED_MAX]
    found = {alert_id: (title, status) for alert_id, title, status in
             session.exec(select(Alert.id, Alert.title, Alert.status).where(col(Alert.id).in_(ids)))}
    return [found[alert_id] for alert_id in ids], len(latest_by_key) - len(ids)


def summary(statuses: list[str], latest: Alert, total: int, listed: Sequence[tuple[str, str]] = (),
            more: int = 0, language: str | None = "en") -> dict[str, Any]:
    """One room message, in the incident's language, for the alerts with these statuses (oldest first): the
    latest one, or the distinct alerts of a group as ``listed`` (title, status) and how many ``more`` there are."""
    resolved = [status for status in statuses if status == AlertStatus.RESOLVED]
    firing = len(statuses) - len(resolved)
    parts = []
    if firing:
        parts.append(say(language, "alerts.attached_one" if firing == 1 else "alerts.attached_many", count=firing))
    if resolved:
        parts.append(say(language, "alerts.resolved", count=len(resolved)))
    text = " · ".join(parts)
    if listed:
        for title, status in listed:
            resolved_mark = say(language, "alerts.resolved_mark") if status == AlertStatus.RESOLVED else ""
            text += f"\n• {truncate(escape(title), LISTED_TITLE_MAX)}{resolved_mark}"
        if more:
            text += "\n" + say(language, "alerts.more_one" if more == 1 else "alerts.more_many", count=more)
    else:
        metrics = ", ".join(f"{escape(k)} {v:g}" for k, v in list(latest.metrics.items())[:5])
        text += "\n" + say(language, "alerts.latest", title=escape(latest.title)) + (f" ({metrics})" if metrics else "")
    text += "\n" + say(language, "alerts.total_one" if total == 1 else "alerts.total_many", total=total)
    return {"text": text}
