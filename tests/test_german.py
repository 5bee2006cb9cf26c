"""German all the way through: a German incident's briefing, status, portfolio, digest and report, via the sandbox."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from app.i18n import PHRASES, clock, date_time, duration, number, percent, say
from app.incidents.briefing import refresh
from app.incidents.models import Incident
from app.incidents.views import Briefing, briefing_message
from app.playbooks.loader import load_playbooks
from app.reports import report
from app.reports.figures import duration_text, rows
from app.sandbox.harness import shipped_playbooks
from app.slack.blocks import validate_blocks
from app.status.digests import digest
from app.tasks.models import Task
from app.timeutil import utcnow
from tests.conftest import social_alert
from tests.test_intake import wait_ready
from tests.test_status import waiting_for_exec

# Framing words of the bot's English output: none may be left in a German incident's messages.
ENGLISH = ["What happened", "Source", "Roles", "Tasks", "done", "due", "overdue", "left", "ago", "Clocks", "Severity",
           "Holding statement", "Draft", "Next status update", "Next update", "unassigned", "incident", "incidents",
           "opened", "alerts", "Crisis lead", "Communications lead", "Legal clocks", "Latest decisions",
           "timeline events", "full record", "open for", "Executive digest", "next digest", "none yet", "awaiting",
           "approved", "waiting", "Post-incident report", "Figures", "Figure", "Value", "Timeline", "Decisions",
           "Statements", "Summary", "Alert to room ready", "Room ready", "Tasks completed", "Reminders sent",
           "Duration", "Closed", "still open", "Owner", "On time", "Facts", "No facts", "No roles", "recorded",
           "HIGH", "CRITICAL", "MEDIUM", "LOW", "CET", "CEST"]
CLOCK_TIME = re.compile(r"\b\d{2}:\d{2}\b(?! Uhr)")  # a time of day not followed by "Uhr"

GERMAN_ALERT = dict(title="Empörung über die Winterkampagne", description="Erwähnungen der Marke beim Sechsfachen "
                    "des stündlichen Normalwerts.", dedup_key="social:winterkampagne",
                    metrics={"erwaehnungen_pro_stunde": 4200})


def english_left(text: str) -> list[str]:
    return [word for word in ENGLISH if re.search(rf"(?<![\w/-]){re.escape(word)}(?![\w-])", text)]


def times_without_uhr(text: str) -> list[str]:
    """Clock times (HH:MM) in ``text`` that do not read ``… Uhr``; `/warroom` commands and URLs are skipped."""
    return CLOCK_TIME.findall(re.sub(r"https?://\S+", "", text))


def frame_of_report(md: str) -> str:
    """The report without the timeline's detail column: those texts are the record as it was written."""
    head, rest = md.split("## Zeitleiste", 1)
    table, tail = rest.split("## Entscheidungen", 1)
    rows = [" | ".join(line.split(" | ")[:3]) if line.startswith("| ") else line for line in table.splitlines()]
    return head + "## Zeitleiste" + "\n".join(rows) + "## Entscheidungen" + tail


def flat(message) -> str:
    return (message.text or "") + "\n" + json.dumps(message.blocks or [], ensure_ascii=False)


@pytest.fixture
def german(make_sandbox):
    return make_sandbox("de", warroom_language="de", warroom_timezone="Europe/Berlin")


def briefing_of(box, incident: Incident):
    [message] = [m for m in box.fake.messages(incident.channel_id) if m.ts == incident.briefing_ts]
    return message


