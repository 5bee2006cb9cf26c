"""Persistent scheduling on APScheduler with its job store in the bot's own database.

Jobs survive restarts; on start, missed jobs run once (coalesced). Job ids are prefixed with the
incident (``inc12:...``) so closing an incident cancels all of its jobs.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import Session

from app.scheduling import jobs
from app.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)
JOB_FUNC = "app.scheduling.jobs:run"


class JobStore(SQLAlchemyJobStore):
    """APScheduler's SQL job store, tolerant of a finished job that another scheduler removed first.

    Two processes on one database (a rolling deploy, a restart that overlaps) may both finish the same
    date job; APScheduler would then raise in its main loop and stop scheduling. Handlers are idempotent
    (jobs.claim), so a job that is already gone is simply done."""

    def remove_job(self, job_id: str) -> None:
        with contextlib.suppress(JobLookupError):
            super().remove_job(job_id)


class Scheduler:
    def __init__(self, core, *, start: bool = True) -> None:
        self.core = core
        self.aps = BackgroundScheduler(
            jobstores={"default": JobStore(engine=core.engine, tablename="apscheduler_jobs")},
            executors={"default": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "misfire_grace_time": 7 * 24 * 3600, "max_instances": 1},
            timezone="UTC",
        )
        core.scheduler = self
        jobs.bind(core)
        load_handlers()
        if start:
            self.aps.start()

    def at(self, job_id: str, when: datetime, kind: str, **kwargs) -> None:
        self.aps.add_job(JOB_FUNC, trigger="date", run_date=as_utc(when), id=job_id, replace_existing=True,
                         kwargs={"kind": kind, **kwargs})

    def job_ids(self, prefix: str = "") -> list[str]:
        return sorted(job.id for job in self.aps.get_jobs() if job.id.startswith(prefix))

    def cancel(self, prefix: str) -> int:
        ids = self.job_ids(prefix)
        for job_id in ids:
            self.aps.remove_job(job_id)
        return len(ids)

    def wake(self) -> None:
        """Process due jobs now (after the clock moved, e.g. in tests and the demo)."""
        self.aps.wakeup()

    def shutdown(self) -> None:
        if self.aps.running:
            self.aps.shutdown(wait=True)

    # Incident-level schedules -------------------------------------------------------------------------
    def retry_setup(self, incident_id: int, delay: timedelta = timedelta(seconds=30)) -> None:
        self.at(f"inc{incident_id}:setup", utcnow() + delay, "setup_retry", incident_id=incident_id)

    def schedule_incident(self, incident_id: int) -> None:
        """Task due reminders, legal clocks and the first status-update reminder of a new incident."""
        from app.scheduling import reminders

        with Session(self.core.engine) as session:
            reminders.plan(self, session, incident_id)

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
