"""Jobs as rows with a due time, run by a short sweep that any number of processes may share.

``at`` upserts a row, ``cancel`` deletes a range of ids, ``cancel_incident`` deletes by incident. Once a
second (sooner after ``wake``) an APScheduler interval job sweeps: it claims due rows with a conditional
UPDATE (a lease, renewed while the job runs; on PostgreSQL one UPDATE of the due rows read ``FOR UPDATE SKIP
LOCKED``) and hands them to a small pool of workers, which look up the kind's handler in the registry and
run it. A finished job's row is deleted; a failed one is retried with
capped exponential backoff and its error kept on the row. Jobs that fell due while no process was running
are due at the first sweep, once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from itertools import count
from typing import Any, Protocol

from apscheduler.executors.pool import ThreadPoolExecutor as SweepExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import is_postgres, transaction, write_alone
from app.scheduling import registry, store
from app.scheduling.models import ScheduledJob
from app.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)
SWEEP = "sweep"
# APScheduler logs every run of a job at INFO: once a second is noise, so its sweep executor says less.
logging.getLogger(f"apscheduler.executors.{SWEEP}").setLevel(logging.WARNING)


def retry_delay(attempts: int, base: timedelta, cap: timedelta) -> timedelta:
    """How long to wait before attempt ``attempts + 1``: base, 2x, 4x, ... never more than cap."""
    factor: int = 2 ** min(max(attempts - 1, 0), 32)
    return min(base * factor, cap)


class Runtime(Protocol):
    """What the scheduler needs of the runtime (``app.core.Core``): the database, and a place to attach itself."""

    @property
    def engine(self) -> Engine: ...

    scheduler: Scheduler | None


class Scheduler:
    """The process's scheduler; ``Scheduler(core)`` attaches itself as ``core.scheduler``."""

    def __init__(self, core: Runtime, *, start: bool = True, every: float = 1.0,
                 lease: timedelta = timedelta(seconds=60), workers: int = 4,
                 retry_base: timedelta = timedelta(seconds=30), retry_cap: timedelta = timedelta(minutes=15)) -> None:
        self.core = core
        self.every, self.lease = every, lease
        self.retry_base, self.retry_cap = retry_base, retry_cap
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._tokens = count(1)
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="warroom-jobs")
        self._capacity = workers * 4  # claimed jobs queued or running at once; the rest stay free for others
        self._state = threading.Condition()
        self._running: dict[str, tuple[store.Claimed, Future[None] | None]] = {}  # token -> job
        self._renewed_at: datetime | None = None
        self._backlog = False
        self._again = False
        self._closed = False
        self._sweeping = threading.Lock()
        self.aps = BackgroundScheduler(timezone="UTC", executors={SWEEP: SweepExecutor(2)})
        core.scheduler = self
        if start:
            self.start()

    # Public API ---------------------------------------------------------------------------------------
    def at(self, job_id: str, when: datetime, kind: str, **kwargs: Any) -> None:
        """Run ``kind``'s handler with ``kwargs`` at ``when``; an existing job with this id is replaced."""
        self.at_many([(job_id, when, kind, kwargs)])

    def at_many(self, jobs: Iterable[tuple[str, datetime, str, dict[str, Any]]]) -> None:
        """Several ``at`` in one write."""
        rows = [store.row(job_id, when, kind, dict(kwargs)) for job_id, when, kind, kwargs in jobs]
        if not rows:
            return
        dialect = self.core.engine.dialect.name
        statements = store.upserts(dialect, rows) if dialect in ("sqlite", "postgresql") else []
        if len(statements) == 1:  # the usual case: one statement, its own transaction (see write_alone)
            write_alone(self.core.engine, statements[0])
        else:
            with transaction(self.core.engine) as session:
                store.put(session, rows)
        if min(r["due_at"] for r in rows) <= utcnow():
            self.wake()

    def cancel(self, prefix: str) -> int:
        """Delete every job whose id starts with ``prefix``; returns how many."""
        with transaction(self.core.engine) as session:
            return store.delete_prefix(session, prefix)

    def cancel_incident(self, incident_id: int) -> int:
        """Delete every job of the incident; returns how many."""
        with transaction(self.core.engine) as session:
            return store.delete_incident(session, incident_id)

    def job_ids(self, prefix: str = "") -> list[str]:
        with Session(self.core.engine) as session:
            return store.ids(session, prefix)

    def job(self, job_id: str) -> ScheduledJob | None:
        with Session(self.core.engine) as session:
            return store.get(session, job_id)

    def move(self, job_id: str, when: datetime) -> bool:
        """Make a waiting job due at ``when`` instead (the demo fast-forwards a reminder this way)."""
        with transaction(self.core.engine) as session:
            moved = store.move(session, job_id, as_utc(when))
        if moved and as_utc(when) <= utcnow():
            self.wake()
        return moved

    def start(self) -> None:
        self.aps.add_job(self.sweep, "interval", seconds=self.every, id=SWEEP, executor=SWEEP, next_run_time=utcnow(),
                         coalesce=True, max_instances=2, misfire_grace_time=None)
        self.aps.start()

    def wake(self) -> None:
        """Sweep now rather than at the next tick (a job just fell due, or the clock moved in a test)."""
        if self._closed or not self.aps.running:
            return
        with self._state:
            if self._sweeping.locked():  # the sweep under way goes round once more
                self._again = True
                return
        with contextlib.suppress(JobLookupError):  # shutting down
            self.aps.modify_job(SWEEP, next_run_time=utcnow())

    def shutdown(self) -> None:
        """Stop sweeping, give back claimed jobs that have not started, and let the running ones finish."""
        with self._state:
            if self._closed:
                return
            self._closed = True
        if self.aps.running:
            self.aps.shutdown(wait=True)
        with self._state:
            waiting = [job for job, future in self._running.values() if future is not None and future.cancel()]
        if waiting:
            with transaction(self.core.engine) as session:
                for job in waiting:
                    store.release(session, job)
            with self._state:
                for job in waiting:
                    self._running.pop(job.token, None)
        self._pool.shutdown(wait=True)

    def drain(self, timeout: float = 10.0) -> None:
        """Run every job that is due now and wait until none is left running (tests, the demo)."""
        if self._closed:
            raise RuntimeError("the scheduler is shut down")
        expired = threading.Event()
        timer = threading.Timer(timeout, expired.set)
        timer.daemon = True
        timer.start()
        try:
            while not expired.is_set():
                with self._sweeping:  # a sweep under way has handed its jobs over when this lock is free
                    self._renew()
                    self._claim_and_start()
                with self._state:
                    while self._running and not expired.is_set():
                        self._state.wait(0.02)
                with Session(self.core.engine) as session:
                    if not store.due(session, utcnow(), 1):
                        return
            raise TimeoutError(f"scheduled jobs still due or running after {timeout}s")
        finally:
            timer.cancel()

    # Compatibility: the incident's reminders now live in its domain --------------------------------------
    # The sweep -----------------------------------------------------------------------------------------
    def sweep(self) -> int:
        """Renew the leases of running jobs and claim due ones for the workers; returns how many it claimed.

        Called by the interval job and by ``wake``; a call while another sweep runs asks that one to go again.
        """
        claimed = 0
        while True:
            with self._state:
                self._again = True
            if not self._sweeping.acquire(blocking=False):
                return claimed
            try:
                while True:
                    with self._state:
                        if not self._again or self._closed:
                            break
                        self._again = False
                    self._renew()
                    claimed += self._claim_and_start()
            finally:
                self._sweeping.release()
            with self._state:
                if not self._again or self._closed:
                    return claimed

    def _claim_and_start(self) -> int:
        with self._state:
            room = 0 if self._closed else self._capacity - len(self._running)
            mine = {job.id for job, _future in self._running.values()}
        if room <= 0:
            self._backlog = True
            return 0
        now = utcnow()
        if is_postgres(self.core.engine):
            with transaction(self.core.engine) as session:
                claimed = store.claim_due(session, now, room, self._token(), now + self.lease, mine)
            self._backlog = len(claimed) == room
        else:
            claimed = self._claim_one_by_one(now, room, mine)
        with self._state:
            for job in claimed:
                self._running[job.token] = (job, None)
        for job in claimed:
            future = self._pool.submit(self._run, job)
            with self._state:
                if job.token in self._running:
                    self._running[job.token] = (job, future)
        return len(claimed)

    def _claim_one_by_one(self, now: datetime, room: int, mine: set[str]) -> list[store.Claimed]:
        """SQLite (one writer at a time): read the due jobs, then take each with a conditional UPDATE."""
        with Session(self.core.engine) as session:
            found = store.due(session, now, room)
        self._backlog = len(found) == room
        candidates = [job_id for job_id in found if job_id not in mine]  # one run of a job at a time here
        claimed = []
        for job_id in candidates:  # each claim a statement of its own (see write_alone), read back by its token
            token = self._token()
            if write_alone(self.core.engine, store.claiming(job_id, token, now, now + self.lease)) != 1:
                continue
            with Session(self.core.engine) as session:
                job = store.held(session, job_id, token)
            if job is not None:  # else replaced in between: the replacement is due anew, unclaimed
                claimed.append(job)
        return claimed

    def _token(self) -> str:
        return f"{self.owner}#{next(self._tokens)}"

    def _renew(self) -> None:
        """Keep the leases of long-running jobs, so that no other scheduler takes them over."""
        now = utcnow()
        if self._renewed_at is not None and now - self._renewed_at < self.lease / 3:
            return
        with self._state:
            running = [job for job, _future in self._running.values()]
        if running:
            with transaction(self.core.engine) as session:
                store.renew(session, running, now + self.lease)
        self._renewed_at = now

    def _run(self, job: store.Claimed) -> None:
        try:
            handler = registry.handler_for(job.kind)
            if handler is None:
                raise LookupError(f"no handler is registered for job kind {job.kind!r}")
            handler(self.core, **job.payload)
        except Exception as exc:
            self._failed(job, exc)
        else:
            try:
                write_alone(self.core.engine, store.finished(job))
            except Exception:  # the lease runs out and the job runs again; its handler is idempotent
                log.exception("job %s ran but could not be marked done", job.id)
        finally:
            with self._state:
                self._running.pop(job.token, None)
                self._state.notify_all()
            if self._backlog:
                self.wake()

    def _failed(self, job: store.Claimed, exc: Exception) -> None:
        retry_at = utcnow() + retry_delay(job.attempts, self.retry_base, self.retry_cap)
        error = f"{type(exc).__name__}: {exc}"
        log.error("job %s (%s) failed on attempt %d, retrying at %s: %s", job.id, job.kind, job.attempts,
                  retry_at.isoformat(timespec="seconds"), error, exc_info=exc)
        try:
            with transaction(self.core.engine) as session:
                store.fail(session, job, error, retry_at)
        except Exception:  # the lease runs out and the job runs again
            log.exception("could not record the failure of job %s", job.id)
