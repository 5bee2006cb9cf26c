"""German all the way through, for what a person is told: refusals, input errors, the failure answer, labels,
clock commands and clock reminders in a German room, via signed requests into the sandbox."""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time

from app.i18n import PHRASES
from app.sandbox.harness import Sandbox
from app.scheduling.scheduler import Scheduler
from tests.conftest import open_room, social_alert
from tests.test_german import GERMAN_ALERT, english_left, times_without_uhr
from tests.test_intake import wait_ready

APP = Path(__file__).resolve().parent.parent / "app"
FIRST_REPLY = "Erste öffentliche Antwort auf die Kritik"  # the shitstorm playbook's clock, in German


@pytest.fixture
def german(make_sandbox):
    return make_sandbox("de", warroom_language="de", warroom_timezone="Europe/Berlin")


def told(box, user: str) -> tuple[list[str], ...]:
    """Everything only ``user`` was told: command answers, ephemeral messages and direct messages."""
    return ([r.text or "" for r in box.fake.responses(user=user)],
            [e.text or "" for e in box.fake.ephemerals(user=user)], [m.text or "" for m in box.fake.dms(user)])


def answer(box, user: str, channel: str, command: str) -> str:
    """Run ``/warroom <command>`` as ``user`` and wait for the one new answer it gets."""
    before = [len(texts) for texts in told(box, user)]

    def new() -> list[str]:
        return [text for texts, seen in zip(told(box, user), before, strict=True) for text in texts[seen:]]

    box.driver.command(user, channel, command)
    texts = set(box.fake.wait_for(new, timeout=15))  # a response_url answer shows as an ephemeral message too
    assert len(texts) == 1, texts
    return texts.pop()


def posted(box, channel: str, needle: str) -> str:
    return box.fake.wait_for(lambda: next((m.text for m in box.fake.messages(channel) if needle in (m.text or "")),
                                          None), timeout=15)


def german_room(box, **alert):
    incident = wait_ready(box, box.alert(social_alert(**{**GERMAN_ALERT, **alert})).json()["incident_id"])
    assert incident.language == "de"
    return incident


def test_refusals_input_errors_and_the_failure_answer_are_german_in_a_german_room(german):
    box = german
    room = german_room(box).channel_id

    refusal = answer(box, "U0SOCIAL", room, "severity critical")
    assert refusal == (":no_entry: Das dürfen Sie nicht. Berechtigt, den Schweregrad zu ändern: "
                       "Krisenleitung (<@U0LEAD>).")

    several = answer(box, "U0SOCIAL", room, "clock stop first-reply erledigt")
    assert several.startswith(":no_entry: Das dürfen Sie nicht. Berechtigt, Labels zu setzen und gesetzliche "
                              "Fristen zu starten, zu korrigieren oder zu stoppen: Krisenleitung (<@U0LEAD>), ")
    assert " oder Datenschutzbeauftragte(r)" in several and english_left(several) == []

    usage = answer(box, "U0LEAD", room, "assign")
    assert usage == ":warning: So geht es: `/warroom assign <Rolle> @Person`, z. B. `/warroom assign legal @dana`"

    level = answer(box, "U0LEAD", room, "severity extrem")
    assert level == (":warning: Unbekannter Schweregrad `extrem`: Möglich sind low (niedrig), medium (mittel), "
                     "high (hoch) und critical (kritisch)")

    role = answer(box, "U0LEAD", room, "assign boss <@U0SOCIAL>")
    assert role.startswith(":warning: Unbekannte Rolle `boss`: Möglich sind lead, comms, ")

    no_reason = answer(box, "U0LEAD", room, "clock stop first-reply")
    assert no_reason.startswith(":warning: Nennen Sie den Grund, damit das Protokoll ihn festhält. So geht es: ")

    unknown = answer(box, "U0LEAD", room, "clock stop ccpa Kein Bezug")
    assert unknown == (":warning: In diesem Vorfall wurde keine Frist `ccpa` gestartet; laufende Fristen: "
                       "first-reply")

    late = answer(box, "U0LEAD", room, "label personal_data=yes at 2099-01-01 08:00")
    assert re.fullmatch(r":warning: Der Zeitpunkt der Kenntnisnahme \(01\.01\.2099, 08:00 Uhr\) liegt in der Zukunft; "
                        r"jetzt ist es \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} Uhr", late), late

    box.fake.fail_next("views.open", error="internal_error")  # a fault of the bot's, not the person's
    failed = answer(box, "U0LEAD", room, "declare Noch ein Vorfall")
    assert re.fullmatch(r":x: Das ist fehlgeschlagen; nichts von dem, was Sie eingegeben haben, ist verloren\. "
                        r"Referenz `[0-9a-f]{10}`: Bitte geben Sie sie an die Person weiter, die den Bot betreibt\.",
                        failed), failed

    for text in (refusal, usage, level, no_reason, unknown, late, failed):
        assert english_left(text) == [] and times_without_uhr(text) == [], text


