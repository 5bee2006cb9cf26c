"""Lessons learned: asked for at close (a button opening a modal, and `/warroom lesson`), kept on the timeline,
listed in the post-incident report."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from app.incidents.models import TimelineEvent
from tests.conftest import social_alert
from tests.test_intake import wait_ready


def lessons_of(box, incident_id: int) -> list[TimelineEvent]:
    with Session(box.core.engine) as session:
        return list(session.exec(select(TimelineEvent).where(TimelineEvent.incident_id == incident_id,
                                                             TimelineEvent.kind == "lesson")
                                 .order_by(TimelineEvent.id)))


def prompt(box, channel: str):
    return box.fake.wait_for(lambda: next((m for m in box.fake.messages(channel)
                                           if "lesson_add" in json.dumps(m.blocks or [])), None), timeout=15)


def closed_room(box, **alert):
    incident = wait_ready(box, box.alert(social_alert(**alert)).json()["incident_id"])
    box.driver.command("U0LEAD", incident.channel_id, "close Campaign withdrawn, volume back to normal.")
    box.fake.wait_for(lambda: any(("Incident closed" in (m.text or "") or "Vorfall abgeschlossen" in (m.text or ""))
                                  for m in box.fake.messages(incident.channel_id)))  # English or German room
    return incident


def test_closing_asks_for_lessons_and_the_button_modal_and_command_store_them_for_the_report(sandbox):
    incident = closed_room(sandbox)
    message = prompt(sandbox, incident.channel_id)
    assert "Lessons learned" in message.text and "/warroom lesson" in message.text

    sandbox.driver.click("U0COMMS", incident.channel_id, message.ts, "lesson_add", value=str(incident.id))
    view = sandbox.fake.wait_for(lambda: sandbox.fake.latest_view(user_id="U0COMMS", callback_id="lesson"))
    answer = sandbox.driver.submit_view("U0COMMS", view.id, {"lesson": {"text": "   "}})
    assert answer.json()["response_action"] == "errors" and "lesson" in answer.json()["errors"]
    assert lessons_of(sandbox, incident.id) == []  # nothing stored from an empty modal, which stays open

    text = "Legal needs a weekend backup approver in the shitstorm playbook"
    sandbox.driver.submit_view("U0COMMS", view.id, {"lesson": {"text": text}})
    sandbox.fake.wait_for(lambda: len(lessons_of(sandbox, incident.id)) == 1)
    sandbox.driver.command("U0SOCIAL", incident.channel_id, "lesson <!channel> pause <https://evil.example|ads> sooner")
    sandbox.fake.wait_for(lambda: len(lessons_of(sandbox, incident.id)) == 2)
    first, second = lessons_of(sandbox, incident.id)
    assert (first.text, first.actor) == (text, "U0COMMS") and second.actor == "U0SOCIAL"

    noted = sandbox.fake.wait_for(lambda: [m.text for m in sandbox.fake.messages(incident.channel_id)
                                           if m.text.startswith(":bulb: Lesson noted")], timeout=10)
    assert any(text in t for t in noted)
    assert not sandbox.fake.pings()  # the lesson's text is data: it never pings the room

    sandbox.driver.command("U0LEAD", incident.channel_id, "report")
    upload = sandbox.fake.wait_for(lambda: [f for f in sandbox.fake.files(incident.channel_id)
                                            if f.name.endswith("-report.md") and b"weekend backup" in (f.data or b"")],
                                   timeout=30)[-1]
    report = upload.data.decode("utf-8")
    section = report.split("## Lessons learned / what to change in the playbook", 1)[1].split("\n## ", 1)[0]
    assert text in section and "pause" in section and "sooner" in section


def test_a_lesson_needs_text_and_someone_outside_the_room_may_not_add_one(sandbox):
    incident = closed_room(sandbox)
    sandbox.driver.command("U0LEAD", incident.channel_id, "lesson")
    sandbox.fake.wait_for(lambda: any("Write the lesson" in (e.text or "")
                                      for e in sandbox.fake.ephemerals(user="U0LEAD")), timeout=10)
    sandbox.driver.command("U0LEAD", incident.channel_id, "lesson " + "x" * 2001)
    sandbox.fake.wait_for(lambda: any("at most 2,000 characters" in (e.text or "")
                                      for e in sandbox.fake.ephemerals(user="U0LEAD")), timeout=10)
    sandbox.driver.command("U0OUTSIDE", incident.channel_id, "lesson I was never here")
    sandbox.fake.wait_for(lambda: any((e.text or "").startswith(":no_entry: Only")
                                      for e in sandbox.fake.ephemerals(user="U0OUTSIDE")), timeout=10)
    assert lessons_of(sandbox, incident.id) == []


def test_a_german_room_is_asked_in_german_and_the_report_names_the_section_in_german(make_sandbox):
    box = make_sandbox("de", warroom_language="de")
    incident = closed_room(box)
    message = prompt(box, incident.channel_id)
    assert "Lehren aus dem Vorfall" in message.text and "Lehre festhalten" in json.dumps(message.blocks)
    box.driver.command("U0LEAD", incident.channel_id, "lesson Rechtsabteilung braucht eine Vertretung am Wochenende")
    box.fake.wait_for(lambda: lessons_of(box, incident.id))
    box.driver.command("U0LEAD", incident.channel_id, "report")
    upload = box.fake.wait_for(lambda: [f for f in box.fake.files(incident.channel_id)
                                        if f.name.endswith("-report.md") and b"Vertretung" in (f.data or b"")],
                               timeout=30)[-1]
    assert "## Lehren: was sich im Playbook ändern sollte" in upload.data.decode("utf-8")
