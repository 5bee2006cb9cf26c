"""Migration 0006: jobs pending in APScheduler's old SQL job store are carried over into scheduled_job."""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import inspect, text
from sqlmodel import Session

from app import migrate
from app.db import make_engine
from app.scheduling import store
from app.timeutil import as_utc

BEFORE = "9a378de3d046"
DUE = datetime(2026, 11, 20, 9, 15, tzinfo=UTC)
OLD_ENTRY = f"{__name__}:old_entry"


def old_entry(kind: str, **kwargs) -> None:
    """The shape of the old store's single entry point, ``run(kind, **kwargs)``."""


def old_database(path):
    """A database as the previous release left it: its schema, and jobs in APScheduler's table."""
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, BEFORE)
    jobs = SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")
    old = BackgroundScheduler(timezone="UTC")  # never started: only the job store writes
    jobs.start(old, "default")
    for job_id, kwargs in (("inc1:task7", {"kind": "task_due", "incident_id": 1, "task_id": 7}),
                           ("inc1:digest:1763630100", {"kind": "digest", "incident_id": 1, "due": DUE.isoformat()})):
        jobs.add_job(Job(old, id=job_id, func=OLD_ENTRY, trigger=DateTrigger(DUE), executor="default", args=(),
                         kwargs=kwargs, name="run", misfire_grace_time=None, coalesce=True, max_instances=1,
                         next_run_time=DUE))
    return engine


def test_pending_jobs_of_the_old_store_are_carried_over_and_its_table_dropped(tmp_path):
    engine = old_database(tmp_path / "old.db")
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert "apscheduler_jobs" not in inspect(engine).get_table_names()
    with Session(engine) as session:
        assert store.ids(session) == ["inc1:digest:1763630100", "inc1:task7"]
        task = store.get(session, "inc1:task7")
        digest = store.get(session, "inc1:digest:1763630100")
    assert (task.kind, task.incident_id, task.payload) == ("task_due", 1, {"incident_id": 1, "task_id": 7})
    assert as_utc(task.due_at) == DUE and task.attempts == 0 and task.claimed_by is None
    assert digest.kind == "digest" and digest.payload["due"] == DUE.isoformat()
    engine.dispose()


def test_an_unreadable_old_job_is_kept_where_it_was(tmp_path):
    engine = old_database(tmp_path / "old.db")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO apscheduler_jobs (id, next_run_time, job_state) "
                                "VALUES ('inc2:broken', 0, x'00')"))
    migrate.upgrade(engine)
    with Session(engine) as session:
        assert store.ids(session) == ["inc1:digest:1763630100", "inc1:task7"]
    with engine.connect() as connection:
        left = connection.execute(text("SELECT id FROM apscheduler_jobs")).scalars().all()
    assert left == ["inc2:broken"]
    engine.dispose()