def test_a_german_incident_reads_german_in_briefing_status_digest_and_report(german):
    box = german
    incident = wait_ready(box, box.alert(social_alert(**GERMAN_ALERT)).json()["incident_id"])
    assert incident.language == "de"
    playbook = box.core.playbooks.get(incident.playbook_id)

    # Tasks carry the playbook's German titles.
    with Session(box.core.engine) as session:
        titles = [t.title for t in session.exec(select(Task).where(Task.incident_id == incident.id)
                                                .order_by(Task.id))]
    assert titles == [task.title_de for task in playbook.tasks]

    # The briefing: German framing, German task and clock titles, German buttons, "… Uhr".
    briefing = briefing_of(box, incident)
    text = flat(briefing)
    assert validate_blocks(briefing.blocks) == []
    assert english_left(text) == []
    assert times_without_uhr(text) == []
    assert re.search(r"\d{2}:\d{2} Uhr", text)
    assert "*Was ist passiert*" in text and "*Aufgaben* (0/" in text and "*Fristen*" in text
    assert playbook.tasks[0].title_de in text and playbook.tasks[0].title not in text
    assert playbook.deadlines[0].title_de in text and playbook.deadlines[0].title not in text
    labels = [e["text"]["text"] for b in briefing.blocks for e in
              (b.get("elements", []) if b["type"] == "actions" else [b.get("accessory") or {}]) if e.get("text")]
    assert "Stellungnahme entwerfen" in labels and "Erledigt" in labels and "Done" not in labels
    assert briefing.text.startswith(f"Vorfall #{incident.id} (HOCH)")

    # A task done: the row says who and when, in German.
    with Session(box.core.engine) as session:
        first = session.exec(select(Task).where(Task.incident_id == incident.id).order_by(Task.id)).first()
    box.driver.click(first.owner_id or "U0LEAD", incident.channel_id, incident.briefing_ts, "task_done",
                     value=str(first.id))
    done = box.fake.wait_for(lambda: "erledigt von" in flat(briefing_of(box, incident)) and briefing_of(box, incident),
                             timeout=10)
    text = flat(done)
    assert "*Aufgaben* (1/" in text and english_left(text) == [] and times_without_uhr(text) == []

    # A statement waiting for approval: the briefing and the status say so in German.
    waiting_for_exec(box, incident, timedelta(minutes=12))
    refresh(box.core, incident.id)
    assert "v1 wartet auf Freigabe" in flat(briefing_of(box, incident))

    # `/warroom status` in the room.
    box.driver.command("U0LEAD", incident.channel_id, "decision Alle bezahlten Anzeigen pausieren")
    box.fake.wait_for(lambda: any("Alle bezahlten" in (m.text or "") for m in box.fake.messages(incident.channel_id)))
    before = len(box.fake.responses(user="U0COMMS"))
    box.driver.command("U0COMMS", incident.channel_id, "status")
    box.fake.wait_for(lambda: len(box.fake.responses(user="U0COMMS")) > before, timeout=10)
    status = box.fake.responses(user="U0COMMS")[-1]
    text = flat(status)
    assert validate_blocks(status.blocks or []) == []
    assert english_left(text) == [] and times_without_uhr(text) == []
    assert ":hourglass: v1 wartet auf " in text and "(Verantwortliches Vorstandsmitglied) seit " in text
    assert "*Krisenleitung*" in text and "*Letzte Entscheidungen*" in text and "erwaehnungen pro stunde 4.200" in text
    assert playbook.deadlines[0].title_de in text and re.search(r"\d{2}:\d{2} Uhr", text)

    # The portfolio outside the room (every incident listed is German).
    general = box.fake.add_channel("general", members=["U0CEO"])
    before = len(box.fake.responses(user="U0CEO"))
    box.driver.command("U0CEO", general.id, "status")
    box.fake.wait_for(lambda: len(box.fake.responses(user="U0CEO")) > before, timeout=10)
    portfolio = box.fake.responses(user="U0CEO")[-1]
    text = flat(portfolio)
    assert "Offene Vorfälle: 1" in text and english_left(text) == [] and times_without_uhr(text) == []

    # The executive digest.
    digest(box.core, incident_id=incident.id, due=utcnow().isoformat())
    [sent] = box.fake.wait_for(lambda: [m for m in box.fake.dms("U0CEO") if "Übersicht" in (m.text or "")])
    text = flat(sent)
    assert "Übersicht für die Geschäftsleitung" in text
    assert english_left(text) == [] and times_without_uhr(text) == []

    # Closing uploads the report: Markdown and chart in German.
    box.driver.command("U0LEAD", incident.channel_id, "close Lage hat sich beruhigt")
    files = box.fake.wait_for(lambda: len(box.fake.files(incident.channel_id)) == 2
                              and box.fake.files(incident.channel_id), timeout=10)
    md = {f.name: f for f in files}[f"incident-{incident.id}-report.md"].data.decode()
    assert md.startswith("# Nachbericht: Empörung über die Winterkampagne")
    assert "| Vom Alarm bis zum bereiten Raum |" in md and "## Zeitleiste" in md and "Krisenleitung" in md
    assert playbook.tasks[0].title_de in md and "Alle bezahlten Anzeigen pausieren" in md
    assert "Freigabekette: Kommunikationsleitung → Verantwortliches Vorstandsmitglied" in md  # roles, not keys
    assert "## Lehren: was sich im Playbook ändern sollte" in md
    assert "#### Fassung 1 (Vorlage), " in md
    assert english_left(frame_of_report(md)) == []
    assert re.search(r"\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} Uhr", md)
    assert times_without_uhr(frame_of_report(md)) == []
    built = report.build(box.core.engine, incident.id, tz="Europe/Berlin", playbook_title=playbook.title)
    assert built.language == "de" and built.png.startswith(b"\x89PNG")
    summary = built.summary()
    assert summary.startswith(f":bookmark_tabs: *Nachbericht zu Vorfall #{incident.id}*")
    assert "• Vom Alarm bis zum bereiten Raum: " in summary and english_left(summary) == []
    assert [f["title"] for f in built.file_uploads()] == [f"Vorfall #{incident.id}: Nachbericht",
                                                          f"Vorfall #{incident.id}: Zeitleiste"]

    # After closing, the briefing is German too.
    def closed_briefing():
        with Session(box.core.engine) as session:
            current = session.get(Incident, incident.id)
        message = briefing_of(box, current)
        return message if "ABGESCHLOSSEN" in flat(message) else None

    text = flat(box.fake.wait_for(closed_briefing, timeout=10))
    assert "*Abgeschlossen* von" in text and english_left(text) == [] and times_without_uhr(text) == []