def test_the_same_mistakes_stay_english_in_an_english_room(sandbox):
    room = wait_ready(sandbox, sandbox.alert(social_alert()).json()["incident_id"]).channel_id
    assert answer(sandbox, "U0SOCIAL", room, "severity critical") == (
        ":no_entry: Only the crisis lead (<@U0LEAD>) may change the severity.")
    assert answer(sandbox, "U0LEAD", room, "assign") == (
        ":warning: Usage: `/warroom assign <role> @user`, e.g. `/warroom assign legal @dana`")
    assert answer(sandbox, "U0LEAD", room, "clock stop ccpa no link") == (
        ":warning: no clock 'ccpa' has started in this incident; running clocks: first-reply")


def test_outside_any_room_the_workspace_language_answers(german):
    box = german
    general = box.fake.add_channel("general", members=["U0LEAD"])
    text = answer(box, "U0LEAD", general.id, "close Fertig")
    assert text == (":warning: Das geht nur im Kanal eines Vorfalls: Führen Sie den Befehl im Raum des Vorfalls aus, "
                    "oder lassen Sie sich mit `/warroom status` die offenen Vorfälle zeigen, die Sie sehen dürfen.")
    assert answer(box, "U0LEAD", general.id, "status 999") == (
        ":warning: Es gibt keinen Vorfall #999, den Sie sehen dürfen.")


def test_the_declare_dialog_and_its_field_error_are_german_in_a_german_workspace(german):
    box = german
    general = box.fake.add_channel("general", members=["U0LEAD"])
    box.driver.command("U0LEAD", general.id, "declare")
    view = box.fake.wait_for(lambda: box.fake.latest_view(user_id="U0LEAD", callback_id="declare"), timeout=10)
    assert (view.view["title"]["text"], view.view["submit"]["text"], view.view["close"]["text"]) == (
        "Vorfall eröffnen", "Krisenraum öffnen", "Abbrechen")
    labels = [block["label"]["text"] for block in view.view["blocks"]]
    assert labels == ["Titel", "Playbook", "Schweregrad", "Was ist passiert"]
    severities = [o["text"]["text"] for o in view.view["blocks"][2]["element"]["options"]]
    assert severities == ["Niedrig", "Mittel", "Hoch", "Kritisch"]
    refused = box.driver.submit_view("U0LEAD", view.id, {"title": {"value": "   "}})
    assert refused.json() == {"response_action": "errors", "errors": {"title": "Geben Sie dem Vorfall einen Titel."}}


def test_labels_and_each_clock_command_answer_and_announce_in_german(german):
    box = german
    incident = german_room(box)
    room = incident.channel_id

    assert answer(box, "U0LEAD", room, "label platform=instagram") == (
        "Label `platform=instagram` gesetzt; es startet keine Frist.")
    assert posted(box, room, ":label: ") == ":label: <@U0LEAD> hat `platform=instagram` gesetzt."

    box.driver.command("U0LEAD", room, "clock correct first-reply at 10m ago Die Kritik begann früher")
    corrected = posted(box, room, "korrigiert")
    assert re.fullmatch(rf":stopwatch: <@U0LEAD> hat \*{FIRST_REPLY}\* korrigiert, jetzt fällig am "
                        r"\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} Uhr\. Die Kritik begann früher", corrected), corrected

    box.driver.command("U0LEAD", room, "clock stop first-reply Antwort ist veröffentlicht")
    stopped = posted(box, room, "gestoppt")
    assert stopped == f":white_check_mark: <@U0LEAD> hat *{FIRST_REPLY}* gestoppt: Antwort ist veröffentlicht"

    box.driver.command("U0LEAD", room, "clock start first-reply Neue Welle der Kritik")
    started = posted(box, room, "gestartet")
    assert re.fullmatch(rf":stopwatch: <@U0LEAD> hat \*{FIRST_REPLY}\* gestartet, fällig am "
                        r"\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} Uhr: Neue Welle der Kritik", started), started

    again = answer(box, "U0LEAD", room, "clock start first-reply Noch einmal")
    assert re.fullmatch(r":warning: Die Frist `first-reply` läuft bereits seit \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} Uhr; "
                        r"korrigieren Sie stattdessen den Zeitpunkt der Kenntnisnahme", again), again

    for text in (corrected, stopped, started, again):
        assert english_left(text) == [] and times_without_uhr(text) == [], text


