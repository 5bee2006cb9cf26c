"""Persistent reminders with freezegun: task due, legal clocks, status cadence; once only, across restarts."""

from __future__ import annotations

import threading
from datetime import timedelta

from freezegun import freeze_time
from sqlmodel import Session, select

from app.sandbox.harness import Sandbox
from app.scheduling.models import SentReminder
from app.scheduling.scheduler import Scheduler
from tests.conftest import open_room

START = "2026-11-20 09:00:00"


def texts(box, channel_id):
    return [m.text or "" for m in box.fake.messages(channel_id)]


def overdue_tasks(box, incident_id: int) -> int:
    from app.tasks import service as tasks

    with Session(box.core.engine) as session:
        return sum(tasks.is_overdue(t) for t in tasks.for_incident(session, incident_id))


def reminders_sent(box) -> list[str]:
    with Session(box.core.engine) as session:
        return sorted(r.key for r in session.exec(select(SentReminder)))


def test_task_due_reminder_fires_once_and_not_again_after_restart(tmp_path):
    with freeze_time(START) as clock:
        box = Sandbox(tmp_path / "box", serve=False)
        Scheduler(box.core)
        incident = open_room(box)
        clock.tick(timedelta(minutes=16))  # "Pause scheduled posts" and other 15m tasks are now overdue
        box.core.scheduler.wake()
        overdue = overdue_tasks(box, incident.id)
        assert overdue >= 3
        first = box.fake.wait_for(
            lambda: len(r := [t for t in texts(box, incident.channel_id) if "is still open" in t]) == overdue and r)

        box.core.scheduler.shutdown()
        Scheduler(box.core)  # a restart: the jobs are read back from the database
        box.core.scheduler.drain()
        clock.tick(timedelta(minutes=1))
        box.core.scheduler.drain()
        again = [t for t in texts(box, incident.channel_id) if "is still open" in t]
        assert len(again) == len(first)
        assert len(set(again)) == len(again)
        box.close()


def test_gdpr_clock_reminds_before_and_at_the_deadline(tmp_path):
    with freeze_time(START) as clock:
        box = Sandbox(tmp_path / "box", serve=False)
        Scheduler(box.core)
        incident = open_room(box, kind="data-leak", title="Customer list offered on a leak site", dedup_key="leak-1")
        jobs = box.core.scheduler.job_ids(f"inc{incident.id}:clock:")
        assert len(jobs) >= 4  # 24h, 4h, 1h before, and at the deadline
        clock.tick(timedelta(hours=48, minutes=1))
        box.core.scheduler.wake()
        box.fake.wait_for(lambda: any("1d 0h left" in t for t in texts(box, incident.channel_id)))
        clock.tick(timedelta(hours=24))
        box.core.scheduler.wake()
        box.fake.wait_for(lambda: any("is due *now*" in t for t in texts(box, incident.channel_id)))
        box.core.scheduler.drain()  # the 4h and 1h reminders, due at the same sweep, may still be running
        assert len([k for k in reminders_sent(box) if k.startswith("clock:")]) == 4  # missed ones run once
        box.close()


def test_status_cadence_reminds_comms_then_nudges(tmp_path):
    with freeze_time(START) as clock:
        box = Sandbox(tmp_path / "box", serve=False)
        Scheduler(box.core)
        incident = open_room(box, severity="critical", dedup_key="crit")
        clock.tick(timedelta(minutes=16))
        box.core.scheduler.wake()
        box.fake.wait_for(lambda: any("next status update is due now" in t for t in texts(box, incident.channel_id)))
        assert any("<@U0COMMS>" in t for t in texts(box, incident.channel_id) if "status update" in t)
        box.fake.wait_for(lambda: box.core.scheduler.job_ids(f"inc{incident.id}:status-nudge"))
        clock.tick(timedelta(minutes=6))
        box.core.scheduler.wake()
        box.fake.wait_for(lambda: any("overdue" in t for t in texts(box, incident.channel_id)))
        box.close()


def test_closing_cancels_reminders(tmp_path):
    from app.incidents import flows

    with freeze_time(START) as clock:
        box = Sandbox(tmp_path / "box", serve=False)
        Scheduler(box.core)
        incident = open_room(box)
        assert box.core.scheduler.job_ids(f"inc{incident.id}:task")
        flows.close(box.core, incident.id, "Resolved", by="U0LEAD")
        assert box.core.scheduler.job_ids(f"inc{incident.id}:") == [f"inc{incident.id}:archive"]
        clock.tick(timedelta(hours=25))
        box.core.scheduler.wake()
        box.fake.wait_for(lambda: box.fake.channel(incident.channel_id).is_archived)
        assert not any("is still open" in t for t in texts(box, incident.channel_id))
        box.close()


def test_shutdown_lets_a_running_job_schedule_its_successor(tmp_path):
    """A job that plans the next one (digests, nudges) while the bot stops: no deadlock, nothing lost."""
    from app.scheduling import registry
    from app.timeutil import utcnow

    started, release = threading.Event(), threading.Event()

    def successor(core, step: int) -> None:
        started.set()
        assert release.wait(10)
        core.scheduler.at(f"test:step{step + 1}", utcnow() + timedelta(hours=1), "test_successor", step=step + 1)

    registry.register("test_successor", successor)
    box = Sandbox(tmp_path / "box", serve=False)
    try:
        Scheduler(box.core)
        box.core.scheduler.at("test:step1", utcnow(), "test_successor", step=1)
        box.core.scheduler.wake()
        assert started.wait(10)
        stopping = threading.Thread(target=box.core.scheduler.shutdown, daemon=True)
        stopping.start()
        box.fake.wait_for(lambda: not box.core.scheduler.aps.running)  # no more sweeps; the job still runs
        release.set()
        stopping.join(10)
        assert not stopping.is_alive(), "shutdown is stuck behind the running job"
        assert Scheduler(box.core).job_ids("test:") == ["test:step2"]  # read back after a restart
    finally:
        release.set()
        registry.unregister("test_successor")
        box.close()