def test_an_english_incident_keeps_its_english_frame(sandbox):
    incident = wait_ready(sandbox, sandbox.alert(social_alert()).json()["incident_id"])
    playbook = sandbox.core.playbooks.get(incident.playbook_id)
    text = flat(briefing_of(sandbox, incident))
    assert incident.language == "en"
    assert "*What happened*" in text and playbook.tasks[0].title in text and playbook.tasks[0].title_de not in text
    assert re.search(r"\d{2}:\d{2} UTC", text) and "Uhr" not in text
    assert {"What happened", "Tasks", "Draft", "due"} <= set(english_left(text))  # the check sees English


def test_german_times_durations_and_numbers():
    at = datetime(2026, 11, 22, 8, 22, tzinfo=UTC)
    assert clock(at, "Europe/Berlin", "de") == "09:22 Uhr"
    assert clock(at, "Europe/Berlin", "en") == "09:22 CET"
    assert date_time(at, "Europe/Berlin", "de") == "22.11.2026, 09:22 Uhr"
    assert date_time(at, "Europe/Berlin", "en") == "2026-11-22 09:22 CET"
    assert duration(timedelta(hours=1, minutes=5), "de") == "1 Std. 05 Min."
    assert duration(timedelta(days=2, hours=3), "de") == "2 Tg. 3 Std."
    assert duration(timedelta(minutes=12), "en") == "12m"
    assert duration_text(timedelta(minutes=2, seconds=10), "de") == "2 Min. 10 Sek."
    assert duration_text(timedelta(minutes=2, seconds=10)) == "2m 10s"
    assert number(4200.5, "de", decimals=2) == "4.200,50" and number(4200, "en") == "4,200"
    assert percent(0.58, "de") == "58 %" and percent(0.58, "en") == "58%"


def test_every_english_phrase_has_a_german_one_with_the_same_slots():
    slots = re.compile(r"{(\w+)}")
    assert set(PHRASES["de"]) == set(PHRASES["en"])
    for key, english in PHRASES["en"].items():
        assert set(slots.findall(PHRASES["de"][key])) == set(slots.findall(english)), key
    assert say("fr", "done_button") == "Done"  # an unknown language falls back to English


def test_report_figures_are_labelled_in_german():
    from app.reports.figures import Figures

    f = Figures(alert_to_room=timedelta(seconds=40), room_to_first_draft=None, draft_to_approved=None,
                start_to_first_statement=timedelta(minutes=42, seconds=30), first_statement_on_time=True,
                tasks_total=4, tasks_done=2, tasks_with_due=4, tasks_on_time=1, reminders=3, alerts=5, decisions=1,
                statements=1, versions=2, events=20, duration=None)
    german = dict(rows(f, "de"))
    assert german["Vom Alarm bis zum bereiten Raum"] == "40 Sek."
    assert german["Erste Stellungnahme innerhalb von 60 Minuten"] == "eingehalten (42,5 Min. nach dem Beginn)"
    assert german["Aufgaben rechtzeitig erledigt"] == "1 von 4 (25 %)"
    assert dict(rows(f))["First statement within 60 minutes"] == "met (42.5 min after the start)"


