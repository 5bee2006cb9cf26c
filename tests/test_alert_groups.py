"""Alertmanager/Grafana groups: one group is one incident; each alert is stored, repeats recognised by
fingerprint, and the room is told the group's distinct alerts up to a cap."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from sqlmodel import Session, select

from app.alerts.formats.limits import GROUP_LISTED_MAX
from app.alerts.models import Alert
from app.incidents.models import Incident
from tests.test_intake import wait_ready

DATA = Path(__file__).parent / "data"


def group(size: int, key: str = '{}:{job="social-listener"}', severity: str = "warning") -> dict:
    body = json.loads((DATA / "alertmanager-v4.json").read_text())
    template = body["alerts"][0]
    body["alerts"] = []
    for n in range(size):
        alert = copy.deepcopy(template)
        alert["labels"].update(instance=f"listener-{n}:9100", severity=severity)
        alert["annotations"]["summary"] = f"Mentions of @acme at 6x the baseline on listener {n}"
        alert["fingerprint"] = f"{n:016x}"
        body["alerts"].append(alert)
    body["groupKey"] = key
    return body


def test_a_group_of_alerts_opens_one_incident(sandbox):
    answer = sandbox.alert(group(12), path="/alerts/alertmanager")
    assert answer.status_code == 202
    results = answer.json()["results"]
    assert len(results) == 12 and len({r["incident_id"] for r in results}) == 1
    assert [r["status"] for r in results] == ["opened"] + ["attached"] * 11
    incident = wait_ready(sandbox, results[0]["incident_id"])
    assert len(sandbox.fake.calls_to("conversations.create")) == 1
    with Session(sandbox.core.engine) as session:
        alerts = session.exec(select(Alert)).all()
        assert len(alerts) == 12 and {a.incident_id for a in alerts} == {incident.id}
        assert len({a.dedup_key for a in alerts}) == 12  # each alert keeps its own identity
        assert session.get(Incident, incident.id).alert_count == 12

    # Alertmanager sends the whole group again at its repeat interval: same incident, repeats recognised.
    again = sandbox.alert(group(12), path="/alerts/alertmanager").json()["results"]
    assert {r["incident_id"] for r in again} == {incident.id} and {r["status"] for r in again} == {"attached"}
    assert sandbox.core.alert_updates.flush(incident.id) == 11 + 12
    assert sandbox.core.effects.drain()  # posted from the outbox
    [update] = [m for m in sandbox.fake.messages(incident.channel_id) if "more alerts attached" in m.text]
    listed = [line for line in update.text.splitlines() if line.startswith("• ")]
    assert len(listed) == GROUP_LISTED_MAX  # 12 distinct alerts, each named once at most
    assert len(set(listed)) == GROUP_LISTED_MAX
    assert "…and 2 more distinct alerts" in update.text and "24 alerts in total" in update.text


def test_two_groups_are_two_incidents_and_a_resolved_alert_joins_its_group(sandbox):
    first = sandbox.alert(group(2, key="{}:{job=\"a\"}"), path="/alerts/grafana").json()
    second = sandbox.alert(group(2, key="{}:{job=\"b\"}"), path="/alerts/grafana").json()
    assert first["incident_id"] != second["incident_id"]
    body = group(3, key="{}:{job=\"a\"}")
    body["alerts"][0]["status"] = "resolved"  # listed first, yet the group's firing alerts still hold the room
    results = sandbox.alert(body, path="/alerts/grafana").json()["results"]
    assert [r["status"] for r in results] == ["attached"] * 3
    assert {r["incident_id"] for r in results} == {first["incident_id"]}


def test_a_new_group_listing_resolved_first_opens_its_incident_from_a_firing_alert(sandbox):
    body = group(2, key="{}:{job=\"c\"}")
    body["alerts"][0]["status"] = "resolved"
    results = sandbox.alert(body, path="/alerts/alertmanager").json()["results"]
    assert [r["status"] for r in results] == ["attached", "opened"]
    assert results[0]["incident_id"] == results[1]["incident_id"]
