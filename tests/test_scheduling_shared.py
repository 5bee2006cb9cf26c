"""Two schedulers on one SQLite file, each with its own engine (as two processes would have), both sweeping:
every job runs once, including the ones whose handlers have no once-only claim (archiving a room)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from freezegun import freeze_time
from sqlmodel import Session

from app.core import build_core
from app.incidents import flows, timeline
from app.sandbox.harness import Sandbox
from app.scheduling import registry
from app.scheduling.scheduler import Scheduler
from app.timeutil import utcnow
from tests.conftest import open_room

START = "2026-11-20 09:00:00"


def settle(one, two) -> None:
    """Wait until neither scheduler has a due job left or one running (a job the first claimed while the
    second drained is waited for by the last call)."""
    one.scheduler.drain()
    two.scheduler.drain()
    one.scheduler.drain()


def test_each_job_runs_once_when_two_schedulers_sweep_one_database(tmp_path):
    box = Sandbox(tmp_path / "box", serve=False)
    other = build_core(box.settings)  # a second process's core: its own engine and connections, same file
    ran: Counter[str] = Counter()
    by: dict[str, set[str]] = {"a": set(), "b": set()}
    lock = threading.Lock()
    started = {"a": threading.Event(), "b": threading.Event()}

    def count(core, n: int) -> None:
        me, peer = ("a", "b") if core is box.core else ("b", "a")
        with lock:
            ran[f"test:{n}"] += 1
            by[me].add(f"test:{n}")
        started[me].set()
        # Until the other one runs a job too, this one's workers wait: it cannot take every job alone.
        assert started[peer].wait(10), f"scheduler {peer} never ran a job"

    registry.register("test_count", count)
    try:
        first, second = Scheduler(box.core, start=False), Scheduler(other, start=False)
        assert first.owner != second.owner
        jobs = 400
        first.at_many([(f"test:{n}", utcnow() - timedelta(seconds=1), "test_count", {"n": n}) for n in range(jobs)])
        first.start()
        second.start()
        box.fake.wait_for(lambda: first.job_ids("test:") == [], timeout=30)
        settle(box.core, other)
        assert len(ran) == jobs and set(ran.values()) == {1}, [k for k, v in ran.items() if v > 1]
        assert by["a"] and by["b"], "both schedulers took part"
        assert not by["a"] & by["b"]
    finally:
        registry.unregister("test_count")
        other.shutdown()
        box.close()


def test_a_closed_room_is_archived_once_by_two_schedulers(tmp_path):
    with freeze_time(START) as clock:
        box = Sandbox(tmp_path / "box", serve=False)
        other = build_core(box.settings)
        try:
            Scheduler(box.core)
            Scheduler(other)
            incident = open_room(box)
            flows.close(box.core, incident.id, "Resolved", by="U0LEAD")
            assert other.scheduler.job_ids(f"inc{incident.id}:") == [f"inc{incident.id}:archive"]

            clock.tick(timedelta(hours=24, seconds=1))
            box.core.scheduler.wake()
            other.scheduler.wake()
            box.fake.wait_for(lambda: box.fake.channel(incident.channel_id).is_archived)
            settle(box.core, other)
            with Session(box.core.engine) as session:
                assert timeline.count(session, incident.id, "archived") == 1
            assert len(box.fake.calls_to("conversations.archive")) == 1
            assert box.core.scheduler.job_ids() == []
        finally:
            other.shutdown()
            box.close()


def test_two_schedulers_send_each_overdue_task_reminder_once(tmp_path):
    with freeze_time(START) as clock:
        box = Sandbox(tmp_path / "box", serve=False)
        other = build_core(box.settings)
        try:
            Scheduler(box.core)
            Scheduler(other)
            incident = open_room(box)
            clock.tick(timedelta(minutes=16))
            box.core.scheduler.wake()
            other.scheduler.wake()
            settle(box.core, other)
            assert box.core.effects.drain()  # the reminders either scheduler queued, posted from the outbox
            reminders = [m.text for m in box.fake.messages(incident.channel_id) if "is still open" in (m.text or "")]
            assert len(reminders) >= 3 and len(set(reminders)) == len(reminders)
            with Session(box.core.engine) as session:
                logged = [e for e in timeline.all_events(session, incident.id) if e.kind == "reminder"]
            assert len(logged) == len(reminders)
        finally:
            other.shutdown()
            box.close()