def test_shipped_playbooks_give_every_task_and_clock_a_german_title():
    playbooks = load_playbooks(shipped_playbooks()).all()
    assert len(playbooks) >= 17
    for playbook in playbooks:
        assert all(task.title_de for task in playbook.tasks), playbook.id
        assert all(d.title_de for d in playbook.deadlines), playbook.id


def test_a_german_briefing_of_many_tasks_stays_within_slack_limits():
    now = utcnow()
    incident = Incident(id=7, title="Vorfall", kind="shitstorm", severity="critical", playbook_id="shitstorm",
                        language="de", created_at=now, next_update_at=now + timedelta(minutes=30), phase="active")
    tasks = [Task(id=n, incident_id=7, title=f"Aufgabe {n}", role="comms", due_at=now - timedelta(minutes=n))
             for n in range(1, 40)]
    message = briefing_message(Briefing(incident=incident, playbook_title="Shitstorm", holders={},
                                        staffed_roles=["lead", "comms"], tasks=tasks, tz="Europe/Berlin",
                                        language="de"))
    text = message["text"] + json.dumps(message["blocks"], ensure_ascii=False)
    assert validate_blocks(message["blocks"]) == []
    assert "…und 14 weitere unter `/warroom status`" in text and "*überfällig* seit" in text
    assert english_left(text) == [] and times_without_uhr(text) == []


PREPOSITION_BEFORE_NAME = re.compile(r"\b(von|bei|beim|gegen|über|mit|an|auf|für|als|die|der|des|dem|den)\s+"
                                     r"(Lumen Bank|Stadtwerke Feldberg)\b", re.IGNORECASE)


@pytest.mark.parametrize("company", ["Lumen Bank", "Stadtwerke Feldberg"])
def test_german_statements_never_inflect_the_company_name(company):
    from app.playbooks.templates import CHANNELS, sample_context

    for playbook in load_playbooks(shipped_playbooks()).all():
        for channel in CHANNELS:
            text = playbook.render_statement("de", channel, {**sample_context("de", channel), "company": company})
            assert not PREPOSITION_BEFORE_NAME.search(text), f"{playbook.id} {channel}: {text[:200]}"
            if channel == "press":
                assert text.startswith(f"Stellungnahme: {company}\n"), playbook.id
            if channel in ("website", "linkedin"):
                assert text.startswith(f"{company} informiert\n"), playbook.id


FORMAL = re.compile(r"\b(Sie|Ihnen|Ihr\w*)\b")
INFORMAL = re.compile(r"\b(euch|euer|eure\w*|ihr)\b")


def test_staff_memos_say_ihr_when_staff_address_is_du_and_sie_otherwise():
    from app.playbooks.templates import CHANNELS, sample_context
    from app.statements.lint import lint

    for playbook in load_playbooks(shipped_playbooks()).all():
        for with_facts in (True, False):
            context = sample_context("de", "staff", with_facts)
            du = playbook.render_statement("de", "staff", {**context, "staff_address": "du"})
            sie = playbook.render_statement("de", "staff", {**context, "staff_address": "sie"})
            assert not FORMAL.search(du), f"{playbook.id}: {FORMAL.search(du)[0]!r} in the informal memo"
            assert INFORMAL.search(du) and "Euer Kommunikationsteam" in du, playbook.id
            assert FORMAL.search(sie) and not INFORMAL.search(sie), playbook.id
            assert playbook.render_statement("de", "staff", context) == sie  # unset: the formal memo
            assert du.startswith("Liebe Kolleginnen und Kollegen,\n\n") and "\n\n\n" not in du, playbook.id
            assert lint(du, language="de", channel="staff", next_update=context["next_update"],
                        info_source=context["info_source"]) == [], playbook.id
            for channel in CHANNELS:  # the address of staff never changes what customers and the press read
                if channel != "staff":
                    other = sample_context("de", channel, with_facts)
                    assert (playbook.render_statement("de", channel, {**other, "staff_address": "du"})
                            == playbook.render_statement("de", channel, other)), f"{playbook.id} {channel}"


