"""German all the way through, for what the bot says on its own: the status-update reminders, the set-up's notices
(people who could not be invited, a set-up that stopped), the announcement and the alert's bookmark, a failed
publish webhook and the calm-down suggestion, each in a German incident and, unchanged, in an English one."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlmodel import Session, select

from app.incidents.models import Incident
from app.sandbox.fake_slack import FakeSlack
from app.sandbox.harness import Sandbox
from app.scheduling.scheduler import Scheduler
from tests.conftest import open_room, social_alert
from tests.test_german import GERMAN_ALERT, english_left, times_without_uhr
from tests.test_intake import wait_ready
from tests.test_setup_invites import ROSTER
from tests.test_statement_flow import Receiver, draft, events
from tests.test_statement_publish import SECRET, approve_all

GERMAN = dict(warroom_language="de", warroom_timezone="Europe/Berlin")
ENGLISH = dict(warroom_timezone="Europe/Berlin")
WITHOUT_COMMS = """roles:
  lead: [U0LEAD]
  social: [U0SOCIAL]
  scribe: [U0SCRIBE]
executives: [U0CEO]
"""


def german_text(text: str) -> str:
    assert english_left(text) == [] and times_without_uhr(text) == [], text
    return text


def said(box, channel: str, needle: str) -> str:
    return box.fake.wait_for(lambda: next((m.text for m in box.fake.messages(channel) if needle in (m.text or "")),
                                          None), timeout=10)


def dm(box, user: str, needle: str) -> str:
    return box.fake.wait_for(lambda: next((m.text for m in box.fake.dms(user) if needle in (m.text or "")), None),
                             timeout=10)


# --- the status-update cadence -----------------------------------------------------------------------------

def cadence(tmp_path, roster: str | None, **settings) -> tuple[str, str]:
    """A critical room's status update falls due at 10:15 Berlin time and is nudged as overdue at 10:22."""
    directory = tmp_path / "box"
    directory.mkdir()
    if roster:
        (directory / "roster.yml").write_text(roster)
    alert = {**GERMAN_ALERT} if settings.get("warroom_language") == "de" else {}
    with freeze_time("2026-11-20 09:00:00") as clock:
        box = Sandbox(directory, serve=False, **settings)
        try:
            Scheduler(box.core)
            incident = open_room(box, **{**alert, "severity": "critical", "dedup_key": "cadence"})
            clock.tick(timedelta(minutes=16))
            box.core.scheduler.wake()
            due = said(box, incident.channel_id, ":mega:")
            box.fake.wait_for(lambda: box.core.scheduler.job_ids(f"inc{incident.id}:status-nudge"))
            clock.tick(timedelta(minutes=6))
            box.core.scheduler.wake()
            overdue = said(box, incident.channel_id, ":warning: <@")
            box.core.scheduler.drain()
            return due, overdue
        finally:
            box.close()


def test_the_status_update_reminders_are_german_in_a_german_room(tmp_path):
    due, overdue = cadence(tmp_path, None, **GERMAN)
    assert due == (":mega: <@U0COMMS> Das nächste Status-Update ist jetzt fällig (10:15 Uhr). Teilen Sie eines mit "
                   "`/warroom status share` oder lassen Sie eine Stellungnahme freigeben.")
    assert overdue == ":warning: <@U0COMMS> <@U0LEAD> Das Status-Update ist seit 7 Min. überfällig."
    german_text(due), german_text(overdue)


def test_without_a_communications_lead_the_german_reminder_says_so_in_german(tmp_path):
    due, overdue = cadence(tmp_path, WITHOUT_COMMS, **GERMAN)
    assert due.startswith(":mega: Kommunikationsleitung (nicht besetzt): Das nächste Status-Update ist jetzt fällig "
                          "(10:15 Uhr).")
    assert overdue == ":warning: <@U0LEAD> Das Status-Update ist seit 7 Min. überfällig."
    german_text(due)


def test_the_status_update_reminders_stay_english_in_an_english_room(tmp_path):
    due, overdue = cadence(tmp_path, WITHOUT_COMMS, **ENGLISH)
    assert due == (":mega: Communications lead (unassigned): the next status update is due now (10:15 CET). "
                   "Share one with `/warroom status share` or get a statement approved.")
    assert overdue == ":warning: <@U0LEAD> the status update is 7m overdue."


