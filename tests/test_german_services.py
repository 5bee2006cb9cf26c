"""German all the way through, for what the services, `/warroom retry-setup` and the statement flow tell a
person: their mistakes, refusals and answers arrive in German in a German room and stay English in an English
one, via signed requests into the sandbox."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from freezegun import freeze_time

from app.alerts.parsers import parse_generic
from app.alerts.service import ingest
from app.db import transaction
from app.incidents.service import open_incident
from app.incidents.setup import retry_setup, run_setup
from app.sandbox.harness import Sandbox
from app.scheduling.scheduler import Scheduler
from app.statements import flows
from tests.conftest import open_room, social_alert
from tests.test_german import GERMAN_ALERT, english_left, times_without_uhr
from tests.test_german_answers import answer, german_room
from tests.test_intake import wait_ready
from tests.test_statement_approvals import START, room_texts, settle
from tests.test_statement_flow import statement_of, versions_of, wait_version


@pytest.fixture
def german(make_sandbox):
    return make_sandbox("de", warroom_language="de", warroom_timezone="Europe/Berlin")


def warned(box, user: str, channel: str, command: str) -> str:
    """The one answer to ``/warroom <command>``, which must be a mistake told with :warning:."""
    text = answer(box, user, channel, command)
    assert text.startswith(":warning: "), text
    return text.removeprefix(":warning: ")


def heard(box, user: str, needle: str) -> str:
    """The answer only ``user`` got that holds ``needle`` (a response, an ephemeral message or a DM)."""
    def found() -> str | None:
        texts = ([r.text or "" for r in box.fake.responses(user=user)]
                 + [e.text or "" for e in box.fake.ephemerals(user=user)] + [m.text or "" for m in box.fake.dms(user)])
        return next((text for text in texts if needle in text), None)

    return box.fake.wait_for(found, timeout=15)


def german_only(*texts: str) -> None:
    for text in texts:
        assert english_left(text) == [] and times_without_uhr(text) == [], text


def test_the_services_tell_mistakes_in_german_in_a_german_room(german):
    box = german
    incident = german_room(box)
    room = incident.channel_id

    untitled = warned(box, "U0LEAD", room, "task")
    assert untitled == "Eine Aufgabe braucht einen Titel, z. B. `/warroom task Aufsicht anrufen @dana in 30m`"
    zero = warned(box, "U0LEAD", room, "task Aufsicht anrufen in 0m")
    assert zero == "Die Dauer '0m' muss länger als null sein"
    decision = warned(box, "U0LEAD", room, "decision")
    assert decision.startswith("Eine Entscheidung braucht ihren Wortlaut, z. B. `/warroom decision ")
    fact = warned(box, "U0LEAD", room, "fact public")
    assert fact.startswith("Ein Fakt braucht seinen Wortlaut, z. B. `/warroom fact public 1.200 ")
    no_fact = warned(box, "U0LEAD", room, "fact publish 999")
    assert no_fact == "Dieser Vorfall hat keinen Fakt #999"
    reopen = warned(box, "U0LEAD", room, "reopen Noch einmal")
    assert reopen == f"Vorfall {incident.id} ist nicht abgeschlossen"
    channel = warned(box, "U0COMMS", room, "statement fax")
    assert channel == "Unbekannter Kanal 'fax': Möglich sind press, x, linkedin, website, staff, email"
    german_only(untitled, zero, decision, fact, no_fact, reopen, channel)


def test_the_same_mistakes_stay_english_in_an_english_room(sandbox):
    incident = wait_ready(sandbox, sandbox.alert(social_alert()).json()["incident_id"])
    room = incident.channel_id
    assert warned(sandbox, "U0LEAD", room, "task") == (
        "a task needs a title, e.g. `/warroom task Call the regulator @dana in 30m`")
    assert warned(sandbox, "U0LEAD", room, "task Call the regulator in 0m") == "duration '0m' must be longer than zero"
    assert warned(sandbox, "U0LEAD", room, "fact public") == (
        "a fact needs its text, e.g. `/warroom fact public 1,200 customer records were exposed`")
    assert warned(sandbox, "U0LEAD", room, "reopen again") == f"incident {incident.id} is not closed"
    assert warned(sandbox, "U0COMMS", room, "statement fax") == (
        "unknown channel 'fax': use one of press, x, linkedin, website, staff, email")
    assert answer(sandbox, "U0LEAD", room, f"retry-setup {incident.id}") == (
        f"The war room of incident #{incident.id} is already set up: <#{room}>.")


def test_retry_setup_answers_in_the_german_incidents_language(german):
    box = german
    general = box.fake.add_channel("general", members=["U0LEAD"])
    ready = german_room(box)
    assert answer(box, "U0LEAD", general.id, f"retry-setup {ready.id}") == (
        f"Der Krisenraum von Vorfall #{ready.id} ist bereits eingerichtet: <#{ready.channel_id}>.")



def test_a_set_up_that_stops_again_is_told_in_german(tmp_path):
    with Sandbox(tmp_path / "box", serve=False, warroom_language="de", warroom_timezone="Europe/Berlin") as box:
        incident_id = ingest(box.core, parse_generic(social_alert(**GERMAN_ALERT))).incident_id
        box.fake.fail_next("bookmarks.add", error="missing_scope")
        assert not run_setup(box.core, incident_id)  # stopped at the bookmark
        box.fake.fail_next("bookmarks.add", error="missing_scope")
        again = retry_setup(box.core, incident_id)
        assert re.fullmatch(rf"Die Einrichtung von Vorfall #{incident_id} ist erneut bei `bookmark` angehalten: "
                            r"`missing_scope`: Der Slack-App fehlt eine Berechtigung( \(`[\w:]+`\))?; ergänzen Sie "
                            r"sie und installieren Sie die App neu\. Beheben Sie das und versuchen Sie es dann noch "
                            r"einmal\.", again), again
        german_only(again)
        ready = retry_setup(box.core, incident_id)
        channel = wait_ready(box, incident_id).channel_id
        assert ready == f"Der Krisenraum von Vorfall #{incident_id} ist bereit: <#{channel}>."
        assert retry_setup(box.core, 999) == "Es gibt keinen Vorfall #999."  # the workspace's language


def click(box, incident, user: str, action_id: str, value: str | None = None) -> None:
    statement = statement_of(box, incident.id)
    box.driver.click(user, incident.channel_id, statement.message_ts, action_id, value=value)


def test_the_statement_flow_answers_in_german(german):
    box = german
    incident = german_room(box)
    room = incident.channel_id
    box.driver.command("U0COMMS", room, "statement")
    statement, _ = wait_version(box, incident)

    already = answer(box, "U0LEAD", room, "statement press")
    assert re.fullmatch(r"Es ist bereits ein Entwurf offen \(erste Stellungnahme, wartet auf Freigabe\): "
                        r"(<[^|>]+\|hier ansehen>|in diesem Raum)\. Arbeiten Sie mit diesem weiter; je Vorfall ist "
                        r"davon nur einer offen\.", already), already

    click(box, incident, "U0SUPPORT", "statement_edit")  # neither comms, lead nor an approver
    who = heard(box, "U0SUPPORT", ":no_entry:")
    assert who == (":no_entry: Bearbeiten dürfen nur die Kommunikationsleitung, die Krisenleitung oder Freigebende "
                   "dieses Entwurfs (erste Stellungnahme).")

    click(box, incident, "U0SOCIAL", "statement_changes")  # not an approver
    changes = heard(box, "U0SOCIAL", "Änderungen anfordern")
    assert changes.startswith(":no_entry: Änderungen anfordern dürfen nur die Freigebenden dieser Stellungnahme. "
                              "Freigeben dürfen: <@U0COMMS>"), changes

    click(box, incident, "U0COMMS", "statement_edit")
    view = box.fake.wait_for(lambda: box.fake.latest_view(user_id="U0COMMS", callback_id="statement_edit"))
    refused = box.driver.submit_view("U0COMMS", view.id, {"variant-x": {"text": "x" * 1300}})
    assert refused.json()["errors"]["variant-x"] == (
        "X (Twitter) erlaubt höchstens 280 Zeichen: Dieser Text hat 1.300. Kürzen Sie ihn um 1.020.")
    empty = box.driver.submit_view("U0COMMS", view.id, {"variant-x": {"text": "  "}})
    assert empty.json()["errors"]["variant-x"] == "Der Text (X (Twitter)) darf nicht leer sein."
    box.driver.submit_view("U0COMMS", view.id, {})
    statement, _ = wait_version(box, incident, 2)

    click(box, incident, "U0COMMS", "statement_approve", value=f"{statement.id}:1")  # the message of v1
    outdated = heard(box, "U0COMMS", "v2")
    assert outdated == ":warning: Es gibt eine neuere Version (v2): Prüfen Sie diese."

    click(box, incident, "U0COMMS", "statement_edit", value=f"{statement.id}:1")
    stale = heard(box, "U0COMMS", ":no_entry:")
    assert stale == ":no_entry: Es gibt eine neuere Version (v2): Bearbeiten Sie diese."
    german_only(already, who, changes, outdated, stale)
    assert len(versions_of(box, statement.id)) == 2


def test_the_statement_flow_answers_in_english_in_an_english_room(sandbox):
    incident = wait_ready(sandbox, sandbox.alert(social_alert()).json()["incident_id"])
    sandbox.driver.command("U0COMMS", incident.channel_id, "statement")
    statement, _ = wait_version(sandbox, incident)
    already = answer(sandbox, "U0LEAD", incident.channel_id, "statement press")
    assert re.fullmatch(r"A holding statement is already waiting for approval: (<[^|>]+\|see it here>|in this room)\. "
                        r"Work on that one: one open holding statement per incident\.", already), already
    click(sandbox, incident, "U0COMMS", "statement_edit")
    view = sandbox.fake.wait_for(lambda: sandbox.fake.latest_view(user_id="U0COMMS", callback_id="statement_edit"))
    refused = sandbox.driver.submit_view("U0COMMS", view.id, {"variant-x": {"text": "x" * 1300}})
    assert refused.json()["errors"]["variant-x"] == (
        "X (Twitter) allows at most 280 characters: this text has 1,300. Shorten it by 1,020.")
    assert statement.language == "en"


def test_approval_reminders_and_a_failed_webhook_are_told_in_german(tmp_path):
    with freeze_time(START) as clock:
        box = Sandbox(tmp_path / "box", serve=False, warroom_language="de", warroom_timezone="Europe/Berlin",
                      warroom_publish_webhook="http://127.0.0.1:9/hook")  # no secret: it is never sent
        try:
            Scheduler(box.core)
            incident = open_room(box, **GERMAN_ALERT)
            assert incident.language == "de"
            statement_id = flows.start_draft(box.core, incident.id, by="U0COMMS", channels=None, reply=print)
            assert statement_id is not None

            clock.tick(timedelta(minutes=16))  # the 15-minute deadline has passed
            settle(box)
            due = box.fake.wait_for(lambda: next((t for t in room_texts(box, incident) if "Freigabe von v1" in t),
                                                 None))
            assert due.startswith(":hourglass: <@U0COMMS> die Freigabe von v1 (erste Stellungnahme) steht seit "
                                  "10:00 Uhr aus"), due

            clock.tick(timedelta(minutes=16))
            settle(box)
            backup = box.fake.wait_for(lambda: next((t for t in room_texts(box, incident)
                                                     if ":rotating_light:" in t and "Vertretung" in t), None))
            dm = box.fake.wait_for(lambda: box.fake.dms("U0COMMS2"))[0].text or ""
            assert dm.startswith(":rotating_light: Sie sind Vertretung für die Freigabe: "), dm
            german_only(due, backup, dm)

            told: list[str] = []
            assert flows.approve(box.core, statement_id, 1, user_id="U0COMMS2", reply=told.append) == "final"
            settle(box)
            assert told == []
            statement = statement_of(box, incident.id)
            failed = box.fake.wait_for(lambda: next((m.text for m in box.fake.messages(incident.channel_id)
                                                     if m.thread_ts == statement.message_ts
                                                     and "Webhook" in (m.text or "")), None))
            assert "nicht gesendet: WARROOM_PUBLISH_SECRET ist nicht gesetzt" in failed, failed
            german_only(failed)
        finally:
            box.close()


def test_an_incident_without_a_title_is_named_in_its_language(german):
    playbook = german.core.playbooks.get("shitstorm")
    with transaction(german.core.engine) as session:
        untitled = [open_incident(session, playbook, title="  ", kind="shitstorm", language=language).title
                    for language in ("de", "en")]
    assert untitled == ["Vorfall ohne Titel", "Untitled incident"]