def test_the_leadership_brief_and_the_statements_next_update_are_german_in_a_german_incident(german):
    box = german
    incident = wait_ready(box, box.alert(social_alert(**GERMAN_ALERT)).json()["incident_id"])
    box.driver.command("U0SOCIAL", incident.channel_id, "fact public Die Anzeige lief vom 1. bis 20. November.")
    box.driver.command("U0LEAD", incident.channel_id, "decision Alle bezahlten Anzeigen pausieren")
    box.fake.wait_for(lambda: any("Alle bezahlten" in (m.text or "") for m in box.fake.messages(incident.channel_id)))
    box.driver.command("U0LEAD", incident.channel_id, "severity critical")
    box.fake.wait_for(lambda: any("KRITISCH" in flat(m) for m in box.fake.messages(incident.channel_id)))

    box.driver.command("U0LEAD", incident.channel_id, "brief")
    brief = box.fake.wait_for(lambda: next((m for m in box.fake.messages(incident.channel_id)
                                            if (m.text or "").startswith("*Lagebericht:")), None), timeout=15)
    text = flat(brief)
    for heading in ("*Was ist passiert*", "*Was wir wissen*", "*Was wir tun*",
                    "*Was wir von der Unternehmensleitung brauchen*", "*Nächste Schritte*"):
        assert heading in text, heading
    assert f"(#{incident.id}, KRITISCH, Stand " in text and "Krisenleitung <@U0LEAD>" in text
    assert "Die Anzeige lief vom 1. bis 20. November. _(öffentlich)_" in text
    assert "Entschieden: Alle bezahlten Anzeigen pausieren" in text and "Aus dem Protokoll" in text
    assert "Ein verantwortliches Vorstandsmitglied für den Raum" in text  # critical, nobody holds exec yet
    frame = re.sub(r"Laut Alarm \(unbestätigt\): [^\n\"]*", "", text)  # the alert's own words are the record's
    assert english_left(frame) == [] and times_without_uhr(re.sub(r"\(\d{2}:\d{2}\)", "", frame)) == []

    box.driver.command("U0COMMS", incident.channel_id, "statement x")
    statement = box.fake.wait_for(lambda: next((m for m in box.fake.messages(incident.channel_id)
                                                if "Nächstes Update um" in flat(m)), None), timeout=15)
    assert re.search(r"Nächstes Update um \d{2}:\d{2} Uhr", flat(statement))
    assert not re.search(r"Nächstes Update um \d{2}:\d{2} CET", flat(statement))


