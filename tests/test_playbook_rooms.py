"""New scenarios through the real intake: a signed alert opens a room run by the right playbook, and the
alert's labels start that playbook's clocks, stored with the incident."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from app.incidents import clocks
from app.incidents import service as incidents
from app.tasks import service as tasks
from tests.conftest import social_alert
from tests.test_intake import wait_ready


def test_malicious_links_from_our_account_open_the_malware_room_and_its_clocks(sandbox):
    body = social_alert(kind="malicious-link", title="Our Facebook page sends links to a fake invoice",
                        severity="critical", dedup_key="malware-1",
                        labels={"platform": "facebook", "personal_data": "yes", "nis2": "yes"})
    incident = wait_ready(sandbox, sandbox.alert(body).json()["incident_id"])
    playbook = sandbox.core.playbooks.get(incident.playbook_id)
    assert playbook.id == "malware"
    with Session(sandbox.core.engine) as session:
        titles = [task.title for task in tasks.for_incident(session, incident.id)]
    assert titles == [task.title for task in playbook.tasks]
    assert any("Block the malicious URLs" in title for title in titles)

    # The intake started the clocks the labels call for, in the alert's own transaction.
    with Session(sandbox.core.engine) as session:
        stored = clocks.clocks(session, incidents.get(session, incident.id), playbook)
    start = stored[0].started_at
    assert start == incident.created_at.replace(tzinfo=start.tzinfo)
    assert [(c.key, c.due_at - start) for c in stored] == [
        ("nis2-early-warning", timedelta(hours=24)), ("gdpr-art33", timedelta(hours=72)),
        ("nis2-notification", timedelta(hours=72)), ("nis2-final-report", timedelta(days=28)),
    ]


def test_a_data_leak_alert_goes_to_the_personal_data_breach_playbook(sandbox):
    body = social_alert(kind="data-leak", title="Customer list offered on a leak site", dedup_key="leak-1", labels={})
    incident = wait_ready(sandbox, sandbox.alert(body).json()["incident_id"])
    assert incident.playbook_id == "personal-data-breach"


def test_a_raid_opens_a_private_confidential_room(sandbox):
    body = social_alert(kind="dawn-raid", title="Authorities search the Hamburg office", dedup_key="raid-1")
    incident = wait_ready(sandbox, sandbox.alert(body).json()["incident_id"])
    assert incident.playbook_id == "raid" and incident.confidential
    assert sandbox.fake.channel(incident.channel_id).is_private
