"""Room set-up under failure: Slack 429/500, a crash mid-way and a restart, taken names, private rooms."""

from __future__ import annotations

import time

from sqlmodel import Session, select

from app.incidents.models import Incident, SetupStep
from app.incidents.naming import channel_name
from app.incidents.setup import resume_all, run_setup
from app.sandbox.harness import Sandbox
from tests.conftest import social_alert
from tests.test_intake import wait_ready


def test_setup_rides_out_rate_limits_and_server_errors(sandbox):
    sandbox.fake.fail_next("conversations.create", status=429, retry_after=1)
    sandbox.fake.fail_next("chat.postMessage", status=500)
    incident = wait_ready(sandbox, sandbox.alert(social_alert()).json()["incident_id"])
    assert sandbox.fake.pins(incident.channel_id)
    assert len(sandbox.fake.channels) == 1


def test_failed_step_is_resumed_after_a_restart_without_a_second_channel(tmp_path):
    directory = tmp_path / "box"
    box = Sandbox(directory)
    box.fake.fail_next("pins.add", status=500)  # a server error: retried later, after a backoff
    incident_id = box.alert(social_alert()).json()["incident_id"]

    def pin_waits_for_retry():
        with Session(box.core.engine) as session:
            step = session.exec(select(SetupStep).where(SetupStep.incident_id == incident_id,
                                                        SetupStep.step == "pin_briefing")).one()
            return step.status == "retrying" and step.retry_at is not None

    box.fake.wait_for(pin_waits_for_retry, timeout=15)
    fake = box.fake
    box.server.stop()  # the process "dies"; Slack (the fake) stays
    box.http.close()

    again = Sandbox(directory, fake=fake)
    try:
        incident = wait_ready(again, incident_id)
        assert len(fake.channels) == 1
        assert len(fake.pins(incident.channel_id)) == 1
        assert len(fake.calls_to("conversations.create")) == 1
    finally:
        again.close()


def test_crash_between_creating_the_channel_and_recording_it_adopts_the_channel(tmp_path):
    box = Sandbox(tmp_path / "box", serve=False)
    try:
        from app.alerts.parsers import parse_generic
        from app.alerts.service import ingest

        result = ingest(box.core, parse_generic(social_alert()))
        with Session(box.core.engine) as session:
            incident = session.get(Incident, result.incident_id)
            name = channel_name("storm", incident.created_at, incident.title)
            step = session.exec(select(SetupStep).where(SetupStep.incident_id == incident.id,
                                                        SetupStep.step == "create_channel")).one()
            # What the step records before it asks Slack for the channel.
            step.status, step.detail = "started", {"name": name, "tried_at": {name: time.time()}}
            session.add(step)
            session.commit()
        incident_id = result.incident_id
        # The channel was created by the bot just before the crash; the database never heard of it.
        box.core.slack.conversations_create(name=name)
        assert resume_all(box.core) == [incident_id]
        box.fake.wait_for(lambda: _phase(box, incident_id) == "active", timeout=10)
        assert [c.name for c in box.fake.channels] == [name]
    finally:
        box.close()


def _phase(box, incident_id):
    with Session(box.core.engine) as session:
        return session.get(Incident, incident_id).phase


def test_taken_name_gets_the_incident_number(sandbox):
    from app.timeutil import utcnow

    taken = channel_name("storm", utcnow(), social_alert()["title"])
    sandbox.fake.add_channel(taken, creator="U0SOCIAL")
    incident = wait_ready(sandbox, sandbox.alert(social_alert()).json()["incident_id"])
    assert incident.channel_name == f"{taken}-{incident.id}"


def test_confidential_playbook_opens_a_private_room(sandbox):
    body = social_alert(kind="executive-scandal", title="Allegations about a board member", dedup_key="exec-1")
    incident = wait_ready(sandbox, sandbox.alert(body).json()["incident_id"])
    assert sandbox.fake.channel(incident.channel_id).is_private
    assert incident.confidential


def test_run_setup_twice_is_harmless(sandbox):
    incident = wait_ready(sandbox, sandbox.alert(social_alert()).json()["incident_id"])
    calls = len(sandbox.fake.calls)
    assert run_setup(sandbox.core, incident.id) is True
    assert len(sandbox.fake.calls) == calls
