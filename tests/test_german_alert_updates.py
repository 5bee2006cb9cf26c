"""Alerts that join a German incident are told in German: the summary of the alerts attached and resolved, and
the question to raise the severity (its button too); an English incident hears them in English."""

from __future__ import annotations

import pytest

from app.alerts.updates import AlertUpdates
from tests.conftest import social_alert
from tests.test_alert_escalation import notices, raise_button
from tests.test_german import GERMAN_ALERT, english_left
from tests.test_intake import wait_ready


def told(box, channel: str, needle: str) -> str:
    return box.fake.wait_for(lambda: next((m.text for m in box.fake.messages(channel) if needle in (m.text or "")),
                                          None), timeout=10)


@pytest.mark.parametrize("language", ["de", "en"])
def test_attached_alerts_and_an_escalation_in_the_incident_language(make_sandbox, language):
    settings = {"warroom_language": "de"} if language == "de" else {}
    box = make_sandbox(f"alerts-{language}", **settings)
    box.core.alert_updates = AlertUpdates(box.core, window=0.2)
    alert = {**GERMAN_ALERT} if language == "de" else {}
    opened = box.alert(social_alert(severity="high", **alert)).json()
    incident = wait_ready(box, opened["incident_id"])

    assert box.alert(social_alert(severity="high", **alert)).json()["status"] == "attached"
    assert box.alert(social_alert(severity="critical", **{**alert, "title": "Live-Bericht im Fernsehen"})
                     ).json()["status"] == "attached"
    [notice] = box.fake.wait_for(lambda: notices(box, incident.channel_id), timeout=10)
    button = raise_button(notice)["text"]["text"]
    box.core.alert_updates.flush(incident.id)
    summary = told(box, incident.channel_id, ":repeat:")

    if language == "de":
        assert notice.text.startswith("<@U0LEAD> :arrow_double_up: Ein Alarm zu diesem Vorfall hat die Stufe "
                                      "*KRITISCH*, über der Stufe des Vorfalls (*HOCH*). Stufe auf KRITISCH anheben?")
        assert button == "Auf KRITISCH anheben"
        assert ":repeat: 1 weiterer Alarm zugeordnet" in summary and "_3 Alarme insgesamt_" in summary
        for text in (notice.text, button, summary):
            assert english_left(text) == [], text
    else:
        assert "An alert for this incident is *CRITICAL*, above the incident's *HIGH*" in notice.text
        assert button == "Raise to CRITICAL"
        assert ":repeat: 1 more alert attached" in summary and "_3 alerts in total_" in summary
