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
    "generic", "shitstorm", "viral-complaint", "account-compromise", "personal-data-breach",
    "internal-document-leak", "defamation", "deepfake", "impersonation", "employee-misconduct", "product-recall",
    "service-outage", "executive-scandal", "malware", "review-bombing", "boycott", "raid",
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
    ("de", "press"): "Stellungnahme: ",  # no "von" before a name that may need an article
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
        sitreps = [playbook.sitrep_for(level) for level in ORDER]
        assert sitreps == sorted(sitreps, reverse=True), playbook.id
        assert playbook.cadence_for(Severity.HIGH) == playbook.sitrep_for(Severity.HIGH)  # the old name
        if playbook.id != "service-outage":
            assert sitreps == [timedelta(minutes=m) for m in (120, 60, 30, 15)], playbook.id
        publics = [playbook.public_update_for(level) for level in ORDER]
        assert publics == sorted(publics, reverse=True), playbook.id
        assert all(public >= sitrep for public, sitrep in zip(publics, sitreps, strict=True)), playbook.id
        for deadline in playbook.deadlines:
            assert deadline.remind_before_deltas, deadline.key
        for item in (*playbook.tasks, *playbook.deadlines):
            assert item.title_de and item.title_in("de") == item.title_de and item.title_in("en") == item.title


SLOW_NEWS = ("product-recall", "personal-data-breach", "internal-document-leak", "defamation", "deepfake",
             "executive-scandal", "raid", "employee-misconduct")


def test_public_promises_are_ones_the_team_can_keep(playbooks: list[Playbook]) -> None:
    """15-minute public promises are unrealistic for recalls, breaches, defamation and executive cases."""
    for playbook in playbooks:
        critical = playbook.public_update_for(Severity.CRITICAL)
        assert critical > playbook.sitrep_for(Severity.CRITICAL), playbook.id
        if playbook.id in SLOW_NEWS:
            assert critical >= timedelta(hours=2), playbook.id


def test_no_duplicate_tasks(playbooks: list[Playbook]) -> None:
    for playbook in playbooks:
        titles = [task.title.lower() for task in playbook.tasks]
        assert len(titles) == len(set(titles)), playbook.id
        promotion = [title for title in titles if "promotion" in title]
        assert len(promotion) == 1, f"{playbook.id}: {promotion}"


def by_id(playbooks: list[Playbook], playbook_id: str) -> Playbook:
    return next(p for p in playbooks if p.id == playbook_id)


def test_service_outage_is_tighter(playbooks: list[Playbook]) -> None:
    outage = by_id(playbooks, "service-outage")
    generic = by_id(playbooks, "generic")
    for level in ORDER:
        assert outage.cadence_for(level) < generic.cadence_for(level)
    assert outage.approvers_for(Severity.CRITICAL) == ["comms"]


def keys(deadlines) -> list[str]:
    return [deadline.key for deadline in deadlines]


def test_personal_data_breach_clocks(playbooks: list[Playbook]) -> None:
    breach = by_id(playbooks, "personal-data-breach")
    (gdpr,) = [d for d in breach.deadlines if d.key == "gdpr-art33"]
    assert gdpr.after_delta == timedelta(hours=72) and gdpr.role == "dpo" and not gdpr.when_labels
    assert gdpr.remind_before_deltas == [timedelta(hours=h) for h in (24, 4, 1)]
    assert keys(breach.deadlines_for({})) == ["gdpr-art33"]
    assert keys(breach.deadlines_for({"nis2": "yes", "dora": "yes", "cyber_insurance": "yes"})) == [
        "gdpr-art33", "cyber-insurer", "nis2-early-warning", "nis2-notification", "nis2-final-report",
        "dora-initial", "dora-intermediate", "dora-final",
    ]
    clocks = {d.key: d.after_delta for d in breach.deadlines}
    assert (clocks["nis2-early-warning"], clocks["nis2-notification"]) == (timedelta(hours=24), timedelta(hours=72))
    assert clocks["nis2-final-report"] == timedelta(days=28)  # one month, never late
    assert clocks["dora-initial"] == timedelta(hours=24)
    art34 = next(task.title.lower() for task in breach.tasks if "art. 34" in task.title.lower())
    assert all(part in art34 for part in ("clear language", "dpo contact", "consequences", "measures"))
    assert any("nis2" in task.title.lower() and "dora" in task.title.lower() for task in breach.tasks)
    assert breach.approvers_for(Severity.HIGH) == [["dpo", "legal"], "comms"]
    assert breach.approvers_for(Severity.CRITICAL) == [["dpo", "legal"], "comms", "exec"]
    assert {"dpo", "security", "legal", "hr"} <= set(breach.roles)


def test_internal_document_leak(playbooks: list[Playbook]) -> None:
    leak = by_id(playbooks, "internal-document-leak")
    assert leak.deadlines_for({}) == []
    assert keys(leak.deadlines_for({"personal_data": "yes"})) == ["gdpr-art33"]
    assert keys(leak.deadlines_for({"inside_information": "yes"})) == ["mar-art17"]
    titles = " | ".join(task.title.lower() for task in leak.tasks)
    assert "authenticate" in titles and "works council" in titles and "accuse no one" in titles


