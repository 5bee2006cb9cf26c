"""Tests for the statement linter and its rules files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.statements.channels import CHANNELS, channel_label, parse_channels
from app.statements.lint import RULES_DIR, RuleError, lint, lint_variants, load_rules, requires_legal

NEXT = "14:30 CET"
SOURCE = "https://acme.example/status"

CLEAN_EN = (
    "We understand the concern this causes our customers and we take it very seriously. "
    "At 09:10 CET on Tuesday our online shop became unavailable; payments are not affected. "
    "We do not yet know how long the disruption will last. Our teams are working to restore the service "
    "as soon as possible, and we will share the next update at 14:30 CET. "
    "We are committed to keeping you informed. More information: https://acme.example/status"
)
CLEAN_DE = (
    "Wir verstehen die Sorge unserer Kundinnen und Kunden. Wir nehmen das sehr ernst. "
    "Am Dienstag um 09:10 Uhr ist unser Onlineshop ausgefallen; Zahlungen sind nicht betroffen. "
    "Noch ist nicht bekannt, wie lange die Störung dauert. Unsere Teams arbeiten mit Hochdruck daran, "
    "das nächste Update folgt um 14:30 Uhr. Wir halten Sie auf dem Laufenden. "
    "Weitere Informationen: https://acme.example/status"
)


def rules_of(findings):
    return [item.rule for item in findings]


@pytest.mark.parametrize(("text", "language"), [(CLEAN_EN, "en"), (CLEAN_DE, "de")])
def test_clean_statement_has_no_findings(text, language):
    assert lint(text, language=language, channel="press", next_update=NEXT, info_source=SOURCE) == []


@pytest.mark.parametrize(
    ("phrase", "rule"),
    [
        ("The outage was probably caused by a power cut.", "speculation"),
        ("We believe the data is safe.", "speculation"),
        ("It is likely that a few accounts are affected.", "speculation"),
        ("It seems a server failed.", "speculation"),
        ("Someone might have accessed the files.", "speculation"),
        ("The files were possibly copied.", "speculation"),
        ("We suspect a phishing mail.", "speculation"),
        ("Apparently the post was edited.", "speculation"),
        ("The outage was caused by the supplier.", "blame"),
        ("This was the fault of a contractor.", "blame"),
        ("The breach was caused by an intern.", "blame"),
        ("The incident was due to human error.", "blame"),
        ("It is not our fault.", "blame"),
        ("This is our fault.", "liability"),
        ("This was negligence on our side.", "liability"),
        ("We are fully responsible for this.", "liability"),
        ("We take full responsibility.", "liability"),
        ("We admit the process failed.", "liability"),
        ("We accept liability for the damage.", "liability"),
        ("We apologise for our mistake.", "liability"),
        ("No comment.", "no_comment"),
        ("We are sorry for the disruption.", "apology"),
        ("We have seen the rumours on social media.", "rumour"),
    ],
)
def test_english_phrases(phrase, rule):
    findings = lint(f"{phrase} {CLEAN_EN}", language="en", next_update=NEXT, info_source=SOURCE)
    assert rules_of(findings) == [rule]
    assert findings[0].excerpt.strip("…") in phrase
    assert "…" in findings[0].excerpt


@pytest.mark.parametrize(
    ("phrase", "rule"),
    [
        ("Der Ausfall wurde vermutlich durch einen Stromausfall ausgelöst.", "speculation"),
        ("Wahrscheinlich sind einige Konten betroffen.", "speculation"),
        ("Wir glauben, dass die Daten sicher sind.", "speculation"),
        ("Möglicherweise wurden Dateien kopiert.", "speculation"),
        ("Offenbar wurde der Beitrag bearbeitet.", "speculation"),
        ("Anscheinend ist ein Server ausgefallen.", "speculation"),
        ("Es war menschliches Versagen.", "blame"),
        ("Es war die Schuld des Lieferanten.", "blame"),
        ("Der Ausfall wurde verursacht durch einen externen Dienstleister.", "blame"),
        ("Das ist unsere Schuld.", "liability"),
        ("Wir haben fahrlässig gehandelt.", "liability"),
        ("Es war Fahrlässigkeit.", "liability"),
        ("Wir sind verantwortlich für den Ausfall.", "liability"),
        ("Wir übernehmen die volle Verantwortung.", "liability"),
        ("Wir haften für alle Schäden.", "liability"),
        ("Kein Kommentar.", "no_comment"),
        ("Es tut uns sehr leid.", "apology"),
        ("Gerüchte über Entlassungen sind im Umlauf.", "rumour"),
    ],
)
def test_german_phrases(phrase, rule):
    findings = lint(f"{phrase} {CLEAN_DE}", language="de", next_update=NEXT, info_source=SOURCE)
    assert rules_of(findings) == [rule]
    assert findings[0].excerpt.strip("…") in phrase


def test_messages_are_in_the_statement_language():
    english = lint("No comment.", language="en")
    german = lint("Kein Kommentar.", language="de")
    assert english[0].message.startswith('A bare "no comment"')
    assert german[0].rule == "no_comment"
    assert "Kommentar" in german[0].message and "überlässt" in german[0].message
    assert {f.rule for f in german} == {"no_comment", "missing_next_update", "missing_info_source"}
    assert any("nächsten" in f.message for f in german if f.rule == "missing_next_update")


def test_liability_requires_legal():
    findings = lint(f"It is our fault. {CLEAN_EN}", language="en", next_update=NEXT, info_source=SOURCE)
    assert findings[0].severity == "error"
    assert findings[0].requires_legal
    assert requires_legal(findings)
    assert not requires_legal(lint(CLEAN_EN, language="en"))


def test_overlapping_matches_report_the_longest_once():
    findings = lint(f"We take full responsibility and we are responsible. {CLEAN_EN}", language="en")
    assert rules_of(findings) == ["liability", "liability"]
    assert findings[0].excerpt.strip("…") == "We take full responsibility"


@pytest.mark.parametrize(("language", "text"), [("en", CLEAN_EN), ("de", CLEAN_DE)])
def test_private_names_whole_word_case_insensitive(language, text):
    findings = lint(f"{text} Jane Doe", language=language, private_terms=["jane doe", "Ann", " "])
    assert rules_of(findings) == ["private_name"]
    assert "jane doe" in findings[0].message
    assert findings[0].excerpt == "…Jane Doe"
    # "Ann" is not a whole word anywhere in the text ("announce", "Anna" would not count)
    assert lint("We announce. Next update 14:30. https://a.example", language="en", private_terms=["Ann"]) == []


def test_too_long_for_x_says_how_much():
    text = "x" * 300 + " Next update at 14:30. https://a.example"
    findings = lint(text, language="en", channel="x")
    assert rules_of(findings) == ["too_long"]
    over = len(text) - 280
    assert f"{over} over" in findings[0].message and "X (Twitter)" in findings[0].message
    assert findings[0].channel == "x"
    german = lint(text, language="de", channel="twitter")
    assert f"{over} über" in german[0].message
    assert lint(text, language="en", channel="press") == []


def test_missing_next_update():
    text = "We understand the concern. Our shop is down. More: https://acme.example/status"
    assert rules_of(lint(text, language="en", next_update=NEXT)) == ["missing_next_update"]
    assert lint(text + " Next update in the afternoon (14:30 CET).", language="en") == []
    named = text + " Next update: after the board meeting."
    assert lint(named, language="en", next_update="after the board meeting") == []
    german = lint("Wir melden uns wieder um 15.00 Uhr. https://acme.example", language="de")
    assert german == []


def test_missing_info_source():
    text = "We understand the concern. Our shop is down. Next update at 14:30."
    findings = lint(text, language="en", info_source=SOURCE)
    assert rules_of(findings) == ["missing_info_source"]
    assert findings[0].severity == "warning"
    for source in ("Call our hotline on 0800 123 4567.", "See acme.example/status", "press@acme.example"):
        assert lint(f"{text} {source}", language="en") == [], source
    assert lint(f"{text} Ask the shop team.", language="en", info_source="the shop team") == []
    assert rules_of(lint(f"{text} Since 2024-05-01.", language="en")) == ["missing_info_source"]


@pytest.mark.parametrize("text", ["", "   \n "])
def test_empty(text):
    findings = lint(text, language="de", channel="x")
    assert rules_of(findings) == ["empty"]
    assert findings[0].message == "Das Statement ist leer."


def test_unknown_language_and_channel():
    with pytest.raises(ValueError, match="en, de"):
        lint(CLEAN_EN, language="fr")
    with pytest.raises(ValueError, match="unknown channel 'fax'"):
        lint(CLEAN_EN, language="en", channel="fax")


def test_lint_variants_sets_channel():
    variants = {"press": CLEAN_EN, "x": "We believe it is fixed. Next update 14:30. https://acme.example/status"}
    findings = lint_variants(variants, language="en", next_update=NEXT, info_source=SOURCE)
    assert [(f.channel, f.rule) for f in findings] == [("x", "speculation")]


def test_shipped_rules_files_load():
    for language in ("en", "de"):
        rules = load_rules(RULES_DIR / f"{language}.yml")
        assert {"speculation", "blame", "liability", "no_comment", "empty", "too_long"} <= set(rules)
        assert rules["liability"].requires_legal


def write_rules(tmp_path: Path, extra: str) -> Path:
    base = (RULES_DIR / "en.yml").read_text(encoding="utf-8")
    path = tmp_path / "xx.yml"
    path.write_text(base + "\n" + extra, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("broken:\n  severity: error\n  message: m\n  patterns: ['(unclosed']\n", "bad regular expression"),
        ("typo:\n  severity: error\n  mesage: m\n  patterns: ['x']\n", "unknown key(s) mesage"),
        ("odd:\n  severity: fatal\n  message: m\n  patterns: ['x']\n", "severity must be one of"),
        ("bare:\n  severity: error\n  message: m\n", "patterns must be a non-empty list"),
        ("holes:\n  severity: error\n  message: 'see {where}'\n  patterns: ['x']\n", "unknown placeholder"),
    ],
)
def test_bad_rules_name_file_and_rule(tmp_path, extra, expected):
    rule = extra.split(":", 1)[0]
    with pytest.raises(RuleError, match=rf"xx\.yml: rule '{rule}'.*{re.escape(expected)}"):
        load_rules(write_rules(tmp_path, extra))


def test_rules_file_missing_a_structural_rule(tmp_path):
    path = tmp_path / "yy.yml"
    path.write_text("no_comment:\n  severity: error\n  message: m\n  patterns: ['x']\n", encoding="utf-8")
    with pytest.raises(RuleError, match="yy.yml: rule 'missing_next_update' is missing"):
        load_rules(path)


def test_channels():
    assert CHANNELS["x"] == 280 and CHANNELS["linkedin"] == 3000 and CHANNELS["press"] is None
    assert parse_channels("press, twitter memo e-mail web") == ["press", "x", "staff", "email", "website"]
    assert parse_channels(["X", "x", "mail"]) == ["x", "email"]
    assert channel_label("staff", "de") == "Mitarbeiterinformation"
    assert channel_label("email", "en") == "Customer e-mail"
    with pytest.raises(ValueError, match=r"unknown channel 'fax': use one of press, x, linkedin"):
        parse_channels("press, fax")
    with pytest.raises(ValueError, match="no channel"):
        parse_channels(" , ")