def test_a_german_room_speaks_german_on_the_card_its_buttons_the_notices_and_help(german):
    box = german
    incident = wait_ready(box, box.alert(social_alert(**GERMAN_ALERT)).json()["incident_id"])
    room = incident.channel_id

    def posted(needle: str):
        return box.fake.wait_for(lambda: next((m for m in box.fake.messages(room) if needle in (m.text or "")),
                                              None), timeout=10)

    # The room's notices: facts, decisions, tasks, severity.
    box.driver.command("U0SOCIAL", room, "fact public Die Anzeige lief vom 1. bis 20. November.")
    box.driver.command("U0SOCIAL", room, "fact Intern: 4.200 Erwähnungen pro Stunde")
    box.driver.command("U0LEAD", room, "decision Alle bezahlten Anzeigen pausieren")
    box.driver.command("U0LEAD", room, "task Pressestelle vorwarnen <@U0SOCIAL> in 30m")
    box.driver.command("U0LEAD", room, "severity critical")
    public = posted("(öffentlich: darf veröffentlicht werden; <@U0SOCIAL>): Die Anzeige lief")
    internal = posted("(intern: nicht für Stellungnahmen; <@U0SOCIAL>): Intern")
    decision = posted(":scales: *Entscheidung* von <@U0LEAD>: Alle bezahlten Anzeigen pausieren")
    task = posted(":white_large_square: Neue Aufgabe für <@U0SOCIAL>: Pressestelle vorwarnen, fällig ")
    severity = posted("hat den Schweregrad von *HOCH* auf *KRITISCH* geändert.")
    assert public.text.startswith(":pushpin: *Bestätigte Tatsache* #")
    assert "_Damit Stellungnahmen sie verwenden dürfen: `/warroom fact publish " in internal.text
    for message in (public, internal, decision, task, severity):
        assert english_left(message.text) == [] and times_without_uhr(message.text) == [], message.text
    assert re.search(r"fällig \d{2}:\d{2} Uhr$", task.text)

    # `/warroom help` in the German room is German; outside any room too, in a German workspace.
    box.driver.command("U0COMMS", room, "help")
    answer = box.fake.wait_for(lambda: next((r for r in box.fake.responses(user="U0COMMS")
                                             if "Befehle im Krisenraum" in (r.text or "")), None), timeout=10)
    assert "`/warroom help`: diese Liste" in answer.text and "this list" not in answer.text
    assert "`/warroom statement [channel...]`: eine erste Stellungnahme entwerfen" in answer.text
    general = box.fake.add_channel("general", members=["U0COMMS"])
    box.driver.command("U0COMMS", general.id, "help")
    outside = box.fake.wait_for(lambda: next((r for r in box.fake.responses(user="U0COMMS", channel=general.id)
                                              if "Befehle im Krisenraum" in (r.text or "")), None), timeout=10)
    assert "`/warroom help`: diese Liste" in outside.text and "this list" not in outside.text

    # The statement card: German framing, status words and buttons.
    box.driver.command("U0COMMS", room, "statement x")

    def card():
        return next((m for m in box.fake.messages(room) if "Entwurf v1" in flat(m) and m.thread_ts is None), None)

    message = box.fake.wait_for(card, timeout=15)
    text = flat(message)
    assert validate_blocks(message.blocks) == []
    assert message.text == "Erste Stellungnahme, Entwurf v1: wartet auf Freigabe"
    assert "*Prüfungen*" in text and "*Freigaben*" in text and "Deutsch · wartet auf Freigabe" in text
    assert "Aus der Vorlage des Playbooks erstellt" in text and "wartet seit " in text
    labels = [e["text"]["text"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Freigeben", "Änderungen anfordern", "Bearbeiten"]
    frame = "\n".join(b["text"]["text"] for b in message.blocks if b["type"] in ("section", "header", "context")
                      and "text" in b and not b["text"]["text"].startswith("*X"))
    assert english_left(frame) == [] and times_without_uhr(frame) == [], frame

    # The sign-off request in the card's thread is German, and so is the next one after the first sign-off.
    def thread() -> list[str]:
        return [m.text or "" for m in box.fake.messages(room) if m.thread_ts == message.ts]

    ask = box.fake.wait_for(lambda: next((t for t in thread() if t.startswith(":inbox_tray:")), None), timeout=10)
    assert "<@U0COMMS> bitte geben Sie v1 frei: Schritt 1/" in ask and "(Kommunikationsleitung)" in ask
    assert english_left(ask) == [] and times_without_uhr(ask) == []
    statement_id = next(e["value"] for b in message.blocks if b["type"] == "actions" for e in b["elements"])
    box.driver.click("U0COMMS", room, message.ts, "statement_approve", value=statement_id)
    def card_text() -> str:
        return flat(box.fake.message(room, message.ts))

    signed = box.fake.wait_for(lambda: ":white_check_mark: 1. Kommunikationsleitung" in card_text() and card_text(),
                               timeout=10)
    assert " · freigegeben um " in signed and english_left(signed.split("*X")[0]) == []

    # The Edit dialog is German too.
    box.driver.click("U0COMMS", room, message.ts, "statement_edit", value=statement_id)
    view = box.fake.wait_for(lambda: box.fake.latest_view(user_id="U0COMMS", callback_id="statement_edit"))
    assert (view.view["title"]["text"], view.view["submit"]["text"], view.view["close"]["text"]) == \
        ("Stellungnahme bearbeiten", "Neue Version speichern", "Abbrechen")
    shown = json.dumps(view.view["blocks"], ensure_ascii=False)
    assert "Sie bearbeiten v1. Beim Speichern entsteht v2" in shown and "Höchstens 280 Zeichen." in shown

    # Closing is announced in German.
    box.driver.command("U0LEAD", room, "close Lage hat sich beruhigt")
    closed = posted(":checkered_flag: *Vorfall abgeschlossen* von <@U0LEAD>.")
    assert "\n>Lage hat sich beruhigt\nDer Kanal wird in " in closed.text and closed.text.endswith(" archiviert.")