def test_a_label_that_starts_a_clock_announces_it_in_german(german):
    box = german
    room = german_room(box, kind="account-compromise", title="Markenkonto gekapert",
                       dedup_key="social:konto", labels={"platform": "instagram"}).channel_id
    box.driver.command("U0LEAD", room, "label personal_data=yes at 5m ago")
    started = posted(box, room, "Gestartet")
    assert re.fullmatch(r":stopwatch: Gestartet: \*Meldung an die Datenschutzaufsichtsbehörde \(DSGVO Art\. 33\)\*, "
                        r"fällig am \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} Uhr\.", started), started
    assert posted(box, room, ":label: ") == ":label: <@U0LEAD> hat `personal_data=yes` gesetzt."


def test_a_clock_reminds_the_german_room_in_german(tmp_path):
    with freeze_time("2026-11-20 09:00:00") as clock:
        box = Sandbox(tmp_path / "box", serve=False, warroom_language="de", warroom_timezone="Europe/Berlin")
        try:
            Scheduler(box.core)
            incident = open_room(box, **GERMAN_ALERT)
            assert incident.language == "de"

            def said(needle: str) -> str:
                return box.fake.wait_for(lambda: next((m.text for m in box.fake.messages(incident.channel_id)
                                                       if needle in (m.text or "")), None), timeout=10)

            clock.tick(timedelta(minutes=31))  # 30 minutes before the first reply is due (10:00 Uhr + 60 min)
            box.core.scheduler.wake()
            before = said(":alarm_clock:")
            assert re.fullmatch(rf":alarm_clock: (<@U\w+> )?\*{FIRST_REPLY}\*: fällig am 20\.11\.2026, 11:00 Uhr, "
                                r"es bleiben 30 Min\.", before), before

            clock.tick(timedelta(minutes=30))
            box.core.scheduler.wake()
            now = said(":rotating_light:")
            assert re.fullmatch(rf":rotating_light: (<@U\w+> )?\*{FIRST_REPLY}\* ist \*jetzt\* fällig "
                                r"\(20\.11\.2026, 11:00 Uhr\)\.", now), now
            box.core.scheduler.drain()
        finally:
            box.close()


# --- every phrase the code names exists in both languages ------------------------------------------------

PHRASE_FUNCTIONS = {"say", "words", "render"}  # (language, key, ...): `words` is how some modules import `say`


def phrase_keys(tree: ast.AST) -> list[tuple[str, bool]]:
    """Every phrase key a module names, as (key or the fixed start of an f-string key, whether it is complete)."""
    found: list[tuple[str, bool]] = []

    def take(node: ast.expr, prefix: str = "") -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((prefix + node.value, True))
        elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            found.append((prefix + str(node.values[0].value), False))

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in PHRASE_FUNCTIONS and isinstance(func, ast.Name) and len(node.args) >= 2:
            take(node.args[1])
        elif isinstance(func, ast.Attribute) and node.args and (
                name == "say" or (name == "of" and getattr(func.value, "id", "") == "Phrase")):
            take(node.args[0])  # req.say(key, ...) and Phrase.of(key, ...)
        for keyword in node.keywords:
            if keyword.arg == "key" and name == "ModelError":
                take(keyword.value, "model_error.")  # a model's failure names its reason under model_error.
            elif keyword.arg == "key" and (name.endswith("Error") or name == "Refused"):
                take(keyword.value)
    return found


def test_every_phrase_key_used_in_the_code_exists_in_english_and_german():
    used: dict[tuple[str, bool], list[str]] = {}
    for path in sorted(APP.rglob("*.py")):
        for key in phrase_keys(ast.parse(path.read_text(encoding="utf-8"))):
            used.setdefault(key, []).append(str(path.relative_to(APP)))
    assert len(used) > 250  # 283 today: the scan sees the code's phrases (a broken scan would find none)
    for language in ("en", "de"):
        phrases = PHRASES[language]
        missing = {key: where for (key, whole), where in used.items()
                   if (key not in phrases if whole else not any(k.startswith(key) for k in phrases))}
        assert missing == {}, f"phrases missing in {language}: {missing}"


# The modules whose every mistake is told through a phrase: none may raise one as an English sentence again.
PHRASED = ["errors.py", "slack/pipeline.py", "access/guard.py", "incidents/clock_flows.py", "incidents/clocks.py",
           "incidents/listeners.py", "incidents/flows.py", "incidents/exclusions.py", "tasks/listeners.py",
           "decisions/listeners.py", "status/listeners.py", "reports/listeners.py", "reports/lessons.py",
           "statements/listeners.py", "statements/views.py", "tasks/service.py", "incidents/service.py",
           "decisions/service.py", "statements/service.py", "statements/channels.py", "timeutil.py",
           "statements/flows.py", "statements/reminders.py"]
# The mistakes the services raise, each a UserError of its own kind.
MISTAKES = ("UserError", "ClockError", "Refused", "TaskError", "IncidentError", "RecordError", "StatementError",
            "StatementConflict", "ChannelError", "DurationError")