def test_new_clocks_apply_only_with_their_labels(playbooks: list[Playbook]) -> None:
    outage = by_id(playbooks, "service-outage")
    assert outage.deadlines_for({}) == []
    assert keys(outage.deadlines_for({"nis2": "yes"})) == ["nis2-early-warning", "nis2-notification",
                                                           "nis2-final-report"]
    assert keys(outage.deadlines_for({"dora": "yes"})) == ["dora-initial", "dora-intermediate", "dora-final"]
    recall = by_id(playbooks, "product-recall")
    assert "food-authority" not in keys(recall.deadlines_for({}))
    food = {d.key: d for d in recall.deadlines_for({"food": "yes"})}["food-authority"]
    assert food.after_delta <= timedelta(hours=2) and "178/2002" in food.title
    assert "recall-insurer" in keys(recall.deadlines_for({"recall_insurance": "yes"}))
    for playbook_id in ("defamation", "deepfake"):
        playbook = by_id(playbooks, playbook_id)
        assert playbook.deadlines_for({"jurisdiction": "en"}) == []
        (reply,) = playbook.deadlines_for({"jurisdiction": "de"})
        assert reply.key == "de-counterstatement" and "counterstatement" in reply.title.lower()


def test_malware_via_our_accounts(playbooks: list[Playbook]) -> None:
    malware = by_id(playbooks, "malware")
    titles = " | ".join(task.title.lower() for task in malware.tasks)
    for step in ("block the malicious urls", "how to check a device", "isolate the devices", "bsi", "direct message",
                 "personal_data label", "rotate the credentials"):
        assert step in titles, step
    assert keys(malware.deadlines_for({})) == []
    assert keys(malware.deadlines_for({"personal_data": "yes"})) == ["gdpr-art33"]
    assert {"security", "social", "dpo", "legal"} <= set(malware.roles)
    assert malware.approvers_for(Severity.CRITICAL) == [["security", "legal"], "comms", "exec"]


def test_gap_fixes(playbooks: list[Playbook]) -> None:
    def titles(playbook_id: str) -> str:
        return " | ".join(task.title.lower() for task in by_id(playbooks, playbook_id).tasks)

    account = titles("account-compromise")
    for step in ("every brand account and publishing tool", "meta business manager", "ad spend",
                 "account managers' devices", "direct message to everyone who received"):
        assert step in account, step
    assert "cyber-insurer" in keys(by_id(playbooks, "account-compromise").deadlines_for({"cyber_insurance": "yes"}))
    storm = titles("shitstorm")
    assert "decide whether to apologise" in storm and "influencers" in storm
    misconduct = by_id(playbooks, "employee-misconduct")
    assert misconduct.exclude_subject and misconduct.stand_in == "hr"
    for step in ("do not prejudge unverified footage", "works council", "duty of care"):
        assert step in titles("employee-misconduct"), step
    recall = titles("product-recall")
    for step in ("quarantine stock", "preserve evidence", "recall insurer", "food authority"):
        assert step in recall, step


def test_confidential_playbooks_are_code_named(playbooks: list[Playbook]) -> None:
    confidential = {p.id for p in playbooks if p.confidential}
    assert confidential == {"executive-scandal", "raid"}
    for playbook in playbooks:
        assert (playbook.channel_naming == "codename") == playbook.confidential, playbook.id
        if playbook.exclude_subject:
            assert playbook.stand_in in playbook.roles, playbook.id
    raid = by_id(playbooks, "raid")
    assert any("insider list" in task.title.lower() for task in raid.tasks)
    assert keys(raid.deadlines) == ["mar-art17"]


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
    assert by_id(playbooks, "employee-misconduct").approvers_for(Severity.HIGH) == [["hr", "legal"], "comms"]
    assert by_id(playbooks, "shitstorm").approvers_for(Severity.HIGH) == ["comms"]
    assert by_id(playbooks, "shitstorm").approvers_for(Severity.CRITICAL) == ["comms", "exec"]
    assert by_id(playbooks, "impersonation").approvers_for(Severity.MEDIUM) == ["comms"]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("shitstorm", "shitstorm"), ("mention_spike", "shitstorm"), ("negative-sentiment", "shitstorm"),
        ("complaint", "viral-complaint"), ("hacked-account", "account-compromise"),
        ("unauthorized-post", "account-compromise"), ("data-breach", "personal-data-breach"),
        ("leak", "personal-data-breach"), ("data-leak", "personal-data-breach"),
        ("leaked-document", "internal-document-leak"), ("leaked_memo", "internal-document-leak"),
        ("malware", "malware"), ("malicious-link", "malware"), ("Ransomware", "malware"),
        ("review-bombing", "review-bombing"), ("boycott", "boycott"), ("ngo-campaign", "boycott"),
        ("deepfake", "deepfake"), ("manipulated-media", "deepfake"), ("raid", "raid"),
        ("dawn-raid", "raid"), ("personal-data-breach", "personal-data-breach"),
        ("internal-document-leak", "internal-document-leak"), ("fake-news", "defamation"),
        ("fake-account", "impersonation"), ("misconduct", "employee-misconduct"),
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
