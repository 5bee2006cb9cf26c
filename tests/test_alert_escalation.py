"""An attached alert more severe than its incident: recorded as an escalation before the answer, and the
crisis lead is asked in the room, once per level, with a button that raises the severity."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from app.alerts.escalations import RAISE_ACTION
from app.alerts.updates import AlertUpdates
from app.incidents.flows import change_severity
from app.incidents.models import TimelineEvent
from tests.conftest import social_alert
from tests.test_alert_groups import group
from tests.test_intake import wait_ready


def escalations(box, incident_id: int) -> list[TimelineEvent]:
    with Session(box.core.engine) as session:
        query = select(TimelineEvent).where(TimelineEvent.incident_id == incident_id,
                                            TimelineEvent.kind == "escalation")
        return list(session.exec(query.order_by(TimelineEvent.id)))


def notices(box, channel_id: str) -> list:
    return [m for m in box.fake.messages(channel_id) if m.blocks and RAISE_ACTION in json.dumps(m.blocks)]


def raise_button(message) -> dict:
    [element] = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    return element


def test_an_escalating_alert_asks_the_lead_to_raise_severity(sandbox):
    opened = sandbox.alert(social_alert(severity="high")).json()
    incident = wait_ready(sandbox, opened["incident_id"])
    nasty = "<!channel> Mainstream pickup by <https://evil.example|the broadcaster> @here"
    answer = sandbox.alert(social_alert(severity="critical", title=nasty))
    assert answer.status_code == 202 and answer.json()["status"] == "attached"

    [event] = escalations(sandbox, incident.id)  # stored before the answer
    assert event.data["from"] == "high" and event.data["to"] == "critical"
    assert event.data["alert_id"] == answer.json()["alert_id"]

    [notice] = sandbox.fake.wait_for(lambda: notices(sandbox, incident.channel_id), timeout=10)
    button = raise_button(notice)
    assert button["action_id"] == "incident_raise_severity" and button["value"] == f"{incident.id}:critical"
    assert "<@U0LEAD>" in notice.text and "*CRITICAL*" in notice.text and "*HIGH*" in notice.text
    assert "&lt;!channel&gt;" in notice.text and "<https://evil.example|" not in json.dumps(notice.blocks)
    assert sandbox.fake.pings() == []
    sandbox.fake.wait_for(lambda: escalations(sandbox, incident.id)[0].data["posted"], timeout=5)

    # The same level again, or a lower one, asks nobody a second time.
    assert sandbox.alert(social_alert(severity="critical")).json()["status"] == "attached"
    assert sandbox.alert(social_alert(severity="medium")).json()["status"] == "attached"
    sandbox.core.alert_updates.flush(incident.id)
    assert sandbox.core.effects.drain()  # posted from the outbox
    assert len(escalations(sandbox, incident.id)) == 1
    assert len(notices(sandbox, incident.channel_id)) == 1
    # The escalating alert is in the notice, not counted again as a repeat.
    summaries = [m for m in sandbox.fake.messages(incident.channel_id) if "more alert" in m.text]
    assert summaries and ":repeat: 2 more alerts attached" in summaries[-1].text


def test_an_escalation_before_the_room_is_ready_is_posted_once_it_is(sandbox):
    sandbox.core.alert_updates = AlertUpdates(sandbox.core, window=0.2)
    body = group(3, key='{}:{job="escalating"}', severity="warning")
    body["alerts"][2]["labels"]["severity"] = "critical"
    results = sandbox.alert(body, path="/alerts/alertmanager").json()["results"]
    assert [r["status"] for r in results] == ["opened", "attached", "attached"]
    incident_id = results[0]["incident_id"]
    [event] = escalations(sandbox, incident_id)
    assert (event.data["from"], event.data["to"]) == ("medium", "critical")
    incident = wait_ready(sandbox, incident_id)
    [notice] = sandbox.fake.wait_for(lambda: notices(sandbox, incident.channel_id), timeout=10)
    assert raise_button(notice)["value"] == f"{incident_id}:critical"


def test_no_notice_when_the_incident_was_raised_meanwhile(sandbox):
    opened = sandbox.alert(social_alert(severity="medium")).json()
    incident = wait_ready(sandbox, opened["incident_id"])
    held = AlertUpdates(sandbox.core)
    held.cancel()  # nothing is posted on its own: the flush below posts
    sandbox.core.alert_updates = held
    assert sandbox.alert(social_alert(severity="high")).json()["status"] == "attached"
    assert change_severity(sandbox.core, incident.id, "critical", by="U0LEAD")  # the lead was quicker
    sandbox.core.alert_updates.flush(incident.id)
    assert sandbox.core.effects.drain()  # posted from the outbox
    assert notices(sandbox, incident.channel_id) == []
    assert escalations(sandbox, incident.id)[0].data["posted"] is True


def test_the_button_value_reads_back():
    from app.alerts.escalations import notice, parse_raise_value
    from app.severity import Severity

    button = raise_button(SimpleNamespace(**notice(42, "high", "critical", "title", "U0LEAD")))
    assert parse_raise_value(button["value"]) == (42, Severity.CRITICAL)
    for bad in ("", "x:critical", "42", "42:apocalyptic"):
        with pytest.raises(ValueError):
            parse_raise_value(bad)


def test_the_raise_button_raises_for_the_lead_and_refuses_others(sandbox):
    incident = wait_ready(sandbox, sandbox.alert(social_alert(severity="high")).json()["incident_id"])
    sandbox.alert(social_alert(severity="critical"))
    [notice] = sandbox.fake.wait_for(lambda: notices(sandbox, incident.channel_id), timeout=10)
    value = raise_button(notice)["value"]
    sandbox.driver.click("U0SOCIAL", incident.channel_id, notice.ts, RAISE_ACTION, value=value)
    sandbox.fake.wait_for(lambda: any("may change the severity" in (e.text or "")
                                      for e in sandbox.fake.ephemerals(user="U0SOCIAL")))
    sandbox.driver.click("U0LEAD", incident.channel_id, notice.ts, RAISE_ACTION, value=value)
    sandbox.fake.wait_for(lambda: any("to *CRITICAL*" in (m.text or "")
                                      for m in sandbox.fake.messages(incident.channel_id)))
    with Session(sandbox.core.engine) as session:
        severities = [e.actor for e in session.exec(select(TimelineEvent).where(
            TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "severity"))]
    assert severities == ["U0LEAD"]