@pytest.mark.parametrize("module", PHRASED)
def test_no_mistake_is_raised_as_an_english_sentence(module):
    tree = ast.parse((APP / module).read_text(encoding="utf-8"))
    raised = [node.exc for node in ast.walk(tree) if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)]
    person = [call for call in raised if getattr(call.func, "id", "").endswith(MISTAKES)]
    assert all(not call.args and any(k.arg == "key" for k in call.keywords) for call in person), \
        [ast.unparse(call) for call in person if call.args]
    replies = [c for c in ast.walk(tree) if isinstance(c, ast.Call) and c.args and (
               (isinstance(c.func, ast.Attribute) and c.func.attr == "reply")
               or (isinstance(c.func, ast.Name) and c.func.id == "reply"))]  # req.reply(...) and a flow's reply(...)
    assert [ast.unparse(c) for c in replies if words_in(c.args[0])] == []  # req.reply(req.say(key)), not English


def words_in(node: ast.expr) -> bool:
    """Whether a literal (or the fixed parts of an f-string) holds words, beyond emoji codes such as :no_entry:."""
    parts = [node] if isinstance(node, ast.Constant) else node.values if isinstance(node, ast.JoinedStr) else []
    fixed = " ".join(str(p.value) for p in parts if isinstance(p, ast.Constant))
    return bool(re.search(r"[A-Za-z]{2,}", re.sub(r":\w+:", "", fixed)))


def test_a_sign_off_outcome_tells_through_a_phrase():
    """What a click on Approve or Request changes is told comes as a phrase key, never an English sentence."""
    tree = ast.parse((APP / "statements/service.py").read_text(encoding="utf-8"))
    outcomes = [c for c in ast.walk(tree) if isinstance(c, ast.Call) and getattr(c.func, "id", "") == "Outcome"]
    assert len(outcomes) > 8  # the scan sees them
    worded = [ast.unparse(c) for c in outcomes for k in c.keywords if k.arg == "message" and words_in(k.value)]
    assert worded == []


# The modules whose every text for a person (a reminder, a notice, an announcement, a bookmark, a delivery's failure)
# is a phrase: none may tell anyone an English sentence again. Each one's texts for the record or the log only are
# named here, with why; anything else worded is a regression.
TOLD = {
    "incidents/reminders.py": {},
    "incidents/setup_notices.py": {"no crisis lead known": "a notice's delivery error, for /healthz"},
    "incidents/setup_steps.py": {"no link": "a skipped step's detail", "WARROOM_ANNOUNCE_CHANNEL not set":
                                 "a skipped step's detail", "no free channel name after {} tries":
                                 "the exception's message; people read the phrase setup.reason.names_exhausted"},
    "statements/publish.py": {},
    "monitoring/calm.py": {},
    "monitoring/trend.py": {},
}


def worded_literals(tree: ast.AST) -> list[str]:
    """The fixed text of every string literal or f-string (``{}`` for its values) holding two or more words, beyond
    docstrings, log calls, assertions, emoji codes (:mega:) and `code`."""
    quiet: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)  # a list in modules, classes and functions (a lambda's is one node)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            quiet.add(id(first.value))  # a docstring
        if isinstance(node, ast.Assert) or (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                                            and getattr(node.func.value, "id", "") == "log"):
            quiet.update(id(inner) for inner in ast.walk(node))
        if isinstance(node, ast.JoinedStr):
            quiet.update(id(value) for value in node.values)  # read as part of their f-string
    found = []
    for node in ast.walk(tree):
        if id(node) in quiet:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values)
        else:
            continue
        plain = re.sub(r"`[^`]*`|:[a-z_]+:", " ", text)
        if len([t for t in re.split(r"[\s(){}*·•→]+", plain) if re.fullmatch(r"[A-Za-z]{2,}[,;:.!?]?", t)]) >= 2:
            found.append(text)
    return found


@pytest.mark.parametrize("module", sorted(TOLD))
def test_no_person_is_told_an_english_sentence(module):
    worded = worded_literals(ast.parse((APP / module).read_text(encoding="utf-8")))
    assert [text for text in worded if text not in TOLD[module]] == []
    assert sorted(set(worded)) == sorted(TOLD[module])  # every exception named here is still needed


def test_the_scan_finds_english_sentences():
    """What the scan above would say of a reminder written as an English sentence again."""
    code = ('def due(who, when):\n    """Docstrings are fine."""\n    log.info("logs are fine too: %s", who)\n'
            '    return f":mega: {who} the next status update is due now ({when})."\n'
            'TITLE = "Alert source"\nKEY = "status_due.text"\nJOB = f"status-overdue:{1}:{2}"\n')
    assert sorted(worded_literals(ast.parse(code))) == [":mega: {} the next status update is due now ({}).",
                                                        "Alert source"]
