"""Alerts attached in the last summary window before a close are still told to the room, exactly once:
closing cancels the incident's jobs, the pending ``alert_summary`` among them."""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time
from sqlmodel import Session, col, select

from app.alerts.flows import receive
from app.alerts.models import Alert
from app.alerts.parsers import parse_generic
from app.alerts.updates import summary_job
from app.incidents import flows as incident_flows
from app.scheduling import store
from app.scheduling.scheduler import Scheduler
from tests.conftest import open_room, social_alert

START = "2026-11-20 09:00:00"


def summaries(box, channel: str) -> list[str]:
    return [m.text for m in box.fake.messages(channel) if "more alert" in m.text]


def attach(box, count: int, start: int = 0, **alert) -> None:
    for n in range(start, start + count):
        result = receive(box.core, parse_generic(social_alert(metrics={"mentions_per_hour": 5000 + n}, **alert)))
        assert result.status == "attached"


def unposted(box, incident_id: int) -> list[Alert]:
    with Session(box.core.engine) as session:
        return list(session.exec(select(Alert).where(Alert.incident_id == incident_id, col(Alert.posted).is_(False))))


def settle(box) -> None:
    box.core.scheduler.drain()
    assert box.core.effects.drain()


def test_a_close_inside_the_window_tells_the_room_of_its_alerts_once(make_sandbox):
    with freeze_time(START) as clock:
        box = make_sandbox("close-window", serve=False)
        Scheduler(box.core, start=False)
        incident = open_room(box)
        attach(box, 3)
        with Session(box.core.engine) as session:
            assert store.get(session, summary_job(incident.id)) is not None  # due at the window's end

        clock.tick(timedelta(seconds=4))  # inside the window: the summary is not due yet
        settle(box)
        assert summaries(box, incident.channel_id) == []
        incident_flows.close(box.core, incident.id, "Volume back to normal", by="U0LEAD")
        settle(box)
        [told] = box.fake.wait_for(lambda: summaries(box, incident.channel_id), timeout=10)
        assert ":repeat: 3 more alerts attached" in told and "4 alerts in total" in told
        assert unposted(box, incident.id) == []
        with Session(box.core.engine) as session:
            assert store.get(session, summary_job(incident.id)) is None  # cancelled by the close

        clock.tick(timedelta(seconds=30))  # past the window: nothing is told a second time
        settle(box)
        assert len(summaries(box, incident.channel_id)) == 1


def test_a_close_after_the_summary_tells_nothing_again(make_sandbox):
    with freeze_time(START) as clock:
        box = make_sandbox("close-told", serve=False)
        Scheduler(box.core, start=False)
        incident = open_room(box)
        attach(box, 2)
        clock.tick(timedelta(seconds=11))
        settle(box)
        box.fake.wait_for(lambda: summaries(box, incident.channel_id), timeout=10)

        incident_flows.close(box.core, incident.id, "Volume back to normal", by="U0LEAD")
        settle(box)
        assert len(summaries(box, incident.channel_id)) == 1


def test_an_escalation_not_yet_told_at_the_close_is_told(make_sandbox):
    with freeze_time(START):
        box = make_sandbox("close-escalation", serve=False)
        Scheduler(box.core, start=False)
        incident = open_room(box)
        attach(box, 1, severity="critical")  # outranks the high incident: its notice is due now, not yet sent
        incident_flows.close(box.core, incident.id, "Volume back to normal", by="U0LEAD")
        settle(box)
        box.fake.wait_for(lambda: [m for m in box.fake.messages(incident.channel_id) if "*CRITICAL*" in m.text],
                          timeout=10)
        assert unposted(box, incident.id) == []
