"""Scheduled executive digests with freezegun: cadence per severity, DM or executive channel, stop on close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from freezegun import freeze_time
from sqlmodel import Session, select

from app.db import transaction
from app.incidents import flows
from app.incidents import service as incidents
from app.incidents.models import TimelineEvent
from app.sandbox.harness import Sandbox
from app.scheduling.scheduler import Scheduler
from app.slack.blocks import validate_blocks
from app.status.digests import digest, reschedule_digest, schedule_digest
from tests.conftest import open_room

START = "2026-11-20 09:00:00"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def digests_to(box, user_id):
    """The digests a person received, once the outbox has delivered what is due."""
    assert box.core.effects.drain()
    return [m for m in box.fake.dms(user_id) if "Executive digest" in (m.text or "")]


def digest_jobs(box, incident_id):
    return box.core.scheduler.job_ids(f"inc{incident_id}:digest")


def job(incident_id: int, when: datetime) -> str:
    return f"inc{incident_id}:digest:{int(when.timestamp())}"


def recorded(box, incident_id):
    with Session(box.core.engine) as session:
        return list(session.exec(select(TimelineEvent).where(TimelineEvent.incident_id == incident_id,
                                                             TimelineEvent.kind == "digest")))


def test_digest_is_sent_to_each_executive_at_the_cadence_and_stops_on_close(tmp_path):
    with freeze_time(START) as clock:
        box = Sandbox(tmp_path / "box", serve=False)
        Scheduler(box.core)
        incident = open_room(box)  # shitstorm at high: a digest every 2 hours
        assert schedule_digest(box.core.scheduler, incident) == T0 + timedelta(hours=2)
        assert digest_jobs(box, incident.id) == [job(incident.id, T0 + timedelta(hours=2))]

        clock.tick(timedelta(hours=2, minutes=1))
        box.core.scheduler.wake()
        for executive in ("U0CEO", "U0CFO"):
            [sent] = box.fake.wait_for(lambda e=executive: digests_to(box, e))
            assert incident.title in str(sent.blocks) and "<@U0LEAD>" in str(sent.blocks)
            assert validate_blocks(sent.blocks) == []
        box.fake.wait_for(lambda: digest_jobs(box, incident.id) == [job(incident.id, T0 + timedelta(hours=4))])
        box.fake.wait_for(lambda: len(recorded(box, incident.id)) == 1)

        clock.tick(timedelta(hours=2))
        box.core.scheduler.wake()
        box.fake.wait_for(lambda: len(digests_to(box, "U0CEO")) == 2 and len(digests_to(box, "U0CFO")) == 2)
        box.fake.wait_for(lambda: digest_jobs(box, incident.id) == [job(incident.id, T0 + timedelta(hours=6))])

        flows.close(box.core, incident.id, "Volume back to normal", by="U0LEAD")
        assert digest_jobs(box, incident.id) == []
        digest(box.core, incident_id=incident.id, due=(T0 + timedelta(hours=6)).isoformat())  # a stray job
        clock.tick(timedelta(hours=3))
        box.core.scheduler.drain()
        assert len(digests_to(box, "U0CEO")) == 2 and digest_jobs(box, incident.id) == []
        box.close()


def test_a_digest_is_sent_once_even_if_its_job_runs_twice(tmp_path):
    with freeze_time(START) as clock:
        box = Sandbox(tmp_path / "box", serve=False)
        Scheduler(box.core, start=False)
        incident = open_room(box, severity="critical")  # critical: hourly
        clock.tick(timedelta(hours=1))
        due = (T0 + timedelta(hours=1)).isoformat()
        digest(box.core, incident_id=incident.id, due=due)
        digest(box.core, incident_id=incident.id, due=due)  # e.g. re-run after a restart
        assert len(digests_to(box, "U0CEO")) == 1
        assert digest_jobs(box, incident.id) == [job(incident.id, T0 + timedelta(hours=2))]
        box.close()


def test_digest_goes_to_the_executive_channel_when_configured(tmp_path):
    with freeze_time(START) as clock:
        box = Sandbox(tmp_path / "box", serve=False, warroom_exec_channel="exec-room")
        exec_room = box.fake.add_channel("exec-room", members=["U0CEO", "U0CFO"], is_private=True)
        Scheduler(box.core)
        incident = open_room(box, severity="critical")
        schedule_digest(box.core.scheduler, incident)
        clock.tick(timedelta(hours=1, seconds=1))
        box.core.scheduler.wake()
        box.fake.wait_for(lambda: [m for m in box.fake.messages(exec_room.id) if "Executive digest" in m.text])
        assert digests_to(box, "U0CEO") == []

        secret = open_room(box, kind="executive-scandal", title="Allegations against a board member",
                           dedup_key="scandal", severity="critical", labels={})
        assert secret.confidential
        schedule_digest(box.core.scheduler, secret)  # executive-scandal at critical: every 30 minutes
        clock.tick(timedelta(minutes=31))
        box.core.scheduler.wake()
        box.fake.wait_for(lambda: digests_to(box, "U0CEO") and digests_to(box, "U0CFO"))
        assert not any(secret.title in m.text for m in box.fake.messages(exec_room.id))  # never in a shared channel
        box.close()


def test_opening_the_room_plans_the_first_digest_and_severity_changes_move_it(tmp_path):
    with freeze_time(START) as clock:
        box = Sandbox(tmp_path / "box", serve=False)
        Scheduler(box.core, start=False)
        incident = open_room(box)  # shitstorm at high: a digest every 2 hours from the alert
        assert digest_jobs(box, incident.id) == [job(incident.id, T0 + timedelta(hours=2))]

        clock.tick(timedelta(minutes=10))
        assert flows.change_severity(box.core, incident.id, "medium", by="U0LEAD")
        assert digest_jobs(box, incident.id) == []  # no digest at medium

        clock.tick(timedelta(minutes=10))
        assert flows.change_severity(box.core, incident.id, "critical", by="U0LEAD")
        assert digest_jobs(box, incident.id) == [job(incident.id, T0 + timedelta(minutes=80))]

        with transaction(box.core.engine) as session:
            row = incidents.get(session, incident.id)
            incidents.change_severity(session, row, "high", by="U0LEAD",
                                      playbook=box.core.playbooks.get(row.playbook_id))
        assert reschedule_digest(box.core.scheduler, incident.id) == T0 + timedelta(minutes=140)
        assert digest_jobs(box, incident.id) == [job(incident.id, T0 + timedelta(minutes=140))]
        box.close()
