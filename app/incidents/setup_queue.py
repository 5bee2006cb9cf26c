"""Which room is set up next, and the workers that set them up.

Rooms are set up most severe first, then manual declarations, then the oldest, a few at a time. The order
is read from the database whenever a worker is free, so a critical incident stored a moment ago goes
before fifty older, lower ones however their set-ups were requested. A set-up waiting after a transient
failure is skipped until its retry time, also while steps that need the waiting one are left (a room whose
channel waits for Slack's pacing has nothing to do until then); one that failed permanently waits for a
person to retry it.

Several processes may share the database (PostgreSQL): a worker runs a room's round only while it holds that
room's set-up lease, a lock the database frees when the holder ends or dies, so one process at a time sets up
a room and a room left by a killed process is finished by another. A worker process sees an incident another
process stored (the web role's alert intake) when woken (app/workers/wakeup.py), or else at its next poll of
the newest incident ids (``NewIncidents``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlmodel import Session, col

from app.core import Core
from app.db import HeldLock, is_postgres
from app.incidents.models import Incident, IncidentStatus, Phase, SetupStep, StepStatus
from app.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
MANUAL_SOURCES = ("declared",)
# How often the line is looked at again while other processes share the database (PostgreSQL).
ELSEWHERE_RECHECK = timedelta(seconds=2)


# What each step waits for. A step starts as soon as these are done, so the briefing is pinned right after
# it is posted, without waiting for the invitations, topic or bookmark of the same wave.
NEEDS: dict[str, tuple[str, ...]] = {
    "create_channel": (), "resolve_roles": (), "post_briefing": ("create_channel", "resolve_roles"),
    "invite": ("create_channel", "resolve_roles"), "set_topic": ("create_channel", "resolve_roles"),
    "bookmark": ("create_channel",), "announce": ("create_channel",), "pin_briefing": ("post_briefing",)}


@dataclass
class _Waiting:
    """An incident whose room is being set up, and the state of each of its set-up steps."""

    id: int
    severity: str
    source: str
    created_at: datetime
    steps: dict[str, tuple[str, datetime | None]] = field(default_factory=dict)  # name -> (status, retry_at)

    def state(self, now: datetime) -> tuple[bool, datetime | None]:
        """Whether a round can start one of its steps now, and when its soonest step waiting to retry is due.

        A step waiting for its retry (a channel waiting for Slack's pacing) holds back the steps that need it:
        their incident is not in line until then, so no round runs only to find nothing it can start."""
        statuses = {status for status, _ in self.steps.values()}
        if statuses == {StepStatus.DONE}:
            return True, None  # all done but the room not marked ready: its process stopped in between
        later: list[datetime] = []
        runnable = False
        for name, (status, retry_at) in self.steps.items():
            if status == StepStatus.RETRYING and (retry_at or now) > now:
                later.append(as_utc(retry_at or now))
                continue
            if status not in (StepStatus.PENDING, StepStatus.STARTED, StepStatus.RETRYING):
                continue
            needs = NEEDS.get(name, ())
            runnable = runnable or all(self.steps.get(need, (StepStatus.DONE, None))[0] == StepStatus.DONE
                                       for need in needs)
        return runnable, min(later, default=None)


def _key(entry: _Waiting) -> tuple[int, int, datetime, int]:
    return (SEVERITY_ORDER.get(entry.severity, len(SEVERITY_ORDER)), 0 if entry.source in MANUAL_SOURCES else 1,
            entry.created_at, entry.id)


def line(session: Session, now: datetime | None = None) -> tuple[list[int], datetime | None]:
    """The incidents whose set-up can start a step now, in order, and when the next one waiting to retry is due."""
    now = as_utc(now or utcnow())
    query = (select(col(Incident.id), col(Incident.severity), col(Incident.source), col(Incident.created_at),
                    col(SetupStep.step), col(SetupStep.status), col(SetupStep.retry_at))
             .join(SetupStep, col(SetupStep.incident_id) == col(Incident.id))
             .where(col(Incident.phase) == Phase.SETUP, col(Incident.status) == IncidentStatus.OPEN))
    incidents: dict[int, _Waiting] = {}
    for incident_id, severity, source, created_at, step, status, retry_at in session.connection().execute(query):
        assert incident_id is not None  # a stored row
        entry = incidents.setdefault(incident_id, _Waiting(incident_id, severity, source, created_at))
        entry.steps[step] = (status, as_utc(retry_at) if retry_at is not None else None)
    ready: list[_Waiting] = []
    next_due: datetime | None = None
    for entry in incidents.values():
        if any(status == StepStatus.FAILED for status, _ in entry.steps.values()):
            continue  # stopped until a person retries it
        runnable, soonest = entry.state(now)
        if runnable:
            ready.append(entry)
        elif soonest is not None:
            next_due = soonest if next_due is None else min(next_due, soonest)
    return [entry.id for entry in sorted(ready, key=_key)], next_due


class SetupQueue:
    """Worker threads (at most ``slots``) that set up the next room in line until none is ready."""

    def __init__(self, core: Core, run_round: Callable[[Core, int], None], slots: int) -> None:
        self.core = core
        self.run_round = run_round
        self.slots = slots
        self._cond = threading.Condition()
        self._running: set[int] = set()
        self._leases: dict[int, HeldLock] = {}  # the running rooms' set-up leases (see HeldLock)
        self._rounds: dict[int, int] = {}
        self._workers = 0
        self._again = False  # something may have become ready since a worker last looked
        self._timer: threading.Timer | None = None
        self._timer_at: datetime | None = None

    @property
    def stopped(self) -> bool:
        return bool(getattr(self.core.workers, "_shutdown", False))

    def rounds(self, incident_id: int) -> int:
        with self._cond:
            return self._rounds.get(incident_id, 0)

    def running(self, incident_id: int) -> bool:
        with self._cond:
            return incident_id in self._running

    def kick(self) -> None:
        """Look for ready set-ups now (start workers up to the limit)."""
        if self.stopped:
            return
        with self._cond:
            self._again = True
            while self._workers < self.slots:
                self._workers += 1
                threading.Thread(target=self._work, name=f"warroom-setup-{self._workers}", daemon=True).start()

    def wait_round(self, incident_id: int, seen: int, still_waiting: Callable[[], bool]) -> None:
        """Block until a round of this incident ends after ``seen`` rounds, or it no longer waits for one."""
        while True:
            with self._cond:
                if self._rounds.get(incident_id, 0) > seen:
                    return
                if self._cond.wait(timeout=1.0) or incident_id in self._running:
                    continue
            if not still_waiting():  # checked without the lock: it reads the database
                return

    def _claim(self) -> int | None:
        with self._cond:
            self._again = False
        with Session(self.core.engine) as session:
            ready, next_due = line(session)
        elsewhere = False
        for incident_id in ready:
            with self._cond:
                if incident_id in self._running:
                    continue
                self._running.add(incident_id)
            lease = HeldLock(self.core.engine, f"room-setup\x1f{incident_id}")
            try:
                taken = lease.acquire()
            except Exception:
                with self._cond:
                    self._running.discard(incident_id)
                raise
            if taken:
                with self._cond:
                    self._leases[incident_id] = lease
                return incident_id
            elsewhere = True  # another process is setting this room up
            with self._cond:
                self._running.discard(incident_id)
        with self._cond:
            if self._again:
                return -1  # asked to look again while we looked
            self._workers -= 1
            if elsewhere or is_postgres(self.core.engine):
                # Other processes share the database: look again in a while for rooms they stored, or left
                # unfinished when they died.
                soon = utcnow() + ELSEWHERE_RECHECK
                next_due = soon if next_due is None else min(next_due, soon)
            if next_due is not None:
                self._wake_at(next_due)
            self._cond.notify_all()
            return None

    def _wake_at(self, when: datetime) -> None:
        """Arm one timer for the earliest retry (called with the condition held)."""
        if self._timer is not None and self._timer_at is not None and self._timer_at <= when:
            return
        if self._timer is not None:
            self._timer.cancel()
        delay = max(0.0, (when - utcnow()).total_seconds())
        self._timer_at = when
        self._timer = threading.Timer(delay + 0.01, self._timer_fired)
        self._timer.daemon = True
        self._timer.start()

    def _timer_fired(self) -> None:
        with self._cond:
            self._timer, self._timer_at = None, None
        self.kick()

    def _work(self) -> None:
        while True:
            if self.stopped:
                with self._cond:
                    self._workers -= 1
                    self._cond.notify_all()
                return
            try:
                incident_id = self._claim()
            except Exception:
                log.exception("could not read the set-up queue")
                with self._cond:
                    self._workers -= 1
                return
            if incident_id is None:
                return
            if incident_id < 0:
                continue
            try:
                self.run_round(self.core, incident_id)
            except Exception:
                log.exception("set-up round of incident %s failed", incident_id)
            finally:
                with self._cond:
                    lease = self._leases.pop(incident_id, None)
                if lease is not None:
                    lease.release()
                with self._cond:
                    self._running.discard(incident_id)
                    self._rounds[incident_id] = self._rounds.get(incident_id, 0) + 1
                    self._cond.notify_all()


class NewIncidents:
    """Kicks the queue as soon as another process stores an incident (the web role stores them, a worker
    sets them up). A wake-up (``wake``: app/workers/wakeup.py) kicks it at once; as a safety net for a lost
    one, every ``every`` seconds it reads the ids above the newest it has seen, less a margin for
    transactions that commit out of id order (two web processes storing incidents at the same moment).

    Rooms left unfinished by a process that died are found by the queue's own recheck.
    """

    MARGIN = 64

    def __init__(self, core: Core, queue: SetupQueue, every: float) -> None:
        self.core, self.queue, self.every = core, queue, every
        self.woken = 0  # wake-ups taken
        self.found = 0  # new incidents found by the poll (a wake-up may have announced them already)
        self._seen: set[int] = set()
        self._top = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="warroom-setup-watch", daemon=True)

    def start(self) -> NewIncidents:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def wake(self) -> None:
        """An incident was just stored elsewhere: look at the line now."""
        self.woken += 1
        self.queue.kick()

    def look(self) -> list[int]:
        """The incidents waiting for their room that were stored since the last look."""
        floor = max(self._top - self.MARGIN, 0)
        with self.core.engine.connect() as connection:
            rows = connection.execute(text("SELECT id, phase FROM incidents WHERE id > :floor"), {"floor": floor}).all()
        self._seen = {i for i in self._seen if i > floor}
        fresh = [row.id for row in rows if row.id not in self._seen and row.phase == Phase.SETUP]
        self._seen.update(row.id for row in rows)
        self._top = max([self._top, *(row.id for row in rows)])
        return fresh

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                fresh = self.look()
            except Exception:  # the database is away for a moment: look again at the next poll
                log.exception("could not look for new incidents")
                continue
            if fresh:
                log.debug("incidents %s stored elsewhere: setting their rooms up", fresh)
                self.found += len(fresh)
                self.queue.kick()