# --- the set-up's notices -----------------------------------------------------------------------------------

def roster_box(make_sandbox, tmp_path, name: str, **settings):
    (tmp_path / name).mkdir()
    (tmp_path / name / "roster.yml").write_text(ROSTER)
    return make_sandbox(name, **settings)


def uninvited_notice(box, incident: Incident) -> str:
    text = dm(box, "U0LEAD", f"#{incident.id}")
    lines = text.splitlines()
    assert lines[1:4] == sorted(lines[1:4])  # one line per person, in a stable order
    return text


def test_who_could_not_be_invited_is_told_in_german(make_sandbox, tmp_path):
    box = roster_box(make_sandbox, tmp_path, "de-invites", **GERMAN)
    incident = wait_ready(box, box.alert(social_alert(**GERMAN_ALERT)).json()["incident_id"])
    text = uninvited_notice(box, incident)
    assert text == (
        f":warning: Ich konnte nicht alle in den Krisenraum von Vorfall #{incident.id} (*Empörung über die "
        "Winterkampagne*) einladen; der Raum ist mit allen anderen eingerichtet:\n"
        "• <@U0AGENCY>: ein Einkanal-Gast (`user_is_ultra_restricted`)\n"
        "• <@U0GONE>: deaktiviert, oder Slack erlaubt nicht, die Person einzuladen (`cant_invite`)\n"
        "• <@U0NOBODY42>: nicht Mitglied dieses Workspace (`user_not_found`)\n"
        "Ihre Rollen gingen an die Nächsten im Roster: scribe → <@U0SCRIBE>, social → <@U0SOCIAL>, "
        "support → <@U0SUPPORT>")
    german_text(text)


def test_who_could_not_be_invited_is_told_in_english_in_an_english_room(make_sandbox, tmp_path):
    box = roster_box(make_sandbox, tmp_path, "en-invites")
    incident = wait_ready(box, box.alert(social_alert()).json()["incident_id"])
    assert uninvited_notice(box, incident) == (
        f":warning: I could not invite everyone to the war room of incident #{incident.id} (*Backlash over the "
        "#WinterCampaign ad*); the room is set up with everyone else:\n"
        "• <@U0AGENCY>: a single-channel guest (`user_is_ultra_restricted`)\n"
        "• <@U0GONE>: deactivated, or Slack does not allow inviting them (`cant_invite`)\n"
        "• <@U0NOBODY42>: not a member of this workspace (`user_not_found`)\n"
        "Their roles went to the next people on the roster: scribe → <@U0SCRIBE>, social → <@U0SOCIAL>, "
        "support → <@U0SUPPORT>")


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_set_up_that_stopped_is_told_to_the_lead_and_the_announce_channel_in_the_incidents_language(
        tmp_path, language):
    fake = FakeSlack()
    fake.start()
    announce = fake.add_channel("krisen-ankuendigungen", members=["U0LEAD"])
    settings = GERMAN if language == "de" else ENGLISH
    alert = social_alert(**GERMAN_ALERT) if language == "de" else social_alert()
    with Sandbox(tmp_path / "box", fake=fake, warroom_announce_channel=announce.id, **settings) as box:
        fake.fail_next("bookmarks.add", error="missing_scope")
        incident_id = box.alert(alert).json()["incident_id"]
        told = dm(box, "U0LEAD", ":x:")
        shown = said(box, announce.id, ":x:")
        assert told == shown
        if language == "de":
            assert told == (
                f":x: Der Krisenraum von Vorfall #{incident_id} (*Empörung über die Winterkampagne*) konnte nicht "
                "eingerichtet werden: Der Schritt `bookmark` ist fehlgeschlagen mit `missing_scope`: Der Slack-App "
                "fehlt eine Berechtigung; ergänzen Sie sie und installieren Sie die App neu. "
                f"Nichts Erfasstes ist verloren; sobald das behoben ist, führen Sie `/warroom retry-setup "
                f"{incident_id}` aus.")
            german_text(told)
        else:
            assert told == (
                f":x: The war room of incident #{incident_id} (*Backlash over the #WinterCampaign ad*) could not be "
                "set up: step `bookmark` failed with `missing_scope`: the Slack app lacks a permission; add it "
                "and reinstall the app. Nothing recorded is lost; once this is fixed, "
                f"run `/warroom retry-setup {incident_id}`.")
    fake.stop()


