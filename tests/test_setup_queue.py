"""Rooms are set up most severe first, then manual declarations, then the oldest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.db import transaction
from app.incidents import service
from app.incidents.models import Incident, SetupStep
from app.incidents.setup import _runtime
from app.incidents.setup_queue import line
from app.sandbox.harness import Sandbox
from app.timeutil import utcnow
from tests.conftest import social_alert


def _open(session, box, title, severity, source, minutes_ago):
    playbook = box.core.playbooks.get("shitstorm")
    incident = service.open_incident(session, playbook, title=title, kind="shitstorm", severity=severity,
                                     source=source, now=utcnow() - timedelta(minutes=minutes_ago))
    return incident.id


def test_line_orders_by_severity_then_manual_then_age_and_skips_the_waiting(tmp_path):
    with Sandbox(tmp_path / "box", serve=False) as box:
        with transaction(box.core.engine) as session:
            old_low = _open(session, box, "old low", "low", "alertmanager", 50)
            high_alert = _open(session, box, "high alert", "high", "alertmanager", 40)
            high_declared = _open(session, box, "high declared", "high", "declared", 1)
            critical = _open(session, box, "critical", "critical", "pagerduty", 0)
            older_high_alert = _open(session, box, "older high alert", "high", "alertmanager", 45)
            stopped = _open(session, box, "stopped", "critical", "declared", 60)
            waiting = _open(session, box, "waiting", "critical", "declared", 60)
        with transaction(box.core.engine) as session:
            for step in session.exec(select(SetupStep).where(SetupStep.incident_id == stopped)):
                step.status = "failed" if step.step == "create_channel" else "done"
                session.add(step)
            for step in session.exec(select(SetupStep).where(SetupStep.incident_id == waiting)):
                step.status = "retrying" if step.step == "announce" else "done"
                step.retry_at = utcnow() + timedelta(seconds=30)
                session.add(step)
        with Session(box.core.engine) as session:
            ready, next_due = line(session)
            assert ready == [critical, high_declared, older_high_alert, high_alert, old_low]
            assert next_due is not None and timedelta(seconds=25) < next_due - utcnow() <= timedelta(seconds=30)
            later, _ = line(session, utcnow() + timedelta(seconds=31))
            assert later[:2] == [waiting, critical]  # due again: an older declared critical one goes first


def test_line_holds_back_a_room_until_a_step_its_other_steps_need_may_be_retried(tmp_path):
    soon = utcnow() + timedelta(seconds=40)
    states = {  # incident -> the states of the steps that are not pending
        "channel waits": {"create_channel": ("retrying", soon), "resolve_roles": ("done", None)},
        "channel due": {"create_channel": ("retrying", utcnow() - timedelta(seconds=1))},
        "people wait, channel can start": {"resolve_roles": ("retrying", soon)},
        "briefing waits, its pin needs it": {**dict.fromkeys(("create_channel", "resolve_roles", "invite",
                                                              "set_topic", "bookmark", "announce"), ("done", None)),
                                             "post_briefing": ("retrying", soon - timedelta(seconds=10))},
    }
    with Sandbox(tmp_path / "box", serve=False) as box:
        with transaction(box.core.engine) as session:
            ids = {title: _open(session, box, title, "high", "alertmanager", 10 - n)
                   for n, title in enumerate(states)}
        with transaction(box.core.engine) as session:
            for title, steps in states.items():
                for step in session.exec(select(SetupStep).where(SetupStep.incident_id == ids[title])):
                    if step.step in steps:
                        step.status, step.retry_at = steps[step.step]
                        session.add(step)
        with Session(box.core.engine) as session:
            ready, next_due = line(session)
            assert ready == [ids["channel due"], ids["people wait, channel can start"]]
            assert next_due is not None and abs((next_due - (soon - timedelta(seconds=10))).total_seconds()) < 1
            later, _ = line(session, soon + timedelta(seconds=1))
        assert later == [ids[title] for title in states]  # every one may start a step then, oldest first


def test_a_critical_alert_after_a_storm_of_low_ones_gets_its_room_next(tmp_path):
    with Sandbox(tmp_path / "box") as box:
        box.fake.latency = 0.03  # every Slack call takes a moment, as in a real workspace
        lows = [box.alert(social_alert(title=f"Low noise {n}", severity="low", dedup_key=f"low-{n}"))
                .json()["incident_id"] for n in range(12)]
        box.fake.wait_for(lambda: box.fake.calls_to("conversations.create"), timeout=10)
        critical = box.alert(social_alert(title="Hacked brand account", severity="critical",
                                          dedup_key="hacked")).json()["incident_id"]
        created_before = len(box.fake.calls_to("conversations.create"))  # the critical one is stored by now

        def all_ready():
            with Session(box.core.engine) as session:
                rows = session.exec(select(Incident).where(Incident.phase == "active")).all()
                return rows if len(rows) == len(lows) + 1 else None

        box.fake.wait_for(all_ready, timeout=60)
        names = [c.params["name"] for c in box.fake.calls_to("conversations.create")]
        position = next(i for i, name in enumerate(names) if "hacked-brand-account" in name)
        # At most the rooms already being set up (two at a time) go before it.
        assert position <= created_before + 2, (position, created_before)
        assert position < len(lows) - 4
        with Session(box.core.engine) as session:
            ready_at = {i.id: i.room_ready_at for i in session.exec(select(Incident))}
        assert sum(ready_at[i] > ready_at[critical] for i in lows) >= len(lows) - created_before - 2


def test_low_rooms_leave_slack_capacity_for_an_urgent_one(tmp_path):
    from app.sandbox.fake_slack import FakeSlack

    fake = FakeSlack(enforce_rate_limits=True)  # Slack's real per-minute limits
    fake.start()
    with Sandbox(tmp_path / "box", fake=fake) as box:
        for n in range(17):
            box.alert(social_alert(title=f"Low noise {n}", severity="low", dedup_key=f"low-{n}"))
        box.fake.wait_for(lambda: len(fake.calls_to("conversations.create")) >= 15, timeout=30)

        def lows_waiting():
            with Session(box.core.engine) as session:
                steps = session.exec(select(SetupStep).where(SetupStep.step == "create_channel",
                                                             SetupStep.status == "retrying")).all()
            return len(steps) == 2

        box.fake.wait_for(lows_waiting, timeout=30)  # the last two low ones wait for the next minute
        with Session(box.core.engine) as session:
            waiting = [s.incident_id for s in session.exec(select(SetupStep).where(
                SetupStep.step == "create_channel", SetupStep.status == "retrying"))]
        queue = _runtime(box.core).queue
        box.fake.wait_for(lambda: not any(queue.running(i) for i in waiting), timeout=10)  # their rounds ended
        rounds_before = [queue.rounds(i) for i in waiting]
        critical = box.alert(social_alert(title="Hacked brand account", severity="critical",
                                          dedup_key="hacked")).json()["incident_id"]

        def critical_ready():
            with Session(box.core.engine) as session:
                return session.get(Incident, critical).phase == "active"

        box.fake.wait_for(critical_ready, timeout=15)
        creates = fake.calls_to("conversations.create")
        assert len(creates) == 16 and all(c.status == 200 for c in creates)  # Slack never had to refuse
        # Rooms whose channel waits for the next minute run no rounds meanwhile: their other steps need the
        # channel, so a round would find nothing to start (and write their reminders again, for nothing).
        assert [queue.rounds(i) for i in waiting] == rounds_before
        with Session(box.core.engine) as session:
            ready, next_due = line(session)
        assert not set(waiting) & set(ready)
        assert next_due is not None and next_due > utcnow()  # looked at again when the channel may be created
    fake.stop()


def test_start_setup_sets_up_stored_incidents_without_waiting(tmp_path):
    from app.alerts.parsers import parse_generic
    from app.alerts.service import ingest
    from app.incidents.setup import start_setup

    with Sandbox(tmp_path / "box", serve=False) as box:
        ids = [ingest(box.core, parse_generic(social_alert(dedup_key=f"k{n}"))).incident_id for n in range(3)]
        start_setup(box.core)

        def all_active():
            with Session(box.core.engine) as session:
                return all(session.get(Incident, i).phase == "active" for i in ids)

        box.fake.wait_for(all_active, timeout=20)


def _web_role(tmp_path, new_database, **overrides):
    """The web role alone on loopback (as `warroom web` runs it): it stores incidents, a worker sets them up."""
    from app.sandbox.harness import ServerThread
    from app.server import create_app
    from tests.conftest import _database_of

    box = Sandbox(tmp_path / "web", serve=False, **_database_of("web", new_database), **overrides)
    box.server = ServerThread(create_app(box.core, role="web"), box.port)
    box.server.start()
    return box


def _phases(box, ids) -> dict[int, str]:
    with Session(box.core.engine) as session:
        return {i: session.get(Incident, i).phase for i in ids}


def test_the_web_role_leaves_set_ups_to_the_worker_which_sets_up_the_critical_room_first(tmp_path, new_database):
    from app.incidents.setup import CONCURRENT_SETUPS
    from tests.test_web_worker import WorkerThread

    box = _web_role(tmp_path, new_database)
    try:
        box.fake.latency = 0.03
        lows = [box.alert(social_alert(title=f"Low noise {n}", severity="low", dedup_key=f"low-{n}"))
                .json()["incident_id"] for n in range(6)]
        critical = box.alert(social_alert(title="Hacked brand account", severity="critical",
                                          dedup_key="hacked")).json()["incident_id"]
        # Stored with their steps, nothing done in Slack: had the web role set rooms up, the first low one's
        # channel would have been created while the others were still arriving.
        assert box.fake.calls_to("conversations.create") == []
        with Session(box.core.engine) as session:
            steps = session.exec(select(SetupStep).where(SetupStep.incident_id == critical)).all()
        assert steps and {s.status for s in steps} == {"pending"}

        worker = WorkerThread(box).start()
        try:
            box.fake.wait_for(lambda: set(_phases(box, [*lows, critical]).values()) == {"active"}, timeout=60)
        finally:
            worker.stop()
        names = [c.params["name"] for c in box.fake.calls_to("conversations.create")]
        assert len(names) == len(lows) + 1
        # The worker took the line in order of severity: the critical room is among the first set up at once.
        position = next(i for i, name in enumerate(names) if "hacked-brand-account" in name)
        assert position < CONCURRENT_SETUPS, names
    finally:
        box.close()


def test_a_running_worker_sets_up_a_room_the_web_role_just_stored_and_retries_a_stopped_one(tmp_path, new_database):
    from app.sandbox.fake_slack import FakeSlack
    from tests.test_web_worker import WorkerThread

    fake = FakeSlack()
    fake.start()
    announce = fake.add_channel("crisis-announcements", members=["U0LEAD"])
    box = _web_role(tmp_path, new_database, fake=fake, warroom_announce_channel=announce.id)
    worker = WorkerThread(box).start()
    try:
        first = box.alert(social_alert(dedup_key="first")).json()["incident_id"]
        box.fake.wait_for(lambda: _phases(box, [first])[first] == "active", timeout=20)

        fake.fail_next("bookmarks.add", error="missing_scope")  # a permanent error: the set-up stops
        second = box.alert(social_alert(dedup_key="second", title="Second backlash")).json()["incident_id"]
        fake.wait_for(lambda: [m for m in fake.dms("U0LEAD") if f"retry-setup {second}" in (m.text or "")],
                      timeout=20)
        assert _phases(box, [second])[second] == "setup"

        assert box.driver.command("U0LEAD", announce.id, f"retry-setup {second}").status_code == 200
        box.fake.wait_for(lambda: _phases(box, [second])[second] == "active", timeout=20)  # done by the worker
        answered = fake.wait_for(lambda: [r for r in fake.responses(channel=announce.id)
                                          if "is ready" in (r.text or "")], timeout=20)
        assert len(answered) == 1
        with Session(box.core.engine) as session:
            incident = session.get(Incident, second)
        assert len(fake.bookmarks(incident.channel_id)) == 1
        assert len(fake.calls_to("conversations.create")) == 2
    finally:
        worker.stop()
        box.close()
        fake.stop()


@pytest.mark.postgres_only("two transactions store incidents at the same moment")
def test_a_worker_sees_an_incident_committed_after_a_newer_one(tmp_path, new_database):
    from app.incidents.setup_queue import NewIncidents, SetupQueue
    from tests.conftest import _database_of

    with Sandbox(tmp_path / "box", serve=False, **_database_of("watch", new_database)) as box:
        watch = NewIncidents(box.core, SetupQueue(box.core, lambda _core, _id: None, 1), every=0.05)
        assert watch.look() == []
        slow = Session(box.core.engine)  # a web process storing an incident; it commits last
        try:
            first = _open(slow, box, "stored first", "high", "alertmanager", 0)
            with transaction(box.core.engine) as session:
                second = _open(session, box, "stored second", "low", "alertmanager", 0)
            assert first < second
            assert watch.look() == [second]
            slow.commit()
        finally:
            slow.close()
        assert watch.look() == [first]  # its id is below the newest seen, but not seen yet
        assert watch.look() == []
