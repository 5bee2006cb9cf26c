"""Alert intake over HTTP: authentication, validation, dedup (also under concurrency), escaping."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlmodel import Session, select

from app.alerts.models import Alert
from app.alerts.signatures import pagerduty_signature
from app.incidents.models import Incident
from tests.conftest import social_alert

DATA = Path(__file__).parent / "data"


def wait_ready(box, incident_id: int) -> Incident:
    def ready():
        with Session(box.core.engine) as session:
            incident = session.get(Incident, incident_id)
            return incident if incident.phase == "active" else None

    return box.fake.wait_for(ready, timeout=10)


def test_alert_opens_a_ready_war_room(sandbox):
    response = sandbox.alert(social_alert())
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "opened"
    incident = wait_ready(sandbox, body["incident_id"])

    channel = sandbox.fake.channel(incident.channel_id)
    assert channel.name.startswith("storm-") and "backlash-over-the-wintercampaign-ad" in channel.name
    assert {"U0LEAD", "U0COMMS", "U0COMMS2", "U0SOCIAL", "U0SUPPORT"} <= set(channel.members)
    assert "HIGH" in channel.topic and "<@U0LEAD>" in channel.topic
    [briefing] = sandbox.fake.pins(channel.id)
    assert briefing.ts == incident.briefing_ts
    assert "Backlash over the #WinterCampaign ad" in json.dumps(briefing.blocks)
    assert any(b.get("accessory", {}).get("action_id") == "task_done" for b in briefing.blocks)
    assert sandbox.fake.bookmarks(channel.id)[0]["link"] == "https://listening.example.com/alerts/123"


def test_duplicate_alerts_attach_and_are_counted_not_posted_one_by_one(sandbox):
    first = sandbox.alert(social_alert()).json()
    incident = wait_ready(sandbox, first["incident_id"])
    for n in range(5):
        again = sandbox.alert(social_alert(metrics={"mentions_per_hour": 5000 + n}))
        assert again.json() == {**again.json(), "status": "attached", "incident_id": first["incident_id"]}
    assert len([c for c in sandbox.fake.channels if c.name.startswith("storm-")]) == 1
    assert sandbox.core.alert_updates.flush(incident.id) == 5
    assert sandbox.core.effects.drain()  # posted from the outbox
    summaries = [m for m in sandbox.fake.messages(incident.channel_id) if "more alerts attached" in m.text]
    assert len(summaries) == 1 and "5 more alerts" in summaries[0].text and "6 alerts in total" in summaries[0].text


def test_resolved_alert_is_an_update_and_never_closes(sandbox):
    first = sandbox.alert(social_alert()).json()
    incident = wait_ready(sandbox, first["incident_id"])
    assert sandbox.alert(social_alert(status="resolved")).json()["status"] == "attached"
    sandbox.core.alert_updates.flush(incident.id)
    assert sandbox.core.effects.drain()  # posted from the outbox
    assert any("1 resolved" in m.text for m in sandbox.fake.messages(incident.channel_id))
    with Session(sandbox.core.engine) as session:
        assert session.get(Incident, incident.id).status == "open"


def test_identical_alerts_at_the_same_instant_make_one_incident(sandbox):
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: sandbox.alert(social_alert(dedup_key="burst")), range(40)))
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["incident_id"] for a in answers}) == 1
    assert sorted(a.json()["status"] for a in answers).count("opened") == 1
    with Session(sandbox.core.engine) as session:
        assert len(session.exec(select(Incident).where(Incident.dedup_key == "burst")).all()) == 1
        assert len(session.exec(select(Alert).where(Alert.dedup_key == "burst")).all()) == 40
    wait_ready(sandbox, answers[0].json()["incident_id"])
    assert len(sandbox.fake.calls_to("conversations.create")) == 1


def test_intake_refuses_missing_or_wrong_token(sandbox):
    assert sandbox.http.post("/alerts", json=social_alert()).status_code == 401
    assert sandbox.alert(social_alert(), token="wrong").status_code == 401


def test_bad_bodies_get_clear_errors_and_store_nothing(sandbox):
    headers = {"Authorization": "Bearer sandbox-alert-token", "Content-Type": "application/json"}
    bad_json = sandbox.http.post("/alerts", content=b"{not json", headers=headers)
    assert bad_json.status_code == 400 and "not valid JSON" in bad_json.json()["error"]
    missing = sandbox.alert({"source": "x", "kind": "shitstorm"})
    assert missing.status_code == 422 and missing.json()["field"] == "title"
    wrong_type = sandbox.alert(social_alert(metrics={"mentions": "many"}))
    assert wrong_type.status_code == 422 and wrong_type.json()["field"].startswith("metrics")
    bad_severity = sandbox.alert(social_alert(severity="apocalyptic"))
    assert bad_severity.status_code == 422 and bad_severity.json()["field"] == "severity"
    huge = sandbox.http.post("/alerts", content=b"x" * (256 * 1024 + 1), headers=headers)
    assert huge.status_code == 413
    with Session(sandbox.core.engine) as session:
        assert session.exec(select(Alert)).all() == []


def test_alertmanager_and_grafana_bodies(sandbox):
    body = json.loads((DATA / "alertmanager-v4.json").read_text())
    answer = sandbox.alert(body, path="/alerts/alertmanager")
    assert answer.status_code == 202
    assert len(answer.json()["results"]) == len(body["alerts"])
    grafana = json.loads((DATA / "grafana.json").read_text())
    assert sandbox.alert(grafana, path="/alerts/grafana").status_code == 202


def test_pagerduty_signature_is_verified(make_sandbox):
    box = make_sandbox("pd", warroom_pagerduty_secret="pd-secret")
    raw = (DATA / "pagerduty-v3-triggered.json").read_bytes()
    ok = box.http.post("/alerts/pagerduty", content=raw,
                       headers={"X-PagerDuty-Signature": f"v1=00ff, {pagerduty_signature(raw, 'pd-secret')}",
                                "Content-Type": "application/json"})
    assert ok.status_code == 202 and ok.json()["status"] == "opened"
    forged = box.http.post("/alerts/pagerduty", content=raw, headers={"X-PagerDuty-Signature": "v1=deadbeef"})
    assert forged.status_code == 401


def test_alert_text_cannot_ping_or_forge_links(sandbox):
    nasty = social_alert(
        title="<!channel> URGENT <@U0CEO> click <https://evil.example|the official site>",
        description="<!here> <!everyone> @channel & more",
        labels={"team": "<!channel>"},
    )
    incident = wait_ready(sandbox, sandbox.alert(nasty).json()["incident_id"])
    assert sandbox.fake.pings() == []
    text = json.dumps(sandbox.fake.message(incident.channel_id, incident.briefing_ts).blocks)
    assert "&lt;!here&gt;" in text and "<https://evil.example|" not in text and "<@U0CEO>" not in text
