"""Scheduled jobs as rows: upsert, cancel by prefix and by incident, retries with backoff and a recorded
error, leases of a scheduler that died, and jobs that fell due while no scheduler ran (freezegun)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlmodel import Session, select

from app.db import transaction
from app.effects.models import Effect
from app.scheduling import registry, store
from app.scheduling.models import SentReminder
from app.scheduling.scheduler import Scheduler, retry_delay
from app.timeutil import as_utc, utcnow
from tests.conftest import open_room

START = "2026-11-20 09:00:00"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class Recorder:
    """A handler that records each call; ``failures`` first calls raise."""

    def __init__(self, failures: int = 0) -> None:
        self.calls: list[dict] = []
        self.failures = failures
        self.lock = threading.Lock()

    def __call__(self, core, **payload) -> None:
        with self.lock:
            self.calls.append(payload)
            if len(self.calls) <= self.failures:
                raise RuntimeError(f"the service said no (call {len(self.calls)})")


@pytest.fixture
def recorder():
    made = []

    def make(kind: str, failures: int = 0) -> Recorder:
        handler = Recorder(failures)
        registry.register(kind, handler)
        made.append(kind)
        return handler

    yield make
    for kind in made:
        registry.unregister(kind)


@pytest.fixture
def box(tmp_path):
    from app.sandbox.harness import Sandbox

    box = Sandbox(tmp_path / "box", serve=False)
    yield box
    box.close()


def test_at_replaces_a_job_with_the_same_id_and_refuses_bad_jobs(box, recorder):
    recorder("test_note")
    scheduler = Scheduler(box.core, start=False)
    scheduler.at("inc1:note", T0, "test_note", incident_id=1, text="first")
    scheduler.at("inc1:note", T0 + timedelta(hours=1), "test_note", incident_id=1, text="second")
    job = scheduler.job("inc1:note")
    assert as_utc(job.due_at) == T0 + timedelta(hours=1) and job.payload == {"incident_id": 1, "text": "second"}
    assert job.incident_id == 1 and job.attempts == 0 and scheduler.job_ids() == ["inc1:note"]

    with pytest.raises(ValueError, match="job inc1:x: there is no job kind 'nonsense'"):
        scheduler.at("inc1:x", T0, "nonsense")
    with pytest.raises(TypeError, match="job inc1:x: the due time must be a datetime, not '09:00'"):
        scheduler.at("inc1:x", "09:00", "test_note")
    with pytest.raises(TypeError, match="job inc1:x: its arguments must be JSON values"):
        scheduler.at("inc1:x", T0, "test_note", since=T0)
    with pytest.raises(TypeError, match="incident_id must be an integer"):
        scheduler.at("inc1:x", T0, "test_note", incident_id="1")
    assert scheduler.job_ids() == ["inc1:note"]  # nothing half-written
    scheduler.at("inc1:naive", datetime(2026, 11, 20, 9, 0), "test_note")  # naive times are UTC, as SQLite gives them
    assert as_utc(scheduler.job("inc1:naive").due_at) == T0


def test_cancel_by_prefix_and_by_incident_deletes_exactly_those_jobs(box, recorder):
    calls = recorder("test_note")
    with freeze_time(START) as clock:
        scheduler = Scheduler(box.core, start=False)
        ids = {
            "inc1:stmt2:v1:s0": 1, "inc1:stmt2:v1:s0:backup": 1, "inc1:stmt20:v1:s0": 1, "inc1:task3": 1,
            "inc1;other": None, "inc10:task1": 10, "inc2:task1": 2, "inc2:digest:1": 2,
        }
        scheduler.at_many([(job_id, T0 + timedelta(minutes=5), "test_note", {"incident_id": incident, "id": job_id})
                           if incident else (job_id, T0 + timedelta(minutes=5), "test_note", {"id": job_id})
                           for job_id, incident in ids.items()])
        assert scheduler.cancel("inc1:stmt2:") == 2
        assert scheduler.job_ids("inc1:") == ["inc1:stmt20:v1:s0", "inc1:task3"]
        assert scheduler.cancel_incident(1) == 2
        assert scheduler.job_ids() == ["inc10:task1", "inc1;other", "inc2:digest:1", "inc2:task1"]
        assert scheduler.cancel("inc2:digest:") == 1 and scheduler.cancel("inc2:digest:") == 0

        clock.tick(timedelta(minutes=6))
        scheduler.drain()
        assert sorted(c["id"] for c in calls.calls) == ["inc10:task1", "inc1;other", "inc2:task1"]
        assert scheduler.job_ids() == []


def test_prefix_ranges_cover_exactly_the_ids_that_start_with_the_prefix():
    assert store.prefix_end("inc1:") == "inc1;"
    assert store.prefix_end("a\U0010ffff") == "b"
    assert store.prefix_end("\U0010ffff") is None
    assert store.prefix_end("x\ud7ff") == "x\ue000"


def test_a_failing_job_is_retried_with_growing_delays_and_its_error_is_kept(box, recorder, caplog):
    flaky = recorder("test_flaky", failures=2)
    with freeze_time(START) as clock:
        scheduler = Scheduler(box.core)
        scheduler.at("inc1:flaky", utcnow(), "test_flaky", incident_id=1)

        def attempts(n):
            return lambda: (job := scheduler.job("inc1:flaky")) and job.attempts == n and job.claimed_by is None

        job = box.fake.wait_for(lambda: attempts(1)() and scheduler.job("inc1:flaky"))
        assert job.last_error == "RuntimeError: the service said no (call 1)"
        assert as_utc(job.due_at) == T0 + timedelta(seconds=30)
        assert "job inc1:flaky (test_flaky) failed on attempt 1" in caplog.text

        clock.tick(timedelta(seconds=29))
        scheduler.drain()
        assert len(flaky.calls) == 1  # not before the delay

        clock.tick(timedelta(seconds=2))
        scheduler.wake()
        job = box.fake.wait_for(lambda: attempts(2)() and scheduler.job("inc1:flaky"))
        assert "call 2" in job.last_error
        assert as_utc(job.due_at) == T0 + timedelta(seconds=31 + 60)  # twice the delay

        clock.tick(timedelta(seconds=60))
        scheduler.wake()
        box.fake.wait_for(lambda: scheduler.job("inc1:flaky") is None)
        assert len(flaky.calls) == 3


def test_backoff_doubles_up_to_its_cap():
    base, cap = timedelta(seconds=30), timedelta(minutes=15)
    assert [retry_delay(n, base, cap).total_seconds() for n in range(1, 8)] == [30, 60, 120, 240, 480, 900, 900]
    assert retry_delay(10_000, base, cap) == cap


def test_a_job_without_a_handler_is_kept_and_retried_not_dropped(box, recorder, caplog):
    recorder("test_gone")
    with freeze_time(START) as clock:
        scheduler = Scheduler(box.core, start=False)
        scheduler.at("inc1:gone", utcnow(), "test_gone", incident_id=1)
        registry.unregister("test_gone")  # e.g. an older process that does not know this kind
        scheduler.drain()
        job = scheduler.job("inc1:gone")
        assert job.last_error == "LookupError: no handler is registered for job kind 'test_gone'"
        assert job.attempts == 1 and as_utc(job.due_at) == T0 + timedelta(seconds=30)

        calls = recorder("test_gone")
        clock.tick(timedelta(seconds=31))
        scheduler.drain()
        assert len(calls.calls) == 1 and scheduler.job("inc1:gone") is None


def test_a_reminder_slack_refused_is_posted_on_the_retry_once(box):
    from app.tasks import service as tasks
    from app.tasks.reminders import schedule_due

    with freeze_time(START) as clock:
        Scheduler(box.core)
        incident = open_room(box)
        with transaction(box.core.engine) as session:
            task = tasks.add(session, incident.id, "Call the agency", owner_id="U0SOCIAL",
                             due_at=utcnow() + timedelta(minutes=2), by="U0LEAD")  # the playbook's first: 5m
        schedule_due(box.core, incident.id, task.id, task.due_at)
        job_id = f"inc{incident.id}:task{task.id}"

        box.fake.fail_next("chat.postMessage", error="fatal_error")
        clock.tick(timedelta(minutes=3))
        box.core.scheduler.wake()
        box.core.scheduler.drain()
        assert box.core.scheduler.job(job_id) is None  # the job's work is done: the outbox owes the post

        def refused():
            with Session(box.core.engine) as session:
                effect = session.exec(select(Effect).where(Effect.key == f"reminder:task:{task.id}:due")).one()
            return effect if effect.last_error else None

        effect = box.fake.wait_for(refused)
        assert "fatal_error" in effect.last_error and effect.status == "pending" and effect.attempts == 1
        with Session(box.core.engine) as session:  # claimed with the queued post: told once, whatever Slack does
            assert session.get(SentReminder, f"task:{task.id}:due") is not None

        clock.tick(timedelta(seconds=31))
        assert box.core.effects.drain()
        posted = [m.text for m in box.fake.messages(incident.channel_id) if "Call the agency" in (m.text or "")]
        assert len(posted) == 1 and posted[0].startswith(":hourglass: <@U0SOCIAL>")


def test_a_job_replaced_while_it_runs_is_kept(box, recorder):
    """A handler that schedules its own id again (the status reminder following a new update time)."""
    with freeze_time(START) as clock:
        scheduler = Scheduler(box.core, start=False)

        def again(core, round: int) -> None:
            if round == 1:
                core.scheduler.at("inc1:again", utcnow() + timedelta(minutes=10), "test_again", round=2)

        registry.register("test_again", again)
        try:
            scheduler.at("inc1:again", utcnow(), "test_again", round=1)
            scheduler.drain()
            job = scheduler.job("inc1:again")
            assert job.payload == {"round": 2} and as_utc(job.due_at) == T0 + timedelta(minutes=10)
            clock.tick(timedelta(minutes=11))
            scheduler.drain()
            assert scheduler.job_ids() == []
        finally:
            registry.unregister("test_again")


def test_a_job_held_by_a_scheduler_that_died_runs_when_its_lease_ends(box, recorder):
    calls = recorder("test_note")
    with freeze_time(START) as clock:
        scheduler = Scheduler(box.core, start=False)
        scheduler.at("inc1:held", utcnow(), "test_note", incident_id=1)
        with transaction(box.core.engine) as session:  # another process claimed it, then was killed
            assert store.claim(session, "inc1:held", "gone:1#1", utcnow(), utcnow() + timedelta(seconds=60))
        scheduler.drain()
        assert calls.calls == []
        clock.tick(timedelta(seconds=61))
        scheduler.drain()
        assert len(calls.calls) == 1 and scheduler.job_ids() == []


def test_jobs_due_while_no_scheduler_ran_run_once_at_start_and_digests_coalesce(box):
    """Down for five hours at critical severity: one digest (not five), each overdue task reminded once."""
    from app.status.digests import job_id

    with freeze_time(START) as clock:
        Scheduler(box.core)
        incident = open_room(box, severity="critical")  # critical: a digest every hour
        box.core.scheduler.shutdown()
        clock.tick(timedelta(hours=5, minutes=1))

        Scheduler(box.core)  # no wake: the first sweep runs at start
        box.fake.wait_for(lambda: box.core.scheduler.job_ids(f"inc{incident.id}:digest:")
                          == [job_id(incident.id, utcnow() + timedelta(hours=1))])
        box.core.scheduler.drain()
        assert box.core.effects.drain()  # the digest and the task reminders are posted from the outbox
        digests = [m for m in box.fake.dms("U0CEO") if "Executive digest" in (m.text or "")]
        assert len(digests) == 1
        texts = [m.text or "" for m in box.fake.messages(incident.channel_id)]
        with Session(box.core.engine) as session:
            sent = list(session.exec(select(SentReminder.key)))
        reminded = [t for t in texts if "is still open" in t]
        assert len(reminded) == len([k for k in sent if k.startswith("task:")]) >= 3
        assert len([t for t in texts if "next status update is due now" in t]) == 1

        box.core.scheduler.shutdown()  # and a second restart sends nothing again
        Scheduler(box.core)
        box.core.scheduler.drain()
        assert box.core.effects.drain()
        assert len([m for m in box.fake.dms("U0CEO") if "Executive digest" in (m.text or "")]) == 1
        assert [m.text or "" for m in box.fake.messages(incident.channel_id)] == texts


def test_a_job_scheduled_inside_a_transaction_is_stored_with_it_or_not_at_all(box, recorder):
    from app.tasks import service as tasks
    from app.tasks.models import Task

    calls = recorder("test_note")
    with freeze_time(START) as clock:
        scheduler = Scheduler(box.core, start=False)
        incident = open_room(box)
        with transaction(box.core.engine) as session:
            task = tasks.add(session, incident.id, "Brief the hotline", by="U0LEAD")
            store.schedule(session, f"inc{incident.id}:note", utcnow() + timedelta(minutes=1), "test_note",
                           incident_id=incident.id, task_id=task.id)
        assert scheduler.job(f"inc{incident.id}:note").payload["task_id"] == task.id

        with pytest.raises(RuntimeError, match="changed my mind"), transaction(box.core.engine) as session:
            gone = tasks.add(session, incident.id, "Never kept", by="U0LEAD")
            store.schedule(session, f"inc{incident.id}:never", utcnow(), "test_note", incident_id=incident.id)
            raise RuntimeError("changed my mind")
        with Session(box.core.engine) as session:
            assert session.get(Task, gone.id) is None
        assert scheduler.job(f"inc{incident.id}:never") is None

        clock.tick(timedelta(minutes=2))
        scheduler.drain()
        assert scheduler.job(f"inc{incident.id}:note") is None
        assert calls.calls == [{"incident_id": incident.id, "task_id": task.id}]


def test_each_kind_has_one_handler_and_every_domain_registers_its_own():
    from app.reminders import register_all

    seen: dict[str, object] = {}
    register_all(lambda kind, handler: seen.setdefault(kind, handler))
    assert {kind: handler.__module__ for kind, handler in seen.items()} == {
        "clock": "app.incidents.reminders", "status_due": "app.incidents.reminders",
        "status_overdue": "app.incidents.reminders", "setup_retry": "app.incidents.reminders",
        "archive": "app.incidents.reminders", "task_due": "app.tasks.reminders",
        "approval_due": "app.statements.reminders", "approval_backup": "app.statements.reminders",
        "digest": "app.status.digests", "monitor-poll": "app.monitoring.jobs",
        "monitor-evaluate": "app.monitoring.jobs", "monitor-retention": "app.monitoring.jobs",
            "alert_summary": "app.alerts.updates"}

    def one(core) -> None: ...

    def other(core) -> None: ...

    try:
        registry.register("test_one", one)
        registry.register("test_one", one)  # the same pair again is harmless
        with pytest.raises(ValueError, match="job kind 'test_one' already has a handler"):
            registry.register("test_one", other)
        with pytest.raises(ValueError, match="a job kind must be a non-empty string"):
            registry.register("", one)
    finally:
        registry.unregister("test_one")


def test_many_jobs_are_stored_in_bulk_statements_and_a_job_given_twice_is_written_as_given_last(
        tmp_path, new_database, recorder):
    from app.sandbox.harness import Sandbox
    from tests.conftest import _database_of

    recorder("test_note")
    box = Sandbox(tmp_path / "jobs", serve=False, **_database_of("jobs", new_database))  # SQLite or PostgreSQL
    try:
        _bulk_jobs(box)
    finally:
        box.close()


def _bulk_jobs(box) -> None:
    scheduler = Scheduler(box.core, start=False)
    jobs = [(f"inc7:n{n:04d}", T0 + timedelta(minutes=n), "test_note", {"incident_id": 7, "n": n})
            for n in range(store.ROWS_PER_STATEMENT * 2 + 1)]  # three statements, one transaction
    jobs.append(("inc7:n0003", T0, "test_note", {"incident_id": 7, "n": -3}))
    scheduler.at_many(jobs)
    assert len(scheduler.job_ids("inc7:")) == store.ROWS_PER_STATEMENT * 2 + 1
    assert scheduler.job("inc7:n0003").payload == {"incident_id": 7, "n": -3}
    assert as_utc(scheduler.job("inc7:n0003").due_at) == T0
    assert as_utc(scheduler.job(f"inc7:n{store.ROWS_PER_STATEMENT * 2:04d}").due_at) == T0 + timedelta(
        minutes=store.ROWS_PER_STATEMENT * 2)
    # A few jobs (one statement, a transaction of its own): a replaced job is due anew and unclaimed.
    with transaction(box.core.engine) as session:
        assert store.claim(session, "inc7:n0001", "someone#1", T0 + timedelta(hours=1), T0 + timedelta(hours=2))
    scheduler.at_many([("inc7:n0001", T0 + timedelta(days=1), "test_note", {"incident_id": 7, "n": 1}),
                       ("inc8:a", T0, "test_note", {"incident_id": 8}),
                       ("inc8:a", T0 + timedelta(minutes=1), "test_note", {"incident_id": 8, "again": True})])
    replaced = scheduler.job("inc7:n0001")
    assert replaced.claimed_by is None and replaced.attempts == 0 and as_utc(replaced.due_at) == T0 + timedelta(days=1)
    assert scheduler.job("inc8:a").payload == {"incident_id": 8, "again": True}
    assert len(scheduler.job_ids()) == store.ROWS_PER_STATEMENT * 2 + 2
