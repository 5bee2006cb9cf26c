"""The playbooks shipped in playbooks/: valid, complete for their scenario, and publishable text."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from app.playbooks import Playbook, load_playbooks, validate_directory
from app.playbooks.templates import CHANNELS, LANGUAGES, X_LIMIT, sample_context
from app.severity import ORDER, Severity
from app.statements.lint import lint

DIRECTORY = Path(__file__).resolve().parent.parent / "playbooks"
SHIPPED = {
    "generic", "shitstorm", "viral-complaint", "account-compromise", "data-leak", "defamation",
    "impersonation", "employee-misconduct", "product-recall", "service-outage", "executive-scandal",
}
FORBIDDEN_EN = [
    "our fault", "negligence", "negligent", "we are responsible", "we take full responsibility",
    "we accept liability", "liable", "no comment", "we apologise", "we apologize", "apology", "sorry",
    "our mistake", "we made a mistake", "probably", "presumably", "we suspect", "we believe",
    "allegedly", "rumour", "rumor", "blame", "hacker group", "victim",
]
FORBIDDEN_DE = [
    "unsere schuld", "schuld", "fahrlässig", "wir sind verantwortlich", "wir übernehmen die verantwortung",
    "haften", "haftung", "kein kommentar", "keinen kommentar", "wir entschuldigen uns", "entschuldigung",
    "unser fehler", "vermutlich", "wahrscheinlich", "mutmaßlich", "gerücht", "opfer",
]
INFORMAL_DE = re.compile(r"\b(du|dich|dein\w*|euch|euer|eure\w*)\b")
NEXT_UPDATE = {"en": "Next update at", "de": "Nächstes Update um"}


@pytest.fixture(scope="module")
def playbooks() -> list[Playbook]:
    return load_playbooks(DIRECTORY).all()


def renders(playbook: Playbook):
    for language in LANGUAGES:
        for channel in CHANNELS:
            for with_facts in (True, False):
                context = sample_context(language, channel, with_facts)
                yield language, channel, context, playbook.render_statement(language, channel, context)


def test_shipped_directory_validates() -> None:
    assert validate_directory(DIRECTORY) == []


def test_all_scenarios_are_shipped(playbooks: list[Playbook]) -> None:
    assert {p.id for p in playbooks} == SHIPPED
    assert [p.id for p in playbooks if p.fallback] == ["generic"]


def test_every_variant_renders_with_next_update_and_source(playbooks: list[Playbook]) -> None:
    for playbook in playbooks:
        for language, channel, context, text in renders(playbook):
            where = f"{playbook.id} {language} {channel}"
            assert context["next_update"] in text, where
            assert context["info_source"] in text, where
            assert f"{NEXT_UPDATE[language]} {context['next_update']}" in text, where
            assert "{{" not in text and "{%" not in text, where
            if context["facts"] and channel != "x":
                assert all(fact in text for fact in context["facts"]), where
            if not context["facts"]:
                assert sample_context(language)["facts"][0] not in text, where


def test_x_variants_are_short(playbooks: list[Playbook]) -> None:
    for playbook in playbooks:
        for language, channel, context, text in renders(playbook):
            if channel == "x":
                assert len(text) <= X_LIMIT, f"{playbook.id} {language}: {len(text)}"
                assert "\n" not in text
                assert context["facts"][1:] == [] or context["facts"][1] not in text


OPENINGS = {
    ("en", "staff"): "Dear colleagues,\n",
    ("de", "staff"): "Liebe Kolleginnen und Kollegen,\n",
    ("en", "email"): "Dear customer,\n",
    ("de", "email"): "Sehr geehrte Kundin, sehr geehrter Kunde,\n",
    ("en", "press"): "Statement from ",
    ("de", "press"): "Stellungnahme von ",
}


def test_staff_email_and_press_address_their_audience(playbooks: list[Playbook]) -> None:
    for playbook in playbooks:
        for language, channel, _, text in renders(playbook):
            opening = OPENINGS.get((language, channel))
            if opening:
                assert text.startswith(opening), f"{playbook.id} {language} {channel}"
            if language == "de" and channel in ("staff", "email"):
                first = text.split("\n\n", 1)[1]
                assert first[0].islower() or first.startswith("Konten"), f"{playbook.id} {channel}"


def test_no_liability_speculation_or_no_comment(playbooks: list[Playbook]) -> None:
    for playbook in playbooks:
        for language, channel, _, text in renders(playbook):
            lowered = text.lower()
            for phrase in FORBIDDEN_EN + FORBIDDEN_DE:
                assert phrase not in lowered, f"{playbook.id} {language} {channel}: {phrase!r}"
            if language == "de":
                assert not INFORMAL_DE.search(text), f"{playbook.id} {channel}: informal address"


def test_statement_linter_finds_nothing(playbooks: list[Playbook]) -> None:
    for playbook in playbooks:
        for language, channel, context, text in renders(playbook):
            findings = lint(text, language=language, channel=channel, next_update=context["next_update"],
                            info_source=context["info_source"])
            assert findings == [], f"{playbook.id} {language} {channel}: {findings}"


def test_first_hour_tasks(playbooks: list[Playbook]) -> None:
    for playbook in playbooks:
        titles = " | ".join(task.title.lower() for task in playbook.tasks)
        for step in ("pause all scheduled", "fact-finders", "scoping huddle", "draft the holding statement",
                     "approved", "publish the holding statement", "brief staff", "brief customer service",
                     "next update"):
            assert step in titles, f"{playbook.id}: {step}"
        for task in playbook.tasks:
            assert task.due_delta <= timedelta(hours=1), f"{playbook.id}: {task.title}"
            assert task.role in playbook.roles


def test_common_settings(playbooks: list[Playbook]) -> None:
    for playbook in playbooks:
        assert {"lead", "comms", "scribe"} <= set(playbook.roles), playbook.id
        assert playbook.digest_for(Severity.CRITICAL) and playbook.digest_for(Severity.HIGH), playbook.id
        assert playbook.digest_for(Severity.LOW) is None
        cadences = [playbook.cadence_for(level) for level in ORDER]
        assert cadences == sorted(cadences, reverse=True), playbook.id
        if playbook.id != "service-outage":
            assert cadences == [timedelta(minutes=m) for m in (120, 60, 30, 15)], playbook.id
        for deadline in playbook.deadlines:
            assert deadline.remind_before_deltas, deadline.key


def by_id(playbooks: list[Playbook], playbook_id: str) -> Playbook:
    return next(p for p in playbooks if p.id == playbook_id)


def test_service_outage_is_tighter(playbooks: list[Playbook]) -> None:
    outage = by_id(playbooks, "service-outage")
    generic = by_id(playbooks, "generic")
    for level in ORDER:
        assert outage.cadence_for(level) < generic.cadence_for(level)
    assert outage.approvers_for(Severity.CRITICAL) == ["comms"]


def test_data_leak_clock(playbooks: list[Playbook]) -> None:
    leak = by_id(playbooks, "data-leak")
    (gdpr,) = [d for d in leak.deadlines if d.key == "gdpr-art33"]
    assert gdpr.after_delta == timedelta(hours=72) and gdpr.role == "dpo" and not gdpr.when_labels
    assert gdpr.remind_before_deltas == [timedelta(hours=h) for h in (24, 4, 1)]
    assert any("art. 34" in task.title.lower() for task in leak.tasks)
    assert leak.approvers_for(Severity.HIGH) == ["dpo", "legal", "comms"]
    assert leak.approvers_for(Severity.CRITICAL) == ["dpo", "legal", "comms", "exec"]
    assert {"dpo", "security", "legal", "hr"} <= set(leak.roles)


def test_account_compromise_gdpr_only_with_personal_data(playbooks: list[Playbook]) -> None:
    account = by_id(playbooks, "account-compromise")
    assert account.deadlines_for({}) == []
    assert [d.key for d in account.deadlines_for({"personal_data": "yes"})] == ["gdpr-art33"]
    assert account.approvers_for(Severity.HIGH) == ["comms", "security"]
    assert {"security", "social"} <= set(account.roles)


def test_product_recall_clocks(playbooks: list[Playbook]) -> None:
    recall = by_id(playbooks, "product-recall")
    clocks = {d.key: d for d in recall.deadlines}
    assert clocks["us-cpsc-15b"].after_delta == timedelta(hours=24)
    assert "without undue delay" in clocks["eu-gpsr-sbg"].note
    assert recall.approvers_for(Severity.CRITICAL) == ["legal", "comms", "exec"]


def test_executive_scandal_is_confidential(playbooks: list[Playbook]) -> None:
    scandal = by_id(playbooks, "executive-scandal")
    assert scandal.private and scandal.confidential
    (mar,) = scandal.deadlines
    assert "MAR Art. 17" in mar.title and "as soon as possible" in mar.note.lower()
    assert mar.after_delta <= timedelta(hours=4)
    assert scandal.channel_naming == "codename" and scandal.exclude_subject and scandal.stand_in == "board"
    assert scandal.approvers_for(Severity.HIGH) == ["legal", "comms", "board"]
    assert "exec" not in scandal.staffed_roles(Severity.CRITICAL)  # the person concerned may be an executive
    assert "board" in scandal.roles and "legal" in scandal.roles
    assert any("MAR Art. 18" in task.title and "insider list" in task.title for task in scandal.tasks)


def test_other_scenarios(playbooks: list[Playbook]) -> None:
    assert any("dsa art. 16" in t.title.lower() for t in by_id(playbooks, "defamation").tasks)
    assert by_id(playbooks, "defamation").approvers_for(Severity.HIGH) == ["legal", "comms"]
    assert by_id(playbooks, "employee-misconduct").approvers_for(Severity.HIGH) == ["hr", "legal", "comms"]
    assert by_id(playbooks, "shitstorm").approvers_for(Severity.HIGH) == ["comms"]
    assert by_id(playbooks, "shitstorm").approvers_for(Severity.CRITICAL) == ["comms", "exec"]
    assert by_id(playbooks, "impersonation").approvers_for(Severity.MEDIUM) == ["comms"]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("shitstorm", "shitstorm"), ("mention_spike", "shitstorm"), ("negative-sentiment", "shitstorm"),
        ("complaint", "viral-complaint"), ("hacked-account", "account-compromise"),
        ("unauthorized-post", "account-compromise"), ("data-breach", "data-leak"), ("leak", "data-leak"),
        ("fake-news", "defamation"), ("fake-account", "impersonation"), ("misconduct", "employee-misconduct"),
        ("recall", "product-recall"), ("outage", "service-outage"), ("Downtime", "service-outage"),
        ("availability", "service-outage"), ("executive-scandal", "executive-scandal"),
        ("something-else", "generic"),
    ],
)
def test_shipped_matching(kind: str, expected: str) -> None:
    assert load_playbooks(DIRECTORY).match(kind, {}, Severity.HIGH).id == expected


def test_readme_example_validates(tmp_path: Path) -> None:
    readme = (DIRECTORY / "README.md").read_text(encoding="utf-8")
    example = readme.split("## Full example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "personal-data-breach.yml").write_text(example, encoding="utf-8")
    (tmp_path / "generic.yml").write_text((DIRECTORY / "generic.yml").read_text(encoding="utf-8"))
    assert validate_directory(tmp_path) == []
    leak = load_playbooks(tmp_path).get("personal-data-breach")
    for language, channel, context, text in renders(leak):
        assert context["info_source"] in text and context["next_update"] in text, f"{language} {channel}"