def test_a_confidential_german_room_that_stopped_never_names_its_title(tmp_path):
    fake = FakeSlack()
    fake.start()
    with Sandbox(tmp_path / "box", fake=fake, **GERMAN) as box:
        fake.fail_next("conversations.setTopic", error="restricted_action")
        incident_id = box.alert(social_alert(kind="executive-scandal", title="Vorwürfe gegen die Vorständin",
                                             dedup_key="vorwuerfe")).json()["incident_id"]
        told = dm(box, "U0LEAD", ":x:")
        assert told.startswith(f":x: Der Krisenraum von Vorfall #{incident_id} konnte nicht eingerichtet werden: "
                               "Der Schritt `set_topic` ist fehlgeschlagen mit `restricted_action`: Die "
                               "Einstellungen des Workspace erlauben der App das nicht"), told
        assert "Vorwürfe" not in told
        german_text(told)
    fake.stop()


# --- the announcement and the alert's bookmark --------------------------------------------------------------

@pytest.mark.parametrize("language", ["de", "en"])
def test_the_announcement_and_the_bookmark_follow_the_incidents_language(make_sandbox, language):
    settings = GERMAN if language == "de" else ENGLISH
    box = make_sandbox(f"announce-{language}", warroom_announce_channel="incidents", **settings)
    channel = box.fake.add_channel("incidents", members=["U0CEO"])
    alert = social_alert(**GERMAN_ALERT) if language == "de" else social_alert()
    public = wait_ready(box, box.alert(alert).json()["incident_id"])
    private = wait_ready(box, box.alert(social_alert(kind="data-leak", title="Kundenliste auf einer Leak-Seite",
                                                     dedup_key="leak")).json()["incident_id"])
    announced = box.fake.wait_for(lambda: len(texts := [m.text for m in box.fake.messages(channel.id)]) == 2 and texts)
    [mark] = box.fake.bookmarks(public.channel_id)
    if language == "de":
        assert announced[0] == (":rotating_light: Neuer Vorfall (HOCH): *Empörung über die Winterkampagne* · "
                                f"Krisenraum <#{public.channel_id}>")
        assert announced[1] == (f":rotating_light: Neuer Vorfall #{private.id} (HOCH): Ein privater Krisenraum ist "
                                "offen; seine Mitglieder wurden eingeladen.")
        assert mark["title"] == "Quelle des Alarms" and mark["link"] == alert["url"]
        for text in announced:
            german_text(text)
    else:
        assert announced[0] == (":rotating_light: New HIGH incident: *Backlash over the #WinterCampaign ad* · "
                                f"war room <#{public.channel_id}>")
        assert announced[1] == (f":rotating_light: New HIGH incident #{private.id}: a private war room is open; its "
                                "members were invited.")
        assert mark["title"] == "Alert source"
    with Session(box.core.engine) as session:
        assert session.exec(select(Incident.language).where(Incident.id == public.id)).one() == language


# --- the publish webhook --------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["de", "en"])
def test_a_refused_publish_webhook_is_told_in_the_incidents_language(make_sandbox, language):
    receiver = Receiver(statuses=[400])
    settings = GERMAN if language == "de" else ENGLISH
    box = make_sandbox(f"hook-{language}", warroom_publish_webhook=receiver.url, warroom_publish_secret=SECRET,
                       **settings)
    alert = social_alert(**GERMAN_ALERT) if language == "de" else social_alert()
    incident = wait_ready(box, box.alert(alert).json()["incident_id"])
    statement, _ = draft(box, incident)
    approve_all(box, incident, "U0COMMS")
    [event] = box.fake.wait_for(lambda: events(box, incident.id, "statement_webhook"))
    assert event.data["ok"] is False and len(receiver.requests) == 1
    told = said(box, incident.channel_id, "-Webhook" if language == "de" else "webhook")
    if language == "de":
        assert told == (":warning: Der Veröffentlichungs-Webhook hat v1 nicht angenommen: Der Empfänger antwortete "
                        "mit HTTP 400. Der freigegebene Text oben bleibt davon unberührt.")
        german_text(told)
    else:
        assert told == (":warning: The publish webhook did not take v1: the receiver answered HTTP 400. The approved "
                        "text above is unaffected.")
    receiver.stop()


