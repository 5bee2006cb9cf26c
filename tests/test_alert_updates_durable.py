"""The "more alerts attached" summary is planned in the database: a process that stops after the attach
loses nothing (the next process to sweep tells the room), and two processes on one database tell it once."""

from __future__ import annotations

import threading
from datetime import timedelta

from freezegun import freeze_time
from sqlmodel import Session, col, select

from app.alerts.flows import receive
from app.alerts.models import Alert
from app.alerts.parsers import parse_generic
from app.alerts.updates import escalation_job, summary_job
from app.core import build_core
from app.scheduling import store
from app.scheduling.scheduler import Scheduler
from app.wiring import wire_core
from tests.conftest import open_room, social_alert

START = "2026-11-20 09:00:00"


def summaries(box, channel: str) -> list[str]:
    return [m.text for m in box.fake.messages(channel) if "more alert" in m.text]


def attach(core, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        result = receive(core, parse_generic(social_alert(metrics={"mentions_per_hour": 5000 + n})))
        assert result.status == "attached"


def second_process(box):
    """Another process's core on the same database: its own engine, outbox worker and scheduler."""
    other = build_core(box.settings)
    wire_core(other)
    Scheduler(other, start=False)
    return other


def test_a_summary_planned_before_a_stop_is_told_once_by_the_next_process(make_sandbox):
    with freeze_time(START) as clock:
        box = make_sandbox("restart", serve=False)
        incident = open_room(box)
        attach(box.core, 3)
        with Session(box.core.engine) as session:
            job = store.get(session, summary_job(incident.id))
        assert job is not None and job.kind == "alert_summary"
        box.core.alert_updates.cancel()  # the process stops: nothing it kept in memory is needed

        after = second_process(box)
        try:
            clock.tick(timedelta(seconds=5))
            after.scheduler.drain()
            assert summaries(box, incident.channel_id) == []  # the window is not over yet

            clock.tick(timedelta(seconds=6))
            after.scheduler.drain()
            assert after.effects.drain()
            [told] = box.fake.wait_for(lambda: summaries(box, incident.channel_id), timeout=10)
            assert ":repeat: 3 more alerts attached" in told and "4 alerts in total" in told
            with Session(box.core.engine) as session:
                assert store.get(session, summary_job(incident.id)) is None
                assert not session.exec(select(Alert).where(Alert.incident_id == incident.id,
                                                            col(Alert.posted).is_(False))).all()

            clock.tick(timedelta(seconds=30))
            after.scheduler.drain()
            assert after.effects.drain()
            assert len(summaries(box, incident.channel_id)) == 1
        finally:
            after.shutdown()


def test_two_processes_attaching_to_one_incident_tell_the_room_once(make_sandbox):
    with freeze_time(START) as clock:
        box = make_sandbox("two", serve=False)
        incident = open_room(box)
        other = second_process(box)
        Scheduler(box.core, start=False)
        try:
            attach(box.core, 6)
            attach(other, 6, start=6)  # the same window: the second process's alerts join it
            with Session(box.core.engine) as session:
                assert store.ids(session, summary_job(incident.id)) == [summary_job(incident.id)]

            clock.tick(timedelta(seconds=11))
            sweeps = [threading.Thread(target=core.scheduler.drain) for core in (box.core, other)]
            for sweep in sweeps:
                sweep.start()
            for sweep in sweeps:
                sweep.join(30)
            box.core.scheduler.drain()
            other.scheduler.drain()
            assert box.core.effects.drain() and other.effects.drain()
            told = box.fake.wait_for(lambda: summaries(box, incident.channel_id), timeout=10)
            assert len(told) == 1 and ":repeat: 12 more alerts attached" in told[0]
        finally:
            other.shutdown()


def test_an_escalation_is_told_at_once_and_leaves_the_window_alone(make_sandbox):
    with freeze_time(START) as clock:
        box = make_sandbox("escalation", serve=False)
        incident = open_room(box)
        Scheduler(box.core, start=False)
        attach(box.core, 2)
        with Session(box.core.engine) as session:
            window_end = store.get(session, summary_job(incident.id)).due_at
        clock.tick(timedelta(seconds=2))
        receive(box.core, parse_generic(social_alert(severity="critical")))
        with Session(box.core.engine) as session:
            assert store.get(session, escalation_job(incident.id)) is not None
            assert store.get(session, summary_job(incident.id)).due_at == window_end

        box.core.scheduler.drain()
        assert box.core.effects.drain()
        told = box.fake.wait_for(lambda: summaries(box, incident.channel_id), timeout=10)
        # The escalating alert is told in its notice, not counted again as a repeat.
        assert len(told) == 1 and ":repeat: 2 more alerts attached" in told[0]
        assert any("*CRITICAL*" in m.text for m in box.fake.messages(incident.channel_id))

        attach(box.core, 1, start=10)  # after the escalation's message, inside the first window
        clock.tick(timedelta(seconds=9))
        box.core.scheduler.drain()
        assert box.core.effects.drain()
        told = box.fake.wait_for(lambda: summaries(box, incident.channel_id)[1:], timeout=10)
        assert ":repeat: 1 more alert attached" in told[0]
