"""Persistent scheduling on APScheduler with its job store in the bot's own database.

Jobs survive restarts; on start, missed jobs run once (coalesced). Job ids are prefixed with the
incident (``inc12:...``) so closing an incident cancels all of its jobs.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import pickle
import threading
from concurrent import futures
from datetime import datetime, timedelta

from apscheduler.executors.pool import BasePoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.util import datetime_to_utc_timestamp
from sqlmodel import Session

from app.db import in_transaction, write_lock
from app.scheduling import jobs
from app.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)
JOB_FUNC = "app.scheduling.jobs:run"


class JobStore(SQLAlchemyJobStore):
    """APScheduler's SQL job store, tolerant of a finished job that another scheduler removed first.

    Two processes on one database (a rolling deploy, a restart that overlaps) may both finish the same
    date job; APScheduler would then raise in its main loop and stop scheduling. Handlers are idempotent
    (jobs.claim), so a job that is already gone is simply done."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._batch = threading.local()

    def remove_job(self, job_id: str) -> None:
        with write_lock(self.engine), contextlib.suppress(JobLookupError):
            super().remove_job(job_id)

    @contextlib.contextmanager
    def batch(self):
        """Jobs added inside are written together, in one transaction, at the end (replacing same ids)."""
        self._batch.jobs = []
        try:
            yield
            jobs, self._batch.jobs = self._batch.jobs, None
            if jobs:
                rows = {job.id: {"id": job.id, "next_run_time": datetime_to_utc_timestamp(job.next_run_time),
                                 "job_state": pickle.dumps(job.__getstate__(), self.pickle_protocol)} for job in jobs}
                with write_lock(self.engine), self.engine.begin() as connection:
                    connection.execute(self.jobs_t.delete().where(self.jobs_t.c.id.in_(list(rows))))
                    connection.execute(self.jobs_t.insert(), list(rows.values()))
        finally:
            self._batch.jobs = None

    # Writes take the same turns as the bot's own transactions (see app.db.write_lock).
    def add_job(self, job) -> None:
        pending = getattr(self._batch, "jobs", None)
        if pending is not None:
            pending.append(job)
            return
        with write_lock(self.engine):
            super().add_job(job)

    def update_job(self, job) -> None:
        with write_lock(self.engine):
            super().update_job(job)

    def remove_all_jobs(self) -> None:
        with write_lock(self.engine):
            super().remove_all_jobs()


class _Executor(BasePoolExecutor):
    """APScheduler's pool executor around a thread pool we keep, so shutdown can wait for it alone."""

    def __init__(self, pool: futures.ThreadPoolExecutor) -> None:
        super().__init__(pool)


def _outside_transaction() -> None:
    """The job store waits for the write lock while holding the scheduler's lock: the other way round deadlocks."""
    if in_transaction():
        raise RuntimeError("schedule or cancel jobs after the database transaction, not inside it")


class Scheduler:
    def __init__(self, core, *, start: bool = True) -> None:
        self.core = core
        self.store = JobStore(engine=core.engine, tablename="apscheduler_jobs")
        self._pool = futures.ThreadPoolExecutor(4, thread_name_prefix="warroom-jobs")
        self.aps = BackgroundScheduler(
            jobstores={"default": self.store},
            executors={"default": _Executor(self._pool)},
            job_defaults={"coalesce": True, "misfire_grace_time": 7 * 24 * 3600, "max_instances": 1},
            timezone="UTC",
        )
        core.scheduler = self
        jobs.bind(core)
        load_handlers()
        if start:
            self.aps.start()

    def at(self, job_id: str, when: datetime, kind: str, **kwargs) -> None:
        _outside_transaction()
        self.aps.add_job(JOB_FUNC, trigger="date", run_date=as_utc(when), id=job_id, replace_existing=True,
                         kwargs={"kind": kind, **kwargs})

    def job_ids(self, prefix: str = "") -> list[str]:
        return sorted(job.id for job in self.aps.get_jobs() if job.id.startswith(prefix))

    def cancel(self, prefix: str) -> int:
        _outside_transaction()
        ids = self.job_ids(prefix)
        for job_id in ids:
            self.aps.remove_job(job_id)
        return len(ids)

    def wake(self) -> None:
        """Process due jobs now (after the clock moved, e.g. in tests and the demo)."""
        self.aps.wakeup()

    def shutdown(self) -> None:
        """Stop starting jobs, let the running ones finish, then stop.

        APScheduler's own ``shutdown(wait=True)`` waits for running jobs while holding the job stores' lock,
        so a job that schedules its successor (a digest, a nudge) would wait for it forever; and once the
        scheduler is stopped, a job scheduled meanwhile is only kept in memory. Pausing first keeps the
        store writable until every running job is done.
        """
        if not self.aps.running:
            return
        self.aps.pause()
        self._pool.shutdown(wait=True)
        self.aps.shutdown(wait=False)

    # Incident-level schedules -------------------------------------------------------------------------
    def retry_setup(self, incident_id: int, delay: timedelta = timedelta(seconds=30)) -> None:
        self.at(f"inc{incident_id}:setup", utcnow() + delay, "setup_retry", incident_id=incident_id)

    def schedule_incident(self, incident_id: int) -> None:
        """Task due reminders, legal clocks and the first status-update reminder of a new incident."""
        from app.scheduling import reminders

        with Session(self.core.engine) as session:
            planned = reminders.plan(self.core, session, incident_id)
        # Added after the session is closed: holding a connection while waiting for the job store's lock
        # (whose holder waits for a connection) deadlocks once many incidents open at once. One write for all.
        with self.store.batch():
            for job_id, when, kind, kwargs in planned:
                self.at(job_id, when, kind, **kwargs)
        if self.aps.running:
            self.aps.wakeup()

    def cancel_incident(self, incident_id: int) -> int:
        return self.cancel(f"inc{incident_id}:")


HANDLER_MODULES = ("app.scheduling.reminders", "app.statements.reminders", "app.status.digests")


def load_handlers() -> None:
    """Import the modules whose handlers jobs may name."""
    for name in HANDLER_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