def test_an_unreachable_publish_webhook_is_named_in_german():
    from app.statements import publish

    delivery = publish.deliver("http://127.0.0.1:9/nothing-listens", SECRET, {"language": "de"}, timeout=0.5,
                               retries=0)
    assert delivery.error == "Der Empfänger war nicht erreichbar (ConnectError)"
    assert re.search(r"\bConnection\b|\bErrno\b", delivery.error) is None  # the system's English stays in the log


# --- a monitor's room: the top posts and the calm-down suggestion -------------------------------------------

def monitored_room(make_sandbox, name: str, **settings):
    from app.monitoring.runtime import configure
    from tests.test_monitoring_room import _raise
    from tests.test_monitoring_signals import _monitor

    box = make_sandbox(name, **settings)
    configure(box.core, [_monitor()])
    return box, _raise(box)


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_briefings_top_posts_give_their_reach_in_the_incidents_language(make_sandbox, language):
    from app.monitoring import signals

    box, incident = monitored_room(make_sandbox, f"top-{language}", **(GERMAN if language == "de" else ENGLISH))
    assert signals.refresh_briefings(box.core, "northwind") >= 1
    heading = "Meistbeachtete Beiträge" if language == "de" else "Top posts of the last hour"

    def top_posts():
        blocks = box.fake.message(incident.channel_id, incident.briefing_ts).blocks
        return next((e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]
                     if heading in e["text"]), None)

    posts = box.fake.wait_for(top_posts, timeout=10).splitlines()[1:]
    assert len(posts) == 3
    for post in posts:
        if language == "de":  # German quotation marks and numbers: 250.000 Follower
            assert re.fullmatch(r"• „.+“ \(\w+, \d{1,3}(\.\d{3})* Follower, \d{1,3}(\.\d{3})* Interaktionen\)",
                                post), post
            german_text(post.split("“")[-1])
        else:
            assert re.fullmatch(r"• “.+” \(\w+, \d{1,3}(,\d{3})* followers, \d{1,3}(,\d{3})* engagements\)", post), post
    assert any(("250.000 Follower" if language == "de" else "250,000 followers") in post for post in posts)


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_calm_down_suggestion_writes_its_figures_as_the_language_does(make_sandbox, language):
    from app.monitoring import signals
    from tests.test_monitoring_room import _minutes
    from tests.test_monitoring_signals import NOW, _monitor

    box, incident = monitored_room(make_sandbox, f"calm-{language}", **(GERMAN if language == "de" else ENGLISH))
    start = NOW.replace(second=0) + timedelta(minutes=1)
    _minutes(box, start, 20, 6)
    _minutes(box, start + timedelta(minutes=20), 100, 1)
    signals.evaluate_monitor(box.core, _monitor(), max(start + timedelta(minutes=85),
                                                       incident.created_at.replace(tzinfo=NOW.tzinfo)
                                                       + timedelta(minutes=61)))
    told = said(box, incident.channel_id, ":large_green_circle:")
    if language == "de":
        assert re.fullmatch(r":large_green_circle: Die Erwähnungen \(northwind\) liegen seit 60 Min\. wieder nahe der "
                            r"Grundlinie: 60 in dieser Zeit bei \d+ erwarteten \(\d+,\dx\), nach einer Spitze von "
                            r"\d+/Std\. Vorschlag: .*", told), told
        german_text(told)
    else:
        assert re.fullmatch(r":large_green_circle: Mentions \(northwind\) have been back near the baseline for "
                            r"60 min: 60 in that time against \d+ expected \(\d+\.\dx\), after a peak of \d+/h\. .*",
                            told), told
