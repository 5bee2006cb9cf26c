"""PagerDuty webhooks: events about anything but incidents are accepted and ignored (PagerDuty disables a
subscription after repeated 4xx); a redelivery (same X-Webhook-Id) is answered as a duplicate, stored once."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlmodel import Session, select

from app.alerts.models import Alert
from app.alerts.signatures import pagerduty_signature

DATA = Path(__file__).parent / "data"
SECRET = "pd-secret"


@pytest.fixture
def box(make_sandbox):
    return make_sandbox("pd", warroom_pagerduty_secret=SECRET)


def send(box, body: dict, webhook_id: str | None = None):
    raw = json.dumps(body).encode()
    headers = {"X-PagerDuty-Signature": pagerduty_signature(raw, SECRET), "Content-Type": "application/json"}
    if webhook_id:
        headers["X-Webhook-Id"] = webhook_id
    return box.http.post("/alerts/pagerduty", content=raw, headers=headers)


def triggered(**changes) -> dict:
    body = json.loads((DATA / "pagerduty-v3-triggered.json").read_text())
    body["event"].update(changes)
    return body


def alerts(box) -> list[Alert]:
    with Session(box.core.engine) as session:
        return list(session.exec(select(Alert)))


@pytest.mark.parametrize("event_type", ["service.updated", "pagey.ping", "incident_workflow.instance.created"])
def test_events_that_are_not_about_incidents_are_ignored_with_2xx(box, event_type):
    answer = send(box, triggered(event_type=event_type, data={"id": "PSERVICE", "type": "service"}))
    assert answer.status_code == 200
    assert answer.json()["status"] == "ignored" and answer.json()["incident_id"] is None
    assert event_type in answer.json()["reason"]
    assert alerts(box) == []


def test_a_malformed_incident_event_is_still_refused(box):
    answer = send(box, triggered(data={"type": "incident", "title": "no id"}))
    assert answer.status_code == 422 and answer.json()["field"] == "event.data.id"


def test_a_redelivery_is_a_duplicate_and_stored_once(box):
    first = send(box, triggered(), webhook_id="01F0WEBHOOKDELIVERY")
    assert first.status_code == 202 and first.json()["status"] == "opened"
    again = send(box, triggered(), webhook_id="01F0WEBHOOKDELIVERY")
    assert again.status_code == 202
    assert again.json()["status"] == "duplicate"
    assert again.json()["incident_id"] == first.json()["incident_id"]
    assert again.json()["alert_id"] == first.json()["alert_id"]
    [stored] = alerts(box)
    assert stored.delivery_id == "pagerduty:01F0WEBHOOKDELIVERY"
    # Another delivery about the same incident is a new alert for it.
    other = send(box, triggered(event_type="incident.acknowledged"), webhook_id="01F0OTHERDELIVERY")
    assert other.json()["status"] == "attached" and other.json()["incident_id"] == first.json()["incident_id"]
    assert len(alerts(box)) == 2


def test_redeliveries_at_the_same_instant_store_one_alert(box):
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: send(box, triggered(), webhook_id="01F0SAMEINSTANT"), range(16)))
    assert {a.status_code for a in answers} == {202}
    statuses = sorted(a.json()["status"] for a in answers)
    assert statuses == ["duplicate"] * 15 + ["opened"]
    assert len({a.json()["alert_id"] for a in answers}) == 1
    assert len(alerts(box)) == 1
