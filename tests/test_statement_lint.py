"""Tests for the statement linter and its rules files."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.sandbox.fake_openai import FakeOpenAI
from app.statements import service
from app.statements.channels import CHANNELS, channel_label, parse_channels
from app.statements.checks import phrases
from app.statements.checks.rules import load_ruleset
from app.statements.checks.text import split_sentences
from app.statements.lint import (
    RULES_DIR,
    RuleError,
    blocking,
    lint,
    lint_variants,
    load_rules,
    merge,
    override,
    requires_legal,
    second_opinion,
)

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
        ("asks:\n  severity: error\n  message: m\n  patterns: ['x']\n  questions: maybe\n",
         "questions must be true or false"),
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


# ---------------------------------------------------------------- language-aware matching

@pytest.mark.parametrize(
    ("language", "phrase", "expected"),
    [
        ("en", "Entirely down to us, we dropped the ball, and we guarantee this will never happen again.",
         {"liability", "over_promise"}),
        ("de", "Für diesen Mangel haften wir.", {"liability"}),
        ("de", "Wir haften für diesen Mangel.", {"liability"}),
        ("en", "We will not be commenting at this time.", {"no_comment"}),
        ("de", "Keine Auskunft.", {"no_comment"}),
        ("de", "Bitte haben Sie Verständnis, dass wir uns zu dem Video nicht äußern.", {"no_comment"}),
        ("en", "Only a few customers were affected.", {"minimising"}),
        ("de", "Nur wenige Kundinnen sind betroffen.", {"minimising"}),
        ("en", "We will compensate everyone.", {"compensation"}),
        ("de", "Wir werden alle Betroffenen entschädigen.", {"compensation"}),
        ("de", "So etwas wird nicht noch einmal passieren.", {"over_promise"}),
        ("en", "We don't think more than a thousand accounts are involved.", {"speculation"}),
    ],
)
def test_paraphrases_and_other_word_orders_are_found(language, phrase, expected):
    clean = CLEAN_EN if language == "en" else CLEAN_DE
    findings = lint(f"{phrase} {clean}", language=language, next_update=NEXT, info_source=SOURCE)
    assert set(rules_of(findings)) == expected
    assert all(f.sentence == phrase for f in findings)


@pytest.mark.parametrize(
    ("language", "phrase"),
    [
        ("en", "We do not speculate about the cause."),
        ("en", "We will not guess what caused the outage."),
        ("de", "Wir spekulieren nicht über die Ursache."),
        ("de", "Gewährleistung und Haftung bleiben unberührt."),
        ("de", "Achtung vor einem angeblichen Gewinnspiel in unserem Namen."),
        ("en", "No comment moderation was in place before today."),
        ("en", "We are sorry to hear that your parcel is late."),
        ("de", "Es tut uns leid zu hören, dass Ihr Paket fehlt."),
        ("en", "There is no evidence of negligence by anyone involved."),
        ("en", "Resetting your password takes just a few minutes."),
        ("de", "Wir nehmen unsere Verantwortung für die Sicherheit unserer Fahrgäste sehr ernst."),
    ],
)
def test_negated_quoted_and_harmless_uses_are_clean(language, phrase):
    clean = CLEAN_EN if language == "en" else CLEAN_DE
    assert lint(f"{phrase} {clean}", language=language, next_update=NEXT, info_source=SOURCE) == []


def test_a_quoted_claim_that_is_denied_replies_to_a_rumour_but_blames_no_one():
    # The quoted words are the posts' claim, not ours; denying posts is a reply to a rumour (held-out rounds 19+).
    findings = lint(f"Posts claiming “the supplier is to blame” are false. {CLEAN_EN}", language="en",
                    next_update=NEXT, info_source=SOURCE)
    assert rules_of(findings) == ["rumour"]


# ---------------------------------------------------------------- next update and information source

@pytest.mark.parametrize(
    ("language", "text", "named"),
    [
        ("en", "Next update at 11am.", True),
        ("en", "We will share more at 3pm.", True),
        ("en", "The full report follows on 20 January.", True),
        ("en", "At 09:10 our shop went down.", False),
        ("en", "The update released at 06:00 has been withdrawn.", False),
        ("en", "We will provide further updates in due course.", False),
        ("de", "Das nächste Update folgt um 15 Uhr.", True),
        ("de", "Wir informieren Sie um 15.30 Uhr erneut.", True),
        ("de", "Die Ergebnisse veröffentlichen wir am 3. März.", True),
        ("de", "Um 09:10 Uhr ist unser Onlineshop ausgefallen.", False),
        ("de", "Stand 14:10 Uhr: Alle sind in Sicherheit.", False),
        ("de", "Update 15 Uhr:", True),  # the short form of X posts and status lines
        ("de", "Update 15.30 Uhr:", True),
        ("de", "Neue Messwerte übermorgen um 12 Uhr.", True),
        ("de", "Ein fehlerhaftes Update legte die App um 9 Uhr lahm.", False),
    ],
)
def test_next_update_needs_a_forward_looking_time(language, text, named):
    findings = lint(f"{text} {SOURCE}", language=language, info_source=SOURCE)
    assert ("missing_next_update" not in rules_of(findings)) is named


def test_next_update_date_must_not_be_past():
    text = f"Our next update follows on 3 March. {SOURCE}"
    before = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
    after = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert lint(text, language="en", info_source=SOURCE, now=before) == []
    assert rules_of(lint(text, language="en", info_source=SOURCE, now=after)) == ["missing_next_update"]
    german = f"Das nächste Update veröffentlichen wir am 03.03.2026. {SOURCE}"
    assert rules_of(lint(german, language="de", info_source=SOURCE, now=after)) == ["missing_next_update"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Details: https://acme.example/status.", True),
        ("Details on https://help.acme.example/faq.", True),
        ("Write to press@acme.example.", True),
        ("Call our hotline on 0800 123 4567.", True),
        ("Fake prize messages link to acme-prizes.net; do not enter your details there.", False),
        ("The recall covers the product with barcode 4006381333931.", False),
        ("Batch numbers affected: 4471 2231 9980.", False),
        ("See the video at https://clips.example.org/v/8812.", False),
    ],
)
def test_information_source_must_be_configured_or_approved(text, named):
    findings = lint(f"We are working on it. Next update at 14:30. {text}", language="en", info_source=SOURCE)
    assert ("missing_info_source" not in rules_of(findings)) is named


def test_approved_domains_extend_the_configured_source():
    text = "Next update at 14:30 on https://nordwind.example/news."
    assert rules_of(lint(text, language="en", info_source=SOURCE)) == ["missing_info_source"]
    assert lint(text, language="en", info_source=SOURCE, approved_domains=["nordwind.example"]) == []


# ---------------------------------------------------------------- private names

@pytest.mark.parametrize(
    ("language", "fact", "text"),
    [
        ("de", "Erstmeldung durch Kunde Max Müller", "Wir haben Herrn Müller bereits kontaktiert."),
        ("de", "Erstmeldung durch Kunde Max Müller", "Max Müllers Beschwerde haben wir geprüft."),
        ("en", "First report by customer Jane Doe at 08:55", "Jane Doe's order has been found."),
        ("en", "Injured passenger Karin Lindqvist, seat 14C", "Ms Lindqvist is receiving care."),
        ("en", "Phishing sender reported by anna.k@mail.example", "Delete e-mails from anna.k@mail.example."),
        # A first initial marks the surname after it: "R. Murugesan".
        ("en", "Injured security guard: R. Murugesan", "Mr Murugesan is being treated in hospital."),
        ("de", "Verletzter Fahrer: K. Brandstätter", "Herr Brandstätter wird im Spital behandelt."),
    ],
)
def test_private_names_are_taken_from_facts_and_found_in_any_inflection(language, fact, text):
    clean = CLEAN_EN if language == "en" else CLEAN_DE
    findings = lint(f"{text} {clean}", language=language, next_update=NEXT, info_source=SOURCE, private_terms=[fact])
    assert rules_of(findings) == ["private_name"]
    assert findings[0].severity == "error"


def test_first_names_and_common_words_from_private_facts_are_not_flagged():
    fact = "Erstmeldung durch Kunde Max Müller"
    text = f"Max. 5 Artikel pro Bestellung. Kunden erhalten eine Erstmeldung per E-Mail. {CLEAN_DE}"
    assert lint(text, language="de", next_update=NEXT, info_source=SOURCE, private_terms=[fact]) == []


# ---------------------------------------------------------------- reply mode

def test_reply_mode_needs_a_next_step_not_an_update_time():
    reply = "Hi Sam, sorry to hear that. Please DM us your order number and we'll look into it."
    assert lint(reply, language="en", mode="reply", info_source=SOURCE) == []
    dead_end = lint("We hear you and we appreciate your feedback.", language="en", mode="reply")
    assert rules_of(dead_end) == ["missing_next_step"]
    assert dead_end[0].severity == "warning"
    german = lint("Danke für den Hinweis, wir haben das weitergegeben.", language="de", mode="reply")
    assert rules_of(german) == ["missing_next_step"]


def test_reply_mode_length_and_phrase_rules():
    long_reply = "Please DM us your order number. " + "We are checking this for you. " * 9
    findings = lint(long_reply, language="en", mode="reply")
    assert rules_of(findings) == ["too_long"]
    assert "280" in findings[0].message and "reply" in findings[0].message
    assert rules_of(lint("No comment at this time.", language="en", mode="reply")) == ["no_comment",
                                                                                      "missing_next_step"]
    with pytest.raises(ValueError, match="unknown mode 'tweet'"):
        lint("Hi", language="en", mode="tweet")


# ---------------------------------------------------------------- severity

def test_errors_block_and_warnings_do_not():
    findings = lint("We are sorry. It was our fault. Next update at 14:30.", language="en")
    assert {f.rule: f.severity for f in findings} == {"apology": "warning", "liability": "error",
                                                       "missing_info_source": "warning"}
    assert [f.rule for f in blocking(findings)] == ["liability"]
    stored = service.findings_as_dicts(findings)
    assert [f["rule"] for f in blocking(stored)] == ["liability"]
    assert blocking(lint(CLEAN_EN, language="en", next_update=NEXT, info_source=SOURCE)) == []


def test_override_needs_a_reason_and_records_it():
    findings = lint("It was our fault. Next update at 14:30. https://acme.example/status", language="en")
    with pytest.raises(ValueError, match="needs a reason"):
        override(findings, reason="  ", by="U123")
    record = override(findings, reason="Legal approved the admission wording", by="U123")
    assert record == {"by": "U123", "reason": "Legal approved the admission wording",
                      "overridden": [{"rule": "liability", "excerpt": "…our fault…", "channel": None}]}
    with pytest.raises(ValueError, match="nothing to override"):
        override([f for f in findings if f.severity == "warning"], reason="x", by="U1")


def test_liability_still_adds_legal_to_the_approval_chain():
    findings = lint("Für diesen Mangel haften wir.", language="de", next_update=NEXT, info_source=SOURCE)
    chain, added = service.approval_chain(["comms", "lead"], service.findings_as_dicts(findings))
    assert added and chain == ["comms", "legal", "lead"]


# ---------------------------------------------------------------- rules file format

@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("w:\n  severity: error\n  message: m\n  match: ['a b']\n  window: 0\n", "window must be a whole number"),
        ("m:\n  severity: error\n  message: m\n  match: ['a']\n  modes: [tweet]\n", "modes must be a list"),
        ("n:\n  severity: error\n  message: m\n  match: [no]\n", "put words such as 'no' or 'false' in quotes"),
        ("o:\n  severity: error\n  message: m\n  match: ['a b ~0']\n", "must be at least 1"),
        ("p:\n  severity: error\n  message: m\n  match: ['a *b*']\n", "either word* or *word"),
    ],
)
def test_bad_word_entries_name_file_and_rule(tmp_path, extra, expected):
    rule = extra.split(":", 1)[0]
    with pytest.raises(RuleError, match=rf"xx\.yml: rule '{rule}'.*{re.escape(expected)}"):
        load_rules(write_rules(tmp_path, extra))


def test_word_entries_match_by_lemma_in_any_order(tmp_path):
    path = write_rules(tmp_path, "custom:\n  severity: warning\n  message: m\n  match: ['we recall kettle* ~4']\n")
    ruleset = load_ruleset(path, "en")
    hits = lambda text: [hit.rule for hit in phrases.rule_hits(  # noqa: E731
        phrases.analyse(split_sentences(text), ruleset), ruleset.rules.values(), "statement", text)]
    assert hits("The kettles we recalled are safe.") == ["custom"]
    assert hits("We recalled the KettlePro kettles.") == ["custom"]
    assert hits("We have not recalled any kettles.") == []
    assert hits("We recalled them. The kettles are safe.") == []


def test_lexicons_are_word_families_named_in_entries(tmp_path):
    path = write_rules(tmp_path, "custom:\n  severity: warning\n  message: m\n  match: ['@party lost ~5']\n")
    text = path.read_text(encoding="utf-8").replace(
        "  lexicons:\n", "  lexicons:\n    party: [courier, '@crew']\n    crew: [driver, porter]\n", 1)
    path.write_text(text, encoding="utf-8")
    ruleset = load_ruleset(path, "en")
    hits = lambda text: [hit.rule for hit in phrases.rule_hits(  # noqa: E731
        phrases.analyse(split_sentences(text), ruleset), [ruleset.rules["custom"]], "statement", text)]
    assert hits("The courier lost your parcel.") == ["custom"]
    assert hits("A porter lost the keys.") == ["custom"]
    assert hits("We lost the courier's number.") == ["custom"]
    assert hits("The parcel was lost in the post.") == []


def test_an_unknown_lexicon_names_file_and_rule(tmp_path):
    path = write_rules(tmp_path, "custom:\n  severity: warning\n  message: m\n  match: ['@nobody lost']\n")
    with pytest.raises(RuleError, match=r"xx\.yml: rule 'custom'.*unknown lexicon '@nobody'"):
        load_rules(path)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Schuld ist unser eigener Preisfehler.", "liability"),  # compound head: Preis|fehler
        ("Darauf gehen wir nicht ein.", "no_comment"),  # split verb: gehen ... ein = eingehen
        ("Das Datenleck geht auf einen falsch konfigurierten Server bei uns zurück.", "liability"),
        ("Das Datenleck entstand bei unserem Cloud-Anbieter.", "blame"),  # hyphenated compound
        ("Marktgerüchte kommentieren wir grundsätzlich nicht.", "rumour"),
    ],
)
def test_german_compounds_and_split_verbs_are_read(text, rule):
    assert rule in rules_of(lint(f"{text} {CLEAN_DE}", language="de", next_update=NEXT, info_source=SOURCE))


def test_a_verb_is_not_a_compound_head():
    """"Ausreden" is an excuse, not the verb "reden": only nouns the rules know split a compound."""
    findings = lint(f"Keine Ausreden: Wir haben einen Fehler gemacht. {CLEAN_DE}", language="de", next_update=NEXT,
                    info_source=SOURCE)
    assert "no_comment" not in rules_of(findings)


def test_a_negation_in_a_subordinate_clause_stays_there():
    text = "Wir können mit Sicherheit sagen, dass sich ein solches Problem nicht wiederholen kann."
    findings = lint(f"{text} {CLEAN_DE}", language="de", next_update=NEXT, info_source=SOURCE)
    assert set(rules_of(findings)) == {"over_promise"}
    assert any("wiederholen" in finding.excerpt for finding in findings)  # the negated promise itself


def test_single_quoted_claims_are_someone_elses_words():
    text = "We know 'no comment' is not an answer, so here is what we know."
    assert lint(f"{text} {CLEAN_EN}", language="en", next_update=NEXT, info_source=SOURCE) == []


def test_a_given_name_alone_is_a_private_name_but_not_an_abbreviation():
    fact = "Driver involved: Marek Nowak"
    named = lint(f"The driver, Marek, is on leave. {CLEAN_EN}", language="en", next_update=NEXT,
                 info_source=SOURCE, private_terms=[fact])
    assert rules_of(named) == ["private_name"] and "Marek Nowak" in named[0].message
    german = lint(f"Max. 5 Artikel pro Bestellung. {CLEAN_DE}", language="de", next_update=NEXT,
                  info_source=SOURCE, private_terms=["Erstmeldung durch Kunde Max Müller"])
    assert german == []


# ---------------------------------------------------------------- the model's second opinion

def model_client(fake):
    import openai

    return openai.OpenAI(api_key="test-key", base_url=fake.base_url, max_retries=0, timeout=5)


def test_second_opinion_keeps_only_findings_that_quote_the_text():
    text = f"We have handled this well. Customers were told nothing. {CLEAN_EN}"
    answer = json.dumps({"findings": [
        {"rule": "minimising", "sentence": "We  have handled this well.", "reason": "Plays the problem down."},
        {"rule": "liability", "sentence": "We admit everything.", "reason": "Not in the text."},
        {"rule": "made_up", "sentence": "Customers were told nothing.", "reason": "Unknown category."},
        {"rule": "no_comment", "sentence": "Customers were told nothing.", "reason": "<!channel> " + "x" * 400},
    ]})
    with FakeOpenAI(reply=answer) as fake:
        findings = second_opinion(model_client(fake), text, "en", model="fake-model", channel="press")
        body = fake.requests[0]
    assert [(f.rule, f.sentence, f.source, f.severity) for f in findings] == [
        ("minimising", "We have handled this well.", "model", "warning"),
        ("no_comment", "Customers were told nothing.", "model", "warning"),
    ]
    assert "Second opinion: Plays the problem down." in findings[0].message
    assert len(findings[1].message) < 600 and findings[1].channel == "press"
    spec = body["response_format"]
    assert spec["type"] == "json_schema" and spec["json_schema"]["strict"] is True
    assert set(spec["json_schema"]["schema"]["properties"]["findings"]["items"]["properties"]["rule"]["enum"]) == {
        "no_comment", "liability", "apology", "blame", "speculation", "rumour", "minimising", "over_promise",
        "compensation"}
    assert "<statement>" in body["messages"][1]["content"] and text in body["messages"][1]["content"]


def test_second_opinion_merges_without_replacing_the_rules():
    text = f"It was our fault. This one was a self-inflicted wound. {CLEAN_EN}"
    rules_findings = lint(text, language="en", next_update=NEXT, info_source=SOURCE)
    answer = json.dumps({"findings": [
        {"rule": "liability", "sentence": "It was our fault.", "reason": "Admission."},
        {"rule": "liability", "sentence": "This one was a self-inflicted wound.", "reason": "Admission."},
    ]})
    with FakeOpenAI(reply=answer) as fake:
        merged = merge(rules_findings, second_opinion(model_client(fake), text, "en", model="fake-model"))
    assert [(f.rule, f.source) for f in merged] == [("liability", "rules"), ("liability", "model")]
    assert merged[0].severity == "error" and merged[1].sentence == "This one was a self-inflicted wound."


@pytest.mark.parametrize("reply", ["not json", json.dumps({"findings": "none"}), json.dumps([1, 2])])
def test_second_opinion_ignores_unusable_answers(reply):
    with FakeOpenAI(reply=reply) as fake:
        assert second_opinion(model_client(fake), CLEAN_EN, "en", model="fake-model") == []


def test_second_opinion_failure_gives_no_findings():
    with FakeOpenAI(fail_status=500) as fake:
        assert second_opinion(model_client(fake), CLEAN_DE, "de", model="fake-model") == []


def test_fake_model_refuses_schemas_the_real_api_refuses():
    import openai

    loose = {"type": "json_schema", "json_schema": {"name": "findings", "strict": True, "schema": {
        "type": "object", "properties": {"findings": {"type": "array"}}, "required": ["findings"]}}}
    with FakeOpenAI(reply="{}") as fake:
        client = model_client(fake)
        with pytest.raises(openai.BadRequestError, match="additionalProperties"):
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}],
                                           response_format=loose)
        with pytest.raises(openai.BadRequestError, match="Supported values"):
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}],
                                           response_format={"type": "yaml"})


OVERLAP_RULES = """
settings:
  negations: [not]
first:
  severity: warning
  message: 'first ({excerpt})'
  match: [alpha beta ~2]
second:
  severity: warning
  message: 'second ({excerpt})'
  match: [beta gamma ~2]
third:
  severity: warning
  message: 'third ({excerpt})'
  match: [alpha beta gamma delta ~4]
fourth:
  severity: warning
  message: 'fourth ({excerpt})'
  match: [epsilon]
missing_next_update: {severity: error, message: 'x'}
missing_info_source: {severity: warning, message: 'x'}
too_long: {severity: error, message: 'x'}
private_name: {severity: error, message: 'x'}
empty: {severity: error, message: 'x'}
"""


def test_matches_of_different_rules_that_partly_overlap_are_all_kept(tmp_path):
    from app.statements.checks.rules import load_ruleset
    from app.statements.checks.text import split_sentences

    path = tmp_path / "en.yml"
    path.write_text(OVERLAP_RULES, encoding="utf-8")
    ruleset = load_ruleset(path)
    rules = [ruleset.rules[name] for name in ("first", "second", "fourth")]

    def hits(text):
        return sorted(hit.rule for hit in phrases.rule_hits(phrases.analyse(split_sentences(text), ruleset), rules,
                                                             "statement", text))

    assert hits("Alpha beta gamma.") == ["first", "second"]
    assert hits("Alpha beta gamma, epsilon.") == ["first", "fourth", "second"]
    longer = [ruleset.rules["third"], *rules]
    text = "Alpha beta gamma delta."
    found = phrases.rule_hits(phrases.analyse(split_sentences(text), ruleset), longer, "statement", text)
    assert [hit.rule for hit in found] == ["third"]  # the shorter matches lie inside it and give way


def test_a_match_inside_a_longer_match_of_another_rule_is_not_reported_twice():
    findings = lint(f"We apologise for our error with your booking. {CLEAN_EN}", language="en", next_update=NEXT,
                    info_source=SOURCE)
    assert rules_of(findings) == ["liability"]


def test_an_unless_entry_clears_only_its_own_part_of_a_contrasting_sentence():
    turned = lint(f"We know it is annoying, but only a handful of customers were affected. {CLEAN_EN}",
                  language="en", next_update=NEXT, info_source=SOURCE)
    assert rules_of(turned) == ["minimising"]
    hedged = lint(f"We do not know yet whether only a handful of customers were affected. {CLEAN_EN}",
                  language="en", next_update=NEXT, info_source=SOURCE)
    assert hedged == []
    german = lint(f"Wir wissen, dass das nervt, aber es waren nur wenige Kunden betroffen. {CLEAN_DE}",
                  language="de", next_update=NEXT, info_source=SOURCE)
    assert rules_of(german) == ["minimising"]


@pytest.mark.parametrize(("text", "language", "rule"), [
    ("The pharmacist gave the patient the wrong dose.", "en", "blame"),
    ("Our logistics partner's warehouse was badly understaffed.", "en", "blame"),
    ("A cleaner switched the freezer off by mistake.", "en", "blame"),
    ("Der Lieferant hat die Etiketten falsch gedruckt.", "de", "blame"),
    ("Eine Aushilfe hat entgegen den Vorgaben die Tür offen gelassen.", "de", "blame"),
    ("It wasn't our fault: the bank's network went down.", "en", "blame"),
    ("Our checks should have caught the faulty batch.", "en", "liability"),
    ("The responsibility is ours alone.", "en", "liability"),
    ("Unsere Kontrollen hätten die Charge entdecken müssen.", "de", "liability"),
    ("Falkner haftet für die Schäden.", "de", "liability"),
    ("Your parcel will definitely arrive tomorrow.", "en", "over_promise"),
    ("From Monday there will be zero delays.", "en", "over_promise"),
    ("Dein Paket kommt auf jeden Fall morgen an.", "de", "over_promise"),
    ("Every household will receive £50 from us.", "en", "compensation"),
    ("Jeder Haushalt erhält 50 Euro.", "de", "compensation"),
    ("Falkner bezahlt die Reparatur aller Autos.", "de", "compensation"),
    ("Sieht so aus, als hätte der Sturm die Leitung beschädigt.", "de", "speculation"),
    ("Aller Wahrscheinlichkeit nach war es ein Kabelbrand.", "de", "speculation"),
    ("Alles deutet auf einen Blitzeinschlag.", "de", "speculation"),
    ("Early indications are that a cable failed.", "en", "speculation"),
])
def test_constructions_are_found_in_new_wording(text, language, rule):
    clean = CLEAN_EN if language == "en" else CLEAN_DE
    findings = lint(f"{text} {clean}", language=language, next_update=NEXT, info_source=SOURCE)
    assert rule in rules_of(findings), rules_of(findings)


@pytest.mark.parametrize(("text", "language"), [
    ("We will definitely keep you updated.", "en"),
    ("Our engineers are replacing the faulty meters today.", "en"),
    ("Members hit by the outage can rebook online.", "en"),
    ("Passengers may be entitled to compensation under UK261.", "en"),
    ("Wir melden uns auf jeden Fall bis 15 Uhr.", "de"),
    ("Ein Kollege im Depot hat den Alarm ausgelöst.", "de"),
    ("Kein Grund, dich zu entschuldigen!", "de"),
    ("Wer für die Verzögerung verantwortlich ist, klärt die Untersuchung.", "de"),
])
def test_harmless_uses_of_the_new_constructions_stay_clean(text, language):
    clean = CLEAN_EN if language == "en" else CLEAN_DE
    assert lint(f"{text} {clean}", language=language, next_update=NEXT, info_source=SOURCE) == []


# ---------------------------------------------------------------- neighbouring sentences

@pytest.mark.parametrize(("text", "language"), [
    ("Some posts online say our stores will stop taking cash. That is not correct: every store takes cash.", "en"),
    ("It is being claimed that the ferry was overloaded. This is false.", "en"),
    ("We are not closing any stores. Posts saying otherwise are wrong.", "en"),
    ("In sozialen Netzwerken heißt es, unsere Filialen nähmen kein Bargeld mehr an. Das stimmt nicht.", "de"),
    ("Einige Beiträge behaupten, die Fähre sei überladen gewesen. Diese Behauptung ist falsch.", "de"),
    ("Wir schließen keine Filialen. Beiträge, die anderes behaupten, sind falsch.", "de"),
])
def test_a_claim_restated_and_denied_in_the_next_sentence_is_a_rumour_reply(text, language):
    clean = CLEAN_EN if language == "en" else CLEAN_DE
    findings = lint(f"{text} {clean}", language=language, next_update=NEXT, info_source=SOURCE)
    assert rules_of(findings) == ["rumour"]
    assert findings[0].sentence == text  # the finding quotes both sentences
    assert findings[0].excerpt.strip("…") in text


@pytest.mark.parametrize(("text", "language"), [
    # the claim and the denial are two sentences apart
    ("Some posts online say our stores will stop taking cash. We have checked every store. That is not correct.", "en"),
    ("In sozialen Netzwerken heißt es, die Filialen schließen. Wir haben nachgesehen. Das stimmt nicht.", "de"),
    # a question answered, not a claim denied
    ("Many of you have asked whether the Leeds store is closing. That is not planned.", "en"),
    ("Viele haben gefragt, ob die Filiale in Gera schließt. Das ist nicht geplant.", "de"),
    # a claim acknowledged, nothing said about it
    ("We are aware of posts claiming our bottles contain lead. We are testing samples with an independent lab.", "en"),
])
def test_neighbouring_sentences_that_do_not_deny_a_claim_stay_clean(text, language):
    clean = CLEAN_EN if language == "en" else CLEAN_DE
    assert lint(f"{text} {clean}", language=language, next_update=NEXT, info_source=SOURCE) == []


ACROSS_RULE = """
recall_claim:
  severity: warning
  message: m
  match: ['=xyzzy']
  across:
    - first: ['kettle* recall']
      then: ['=that untrue']
  unless: ['drill']
"""


def test_across_pairs_are_data_and_cleared_by_unless(tmp_path):
    ruleset = load_ruleset(write_rules(tmp_path, ACROSS_RULE), "en")

    def hits(text):
        found = phrases.rule_hits(phrases.analyse(split_sentences(text), ruleset), [ruleset.rules["recall_claim"]],
                                  "statement", text)
        return [(hit.rule, text[hit.start:hit.end]) for hit in found]

    assert hits("They say we recalled the kettles. That is untrue.") == [
        ("recall_claim", "recalled the kettles. That is untrue")]
    assert hits("That is untrue. They say we recalled the kettles.") == []  # the pair has an order
    assert hits("They say we recalled the kettles. It was a drill. That is untrue.") == []
    assert hits("They say we recalled the kettles in a drill. That is untrue.") == []


@pytest.mark.parametrize(("extra", "expected"), [
    ("a1:\n  severity: error\n  message: m\n  match: ['x']\n  across: {first: [a]}\n", "across must be a list"),
    ("a2:\n  severity: error\n  message: m\n  match: ['x']\n  across: [{first: [a]}]\n",
     "give exactly first: and then:"),
    ("a3:\n  severity: error\n  message: m\n  match: ['x']\n  across: [{first: [a], then: []}]\n",
     "must each list at least one entry"),
    ("a4:\n  severity: error\n  message: m\n  match: ['x']\n  across: [{first: [a], then: [no]}]\n",
     "put words such as 'no'"),
])
def test_bad_across_pairs_name_file_rule_and_pair(tmp_path, extra, expected):
    rule = extra.split(":", 1)[0]
    with pytest.raises(RuleError, match=rf"xx\.yml: rule '{rule}'.*{re.escape(expected)}"):
        load_rules(write_rules(tmp_path, extra))


def test_a_structural_rule_takes_no_across_pairs(tmp_path):
    base = (RULES_DIR / "en.yml").read_text(encoding="utf-8")
    path = tmp_path / "zz.yml"
    pair = "too_long:\n  across: [{first: [a], then: [b]}]\n"
    path.write_text(base.replace("too_long:\n", pair, 1), encoding="utf-8")
    with pytest.raises(RuleError, match="zz.yml: rule 'too_long' is a structural check and takes no patterns"):
        load_rules(path)


# ---------------------------------------------------------------- faster expressions

@pytest.mark.parametrize(("raw", "text"), [
    (r"\b(?:is|was)(?:n't| not) good enough\b", "It WAS NOT good enough, it isn't good enough."),
    (r"\b(?:entirely |solely )?our (?:own )?fault\b", "Solely our fault; entirely our own fault; our fault."),
    (r"\bÜber(?:lastung|last)\b", "Die überlastung und die ÜBERLAST."),
    (r"\b(?:a|ab)?c+d\b", "cd acd abccd bcd"),
    (r"(?m)(?:^|(?<=, ))(?:looks|seems) like\b", "Looks like rain, seems like snow"),
    (r"\bstra(?:ss|ß)e\b", "STRASSE, Straße, ſtraße"),
])
def test_the_start_lookahead_never_changes_what_an_expression_finds(raw, text):
    from app.statements.checks.prefilter import compile_fast

    plain = re.compile(raw, re.IGNORECASE | re.UNICODE)
    fast = compile_fast(raw)
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]
    assert [m.span() for m in plain.finditer(text)]


def shipped_expressions_and_corpus() -> list[tuple[list[str], str]]:
    """Per language: the shipped rules' expressions, and the corpus's texts joined to run them on."""
    import yaml

    corpus = Path(__file__).parent / "data" / "statement_corpus"
    found = []
    for language in ("en", "de"):
        rules = yaml.safe_load((RULES_DIR / f"{language}.yml").read_text(encoding="utf-8"))
        items = yaml.safe_load((corpus / f"{language}.yml").read_text(encoding="utf-8"))["items"]
        raws = [raw for name, rule in rules.items() if name != "settings" for raw in rule.get("patterns", [])]
        found.append((raws, "\n".join(item["text"] for item in items)))
    return found


def test_every_shipped_expression_finds_the_same_with_its_lookahead():
    from app.statements.checks.prefilter import compile_fast

    for raws, text in shipped_expressions_and_corpus():
        assert len(raws) > 50
        for raw in raws:
            plain = re.compile(raw, re.IGNORECASE | re.UNICODE)
            assert [m.span() for m in compile_fast(raw).finditer(text)] == [m.span() for m in plain.finditer(text)], raw


def test_an_expression_is_run_only_where_its_first_word_stands():
    from app.statements.checks.prefilter import compile_fast, head_words

    assert head_words(compile_fast(r"\b(?:is|was)(?:n't| not) good")) is None  # "isn't": no whole word
    assert head_words(compile_fast(r"\b(?:is|was) (?:not )?good")) == {"is", "was"}
    assert head_words(compile_fast(r"\bÜber(?:lastung|last)\b")) is None
    assert head_words(compile_fast(r"\bfollow up\b")) == {"follow"}
    for raws, text in shipped_expressions_and_corpus():
        known = 0
        for raw in raws:
            heads = head_words(compile_fast(raw))
            if heads is None:
                continue
            known += 1
            for found in compile_fast(raw).finditer(text):
                assert re.match(r"[^\W_]+", found.group()).group().casefold() in heads, raw
        assert known > len(raws) / 3
    # A first word inside a hyphenated word still lets the expression run.
    assert "no_comment" in rules_of(lint(f"Our follow-up: no comment. Next update at 14:30. {SOURCE}", language="en"))


def test_an_expression_is_run_only_where_a_word_begins_as_it_does():
    from app.statements.checks.prefilter import compile_fast, head_words, lead_words

    assert lead_words(compile_fast(r"\b(?:receives?|get|be paid)\b")) == ("be", "get", "receive")
    assert lead_words(compile_fast(r"\b(?:a |every )?(?:good|high) chance")) == ("a", "every", "good", "high")
    assert lead_words(compile_fast(r"(?<!whether )\bÜber(?:lastung|last)")) == ("überlast",)
    assert lead_words(compile_fast(r"(?:^|(?<=[.!?] ))could be\b")) is None  # no word boundary before it
    assert lead_words(compile_fast(r"\b(?-i:[A-Z][a-z]+) clicked")) is None  # any capitalised word
    assert lead_words(compile_fast(r"\b(?:the )?(?:\w+ )?fault")) is None  # an optional word, then any word
    for raws, text in shipped_expressions_and_corpus():
        known = 0
        for raw in raws:
            leads = lead_words(compile_fast(raw))
            # Read off the expression as compile_fast parsed it, or off one compiled elsewhere: the same.
            plain = re.compile(raw, re.IGNORECASE | re.UNICODE)
            assert (head_words(plain), lead_words(plain)) == (head_words(compile_fast(raw)), leads), raw
            if leads is None:
                continue
            known += 1
            for found in compile_fast(raw).finditer(text):
                word = re.match(r"\w+", text[found.start():]).group().casefold()
                assert word.startswith(leads), (raw, word)
        assert known > len(raws) / 2
    # Found capitalised, with the optional word and without it, and not inside another word.
    assert "minimising" in rules_of(lint(f"STORM IN A TEACUP, if you ask us. {SOURCE}", language="en"))
    assert "minimising" in rules_of(lint(f"Frankly, a storm in a teacup. {SOURCE}", language="en"))
    assert "minimising" not in rules_of(lint(f"The brainstorm in a teacup shop went well. {SOURCE}", language="en"))


# ---------------------------------------------------------------- status lines, instructions, abbreviations

@pytest.mark.parametrize(("language", "text", "named"), [
    ("en", "Update Tue 11:00:", True),  # a status line's lead word directly before a day and time
    ("en", "More 10am tomorrow.", True),
    ("en", "Update 3pm:", True),
    ("en", "Next update at half past nine.", True),
    ("en", "Next all-hands at 16:00.", True),
    ("en", "Update: the app was restored at 10:00.", False),  # the time is not the update's
    ("en", "The last update was posted at 7:15 this morning.", False),  # an update already given
    ("de", "Update Fr. 12 Uhr:", True),  # "Fr." does not end the sentence before a time
    ("de", "Infos Do. 10 Uhr:", True),
    ("de", "Neustart Sa. 10 Uhr:", True),
    ("de", "Nächste Meldung um halb acht.", True),
    ("de", "Teambesprechung heute um 14 Uhr.", True),
    ("de", "Die letzte Meldung dazu kam heute um 6 Uhr.", False),
    ("de", "Seit gestern 22 Uhr fahren die Busse wieder nach Plan.", False),
])
def test_status_lines_and_meetings_name_the_next_update(language, text, named):
    findings = lint(f"{text} {SOURCE}", language=language, info_source=SOURCE)
    assert ("missing_next_update" not in rules_of(findings)) is named


def test_abbreviations_are_rules_data_and_a_sentence_may_still_end_in_one(tmp_path):
    from app.statements.lint import ruleset_for

    german = ruleset_for("de")
    assert {"fr", "do"} <= german.abbreviations_before_numbers and "bzw" in german.abbreviations
    texts = [s.text for s in split_sentences("Update Fr. 12 Uhr: hier. Das bleibt so. Nr. 5 folgt.",
                                              german.abbreviations, german.abbreviations_before_numbers)]
    assert texts == ["Update Fr. 12 Uhr: hier.", "Das bleibt so.", "Nr. 5 folgt."]
    english = ruleset_for("en")
    texts = [s.text for s in split_sentences("The answer is no. No. 5 is fine. Dr. Lee agrees.",
                                              english.abbreviations, english.abbreviations_before_numbers)]
    assert texts == ["The answer is no.", "No. 5 is fine.", "Dr. Lee agrees."]
    path = write_rules(tmp_path, "")
    path.write_text(path.read_text(encoding="utf-8").replace("  abbreviations: [", "  abbreviations: [7, ", 1),
                    encoding="utf-8")
    with pytest.raises(RuleError, match=r"xx\.yml: settings: abbreviations entry 7"):
        load_rules(path)


@pytest.mark.parametrize(("language", "reply", "has_step"), [
    ("en", "That link isn't from us, Dev. Please don't open it – forward the message to 7726.", True),
    ("en", "It's just a small glitch, Rhys. Try again in a few minutes.", True),
    ("en", "That page isn't ours, Olu. Please don't enter any details there.", True),
    ("en", "If your appointment has moved, we'll phone you directly.", True),
    ("en", "We'll pass on commenting on that one, Ray. Have a good weekend!", False),
    ("en", "Relax, Jamie, it was a short wobble. We try hard.", False),
    ("de", "Moin Tobias, diese Mail ist nicht von uns. Bitte lösch sie.", True),
    ("de", "Frag mal beim Ticketdienstleister nach, Sven.", True),
    ("de", "In der Südstadt kannst du dein Leitungswasser ganz normal trinken.", True),
    ("de", "Bringen Sie den Becher bitte in Ihren Markt zurück.", True),
    ("de", "Das lassen wir mal so stehen, Ecki. Schönen Abend noch!", False),
])
def test_a_reply_instruction_is_a_next_step(language, reply, has_step):
    findings = lint(reply, language=language, mode="reply")
    assert ("missing_next_step" not in rules_of(findings)) is has_step


def test_a_word_marked_to_open_its_clause_matches_only_there(tmp_path):
    path = write_rules(tmp_path, "custom:\n  severity: warning\n  message: m\n  match: ['^=try again ~3']\n")
    ruleset = load_ruleset(path, "en")
    assert ruleset.rules["custom"].match[0].terms[0].opening
    hits = lambda text: [hit.rule for hit in phrases.rule_hits(  # noqa: E731
        phrases.analyse(split_sentences(text), ruleset), [ruleset.rules["custom"]], "statement", text)]
    assert hits("Try again later.") == ["custom"]
    assert hits("Sorry, please just try again.") == ["custom"]
    assert hits("We will try again later.") == []


@pytest.mark.parametrize(("language", "text", "rule"), [
    ("en", "Had the council answered our letters, the flooding would not have happened.", "blame"),
    ("en", "The update was approved by engineer Mara Quill without the usual checks.", "blame"),
    ("en", "The hotel accepts it is liable for the damage.", "liability"),
    ("en", "Our checks missed the fault, and the blame for that is ours alone.", "liability"),
    ("de", "Hätte der Vermieter die Heizung warten lassen, wäre der Brand nie entstanden.", "blame"),
    ("de", "Wir haben die Anlage fahrlässig ohne die vorgeschriebene Prüfung genutzt.", "liability"),
    ("de", "Die Bäckerei haftet für alle Folgen.", "liability"),
    ("de", "Ein Video auf TikTok? Wer so etwas verbreitet, liegt daneben.", "rumour"),
    ("de", "Wir stellen sicher, dass jede Bestellung pünktlich ankommt.", "over_promise"),
    ("en", "The fault was tiny and poses little real risk.", "minimising"),
])
def test_rounds_eight_and_nine_constructions_in_new_wording(language, text, rule):
    assert rule in rules_of(lint(f"{text} Next update at 14:30. {SOURCE}" if language == "en"
                                 else f"{text} Nächstes Update um 14:30 Uhr. {SOURCE}", language=language))


@pytest.mark.parametrize(("language", "text"), [
    ("de", "Studierende, die wegen des Streiks fehlen, gelten als entschuldigt."),  # excused, not an apology
    ("de", "Die Wohnungen werden voraussichtlich ab dem Abend wieder warm."),  # a schedule, not speculation
    ("de", "Das Video, das angeblich unsere Chefin zeigt, ist mit KI erzeugt."),  # a deepfake warning
    ("en", "It looks as though the fire may have started in the staff kitchen."),  # speculation, not blame
])
def test_harmless_uses_after_rounds_eight_and_nine_stay_clean(language, text):
    suffix = f" Next update at 14:30. {SOURCE}" if language == "en" else f" Nächstes Update um 14:30 Uhr. {SOURCE}"
    findings = set(rules_of(lint(text + suffix, language=language)))
    assert not {"apology", "rumour", "blame"} & findings
    assert ("speculation" in findings) is ("may have" in text)


@pytest.mark.parametrize(("language", "text", "named"), [
    ("en", "Town hall at 4pm in the canteen.", True),  # an event ahead needs no "next update" wording
    ("en", "The pool reopens at 9am.", True),
    ("en", "Our written answer follows by end of day Thursday.", True),
    ("en", "The pumps failed at 6:40 and restarted at 8:15.", False),  # a report of the past
    ("en", "We thank everyone who was on the 18:05 for their patience.", False),  # a named service
    ("en", "The concert on Saturday was a success.", False),  # a weekday alone: when it happened
    ("en", "Trams will run normally from Monday.", False),  # the start of a state
    ("de", "Betriebsversammlung um 11 Uhr im Saal.", True),
    ("de", "Was sich ändert: Fr., 10 Uhr auf der Website.", True),  # a colon before the time
    ("de", "Die Pumpen standen um 6:40 Uhr still.", False),
    ("de", "Das Konzert am Samstag ist ausgefallen.", False),
    ("en", "Please don't come in tomorrow. More when we have it.", False),  # an instruction: what to do, not when
    ("de", "Bitte holen Sie Ihr Kind morgen um 12 Uhr ab.", False),
    ("en", "This is the last letter you will receive from us about this.", True),  # closes the matter
    ("de", "Den endgültigen Stand bekommen Sie am Mittwoch bis 18 Uhr per E-Mail.", True),
    ("de", "Das ist unser letztes Update zur Sperrung.", True),
    ("en", "Final update: the cat is back safe.", True),
    ("en", "Last update 8.30pm: still working on it.", False),  # when the last one came, not that none follows
    ("en", "Don't come in tomorrow. We'll be in touch.", False),
])
def test_a_time_ahead_is_a_next_update_unless_its_sentence_reports_the_past(language, text, named):
    findings = lint(f"{text} {SOURCE}", language=language, info_source=SOURCE)
    assert ("missing_next_update" not in rules_of(findings)) is named


def test_past_entries_are_rule_data(tmp_path):
    shipped = (RULES_DIR / "en.yml").read_text(encoding="utf-8")
    before, after = shipped.split("\nmissing_next_update:", 1)
    rest = after.split("\nmissing_info_source:", 1)[1]

    def rules_with(past: str) -> Path:
        path = tmp_path / "en.yml"
        path.write_text(f"{before}\nmissing_next_update:\n  severity: error\n  message: m\n"
                        f"  cues: [next update]\n  past: {past}\n\nmissing_info_source:{rest}", encoding="utf-8")
        return path

    assert [entry.text for entry in load_rules(rules_with("[=reopened]"))["missing_next_update"].past] == ["=reopened"]
    with pytest.raises(RuleError, match="en.yml: rule 'missing_next_update': past must be a list"):
        load_rules(rules_with("=reopened"))


def test_a_short_greeting_names_the_audience_not_someone_to_blame():
    update = f" Nächstes Update um 14 Uhr. {SOURCE}"
    for greeting in ("Liebe Kolleginnen und Kollegen", "Kollegen"):
        found = rules_of(lint(f"{greeting}, der Vorstand hat die Warnungen jahrelang ignoriert.{update}",
                              language="de", info_source=SOURCE))
        assert found == ["liability"], greeting
    actors = rules_of(lint(f"Zwei Kollegen haben die Warnungen jahrelang ignoriert.{update}", language="de"))
    assert "blame" in actors


def test_a_contraction_ends_a_sentence_but_an_initial_does_not():
    assert [s.text for s in split_sentences("We won't. They are here.")] == ["We won't.", "They are here."]
    assert len(split_sentences("J. Smith called the desk.")) == 1


@pytest.mark.parametrize(("language", "text", "step"), [
    ("en", "Hi Jo, your refund has gone through. Booking details are in the app.", True),
    ("en", "Open a ticket and we'll sort it.", True),
    ("en", "Your power came back at 3am, Lee.", False),  # a status, no promise to get back
    ("de", "Bitte die Karte sperren und das Passwort ändern.", True),  # an instruction with the verb last
    ("de", "Die Rechnung findest du im Kundenkonto.", True),  # where the answer lives
    ("de", "Jeder Händler nimmt die Flaschen zurück.", True),
    ("de", "Der Strom ist seit 3 Uhr wieder da, Frau Lenz.", False),
])
def test_a_reply_points_somewhere_in_other_words(language, text, step):
    assert ("missing_next_step" not in rules_of(lint(text, language=language, mode="reply"))) is step


@pytest.mark.parametrize(("language", "text", "rule"), [
    ("en", "We can promise that no passenger will ever again be left stranded like this.", "over_promise"),
    ("en", "Your next coffee is on us.", "compensation"),
    ("en", "Posts say our chief executive has resigned. We have no record of any such thing.", "rumour"),
    ("en", "The chance of anyone being affected is extremely low.", "minimising"),
    ("en", "Pretty sure the outage started with a bad cable.", "speculation"),
    ("de", "In der Nachbarschaft heißt es, wir würden schließen. Uns ist kein solcher Plan bekannt.", "rumour"),
    ("de", "Als Dankeschön gibt es den nächsten Monat gratis.", "compensation"),
    ("de", "Die Stadtwerke haben ihre Pflichten gegenüber den Mietern verletzt.", "liability"),
    ("de", "Zu den laufenden Verfahren nimmt die Firma grundsätzlich nicht Stellung.", "no_comment"),
])
def test_rounds_ten_and_eleven_constructions_in_new_wording(language, text, rule):
    assert rule in rules_of(lint(f"{text} Next update at 14:30. {SOURCE}" if language == "en"
                                 else f"{text} Nächstes Update um 14:30 Uhr. {SOURCE}", language=language))


@pytest.mark.parametrize(("language", "text", "rule"), [
    ("en", "Nobody from our bank will ever ask for your PIN.", "over_promise"),  # a standing anti-fraud rule
    ("en", "Every order was refunded under our usual refund scheme.", "compensation"),
    ("en", "Personal details may have been viewed by someone outside the company.", "speculation"),
    ("de", "Den Kaufpreis samt Pfand bekommen Sie im Handel erstattet.", "compensation"),  # money back, no gift
    ("de", "Gebt bitte keine Auskünfte an Reporter.", "no_comment"),  # an instruction to staff
    ("de", "Unsere Techniker prüfen die Häuser einzeln.", "blame"),
])
def test_harmless_uses_after_rounds_ten_and_eleven_stay_clean(language, text, rule):
    suffix = f" Next update at 14:30. {SOURCE}" if language == "en" else f" Nächstes Update um 14:30 Uhr. {SOURCE}"
    assert rule not in rules_of(lint(text + suffix, language=language))


# ---------------------------------------------------------------- deadlines, passives, imperatives, blame as a deed

@pytest.mark.parametrize(("language", "text", "named"), [
    ("de", "Nächster Stand gegen Mittag.", True),  # "nächster Stand" is the next status, not "as of"
    ("de", "Stand 14 Uhr: die Züge fahren.", False),  # "Stand" alone still says as of when
    ("de", "Wann die Bahn wieder fährt, teilen wir spätestens am Dienstagmittag mit.", True),
    ("de", "Mehr am Mi.:", True),  # a short weekday after a lead word, nothing after it
    ("de", "Wir melden uns bis Ende nächster Woche.", True),
    ("de", "Korrigierte Bescheide bis zum 12. Dezember.", True),  # an adjective, not a past tense
    ("de", "Wir schlagen Ihnen bis Montag einen neuen Termin vor.", True),  # "bis" a deadline for a "due" word
    ("de", "Die Strecke bleibt bis Freitag gesperrt.", False),  # "bis" the end of a state
    ("de", "Alle bekommen ihr Geld bis Freitag zurück.", False),  # money back is no update
    ("de", "Was passiert ist, fassen wir morgen auf der Website zusammen.", True),  # a split reporting verb
    ("en", "The bulletin will be refreshed at 5pm.", True),  # a passive ahead, not a past report
    ("en", "The bulletin was refreshed at 5pm.", False),
    ("en", "Report within 48 hours.", True),
    ("en", "Our team will share news later today.", False),  # no time
])
def test_deadlines_and_passives_ahead_name_the_next_update(language, text, named):
    findings = lint(f"{text} {SOURCE}", language=language, info_source=SOURCE)
    assert ("missing_next_update" not in rules_of(findings)) is named


def test_due_entries_are_rules_data(tmp_path):
    text = "Corrections to the letters by 12 December. https://acme.example/status"
    path = write_rules(tmp_path, "")
    ruleset = load_ruleset(path, "en")
    assert ruleset.rules["missing_next_update"].due
    from app.statements.checks.updates import names_next_update

    analysed = phrases.analyse(split_sentences(text), ruleset)
    assert names_next_update(analysed, ruleset.rules["missing_next_update"])
    source = path.read_text(encoding="utf-8")
    start = source.index("  due:\n")
    end = source.index("  titles: []", start)
    path.write_text(source[:start] + source[end:], encoding="utf-8")
    ruleset = load_ruleset(path, "en")
    assert not ruleset.rules["missing_next_update"].due
    assert not names_next_update(phrases.analyse(split_sentences(text), ruleset), ruleset.rules["missing_next_update"])


@pytest.mark.parametrize(("language", "reply", "has_step"), [
    ("en", "Yes, the notice covers your street, Carol. Please boil all water used for drinking.", True),
    ("en", "Hi Cat, your ticket is valid on the 12th too. Or ask for a refund at any ticket office.", True),
    ("en", "Sorry for the wait, Sam. Please bear with us.", False),  # an attitude, not an action
    ("de", "Wenn gar nichts geht, zieh den Router einmal für 30 Sekunden aus der Steckdose.", True),
    ("de", "Das liegt nicht an Ihnen, Frau Bühler. Bitte kochen Sie das Wasser trotzdem ab.", True),
    ("de", "Danke fürs Melden, Ole. Bitte teil den Clip nicht weiter.", True),
    ("de", "Bitte hab noch etwas Geduld, Lena.", False),
    ("de", "Entschuldige die Umstände, Tim.", False),
    ("de", "Freut uns, dass dein Flug geklappt hat, Lisa!", False),  # a verb first, but no imperative
    ("de", "Haben Sie Fragen?", False),  # a question, not an instruction
])
def test_requests_and_german_imperatives_are_next_steps(language, reply, has_step):
    findings = lint(reply, language=language, mode="reply")
    assert ("missing_next_step" not in rules_of(findings)) is has_step


@pytest.mark.parametrize(("language", "text", "rule"), [
    ("en", "The ransomware got in because someone in radiology opened an attachment.", "blame"),
    ("en", "The screenshots were passed on by a former member of staff.", "blame"),
    ("en", "The double payments were processed by our banking partner, not by Tamar.", "blame"),
    ("en", "The e-mail sent in error by J. Pryce has been deleted.", "blame"),
    ("en", "Early indications are that the driver took the curve too fast.", "blame"),
    ("de", "Nicht Alpenflug, sondern die Gewerkschaft lässt Tausende Reisende stehen.", "blame"),
    ("de", "Die Salmonellen stammen von unserem Lieferanten, nicht aus unserer Produktion.", "blame"),
    ("de", "Die Briefe gingen falsch raus, weil eine Kollegin die Liste falsch eingelesen hat.", "blame"),
    ("de", "Der Traktorfahrer ist trotz geschlossener Schranke auf die Gleise gefahren.", "blame"),
    ("de", "Schuld am Pyro-Chaos sind allein die Gästefans.", "blame"),
    ("en", "We rushed the launch and should have tested the oil on more people.", "liability"),
    ("en", "The club holds itself responsible for the crush.", "liability"),
    ("de", "Den Grenzwert haben wir schlicht nicht geprüft.", "liability"),
    ("de", "Der Ausfall ist darauf zurückzuführen, dass wir die Wartung verschoben haben.", "liability"),
    ("en", "Thursday's results will be completely error-free, you can count on it.", "over_promise"),
    ("de", "Doppelbuchungen sind künftig ausgeschlossen.", "over_promise"),
    ("de", "Das ist wirklich kaum der Rede wert.", "minimising"),
    ("en", "The club has nothing further to say about the video.", "no_comment"),
    ("de", "Wir bitten um Verständnis, dass wir uns zu den Vorwürfen gegen unseren Vorstand derzeit nicht äußern.",
     "no_comment"),
    ("de", "Es ist nicht auszuschließen, dass weitere Daten betroffen sind.", "speculation"),
    ("en", "The signal problems look like they're down to a power cut.", "speculation"),
    ("en", "The council will meet the extra fuel costs of every household.", "compensation"),
])
def test_rounds_twelve_and_thirteen_constructions_in_new_wording(language, text, rule):
    assert rule in rules_of(lint(f"{text} Next update at 14:30. {SOURCE}" if language == "en"
                                 else f"{text} Nächstes Update um 14:30 Uhr. {SOURCE}", language=language))


@pytest.mark.parametrize(("language", "text"), [
    ("en", "The 'appeal' on our page was posted by a scammer, not by us."),  # a warning, not an excuse
    ("en", "We apologise to every member whose claim was wrongly denied."),  # the member is no culprit
    ("en", "Any store will refund you, with or without a receipt."),  # a recall's ordinary return
    ("en", "Every passenger will get an e-mail offering a new flight or a refund."),
    ("en", "People have asked whether the collapse could have been prevented."),  # a question reported
    ("de", "Wir haben fahrlässig gehandelt, als wir diesen Dienstleister ohne Prüfung beauftragt haben."),
    ("de", "Wer eins zurückbringt, bekommt den Kaufpreis bar zurück."),
    ("de", "Bereits gekaufte Billette werden zurückerstattet."),
    ("de", "Vielleicht haben Sie die Screenshots aus unserem Chat gesehen."),
    ("de", "Kein Kommentar zu dem Video ist uns entgangen, danke fürs Melden."),
    ("de", "Unser Palmöl stammt von Lieferanten mit RSPO-Zertifizierung."),  # where goods come from, no cause
])
def test_harmless_uses_of_the_newest_constructions_stay_clean(language, text):
    findings = lint(f"{text} Next update at 14:30. {SOURCE}" if language == "en"
                    else f"{text} Nächstes Update um 14:30 Uhr. {SOURCE}", language=language)
    assert not [f for f in findings if f.rule not in ("apology", "liability")], findings


def test_a_refusal_after_a_restated_claim_is_its_own_finding():
    text = ("Im Internet heißt es, der Direktor sei abgetaucht. Dazu sagen wir nichts. "
            f"Nächstes Update um 14:30 Uhr. {SOURCE}")
    assert {"rumour", "no_comment"} <= set(rules_of(lint(text, language="de")))


def test_english_ing_forms_are_matched_by_their_verb():
    from app.statements.checks.lemmas import forms

    assert "fail" in forms("failing", "en")
    assert "blame" in forms("blaming", "en")
    assert "stop" in forms("stopping", "en")
    assert forms("evening", "en") == frozenset({"evening"})  # no verb form: "even" is another word


@pytest.mark.parametrize(("word", "verb"), [
    ("claimed", "claim"), ("asked", "ask"), ("confirmed", "confirm"), ("answered", "answer"), ("cancelled", "cancel"),
    ("travelling", "travel"), ("thanked", "thank"), ("fixing", "fix"), ("guarded", "guard"), ("closing", "close"),
    ("writing", "write"), ("rating", "rate"),
])
def test_english_forms_the_dictionary_gets_wrong_still_find_their_verb(word, verb):
    from app.statements.checks.lemmas import forms

    assert verb in forms(word, "en")


def test_a_real_verb_ending_in_e_keeps_its_own_lemma():
    from app.statements.checks.lemmas import forms

    assert forms("noted", "en") == frozenset({"noted", "note"})  # not "not": that would read as a negation
    assert "fir" not in forms("fired", "en")


@pytest.mark.parametrize(("language", "text", "rule"), [
    ("en", "The outage is the result of the hosting company failing to renew its certificates.", "blame"),
    ("en", "Our caterer swapped the oil in the recipe without telling us.", "blame"),
    ("en", "The leaked file was on the laptop of Petra Novak, who left it on a train.", "blame"),
    ("en", "Crowd safety on the concourse is the stadium operator's responsibility.", "blame"),
    ("en", "The council is responsible for this failure and apologises to residents.", "liability"),
    ("en", "Our cleaning team skipped the weekly checks of the cooling tower.", "liability"),
    ("en", "The engineers warned us about the roof and we postponed the repair.", "liability"),
    ("en", "We are unable to go into the background of the dispute.", "no_comment"),
    ("en", "It is not our practice to comment on ongoing negotiations.", "no_comment"),
    ("en", "A spokesperson declined to give details about the payment.", "no_comment"),
    ("en", "We are confident every branch will be open normally again by Monday.", "over_promise"),
    ("en", "From today no passenger will suffer a delay because of this system.", "over_promise"),
    ("en", "The timing of the withdrawals suggests an insider was involved.", "speculation"),
    ("en", "Our technicians reckon the frost cracked the pump.", "speculation"),
    ("en", "Some fans were told online that the match is fixed. That is not true.", "rumour"),
    ("en", "The fees involved represent a fraction of one per cent of what members paid.", "minimising"),
    ("en", "Complaints like these are extremely rare among the millions of journeys we run.", "minimising"),
    ("en", "Anyone charged twice will be made whole: we will make up the difference.", "compensation"),
    ("de", "Für die Leitungen ist ausschließlich der Netzbetreiber zuständig.", "blame"),
    ("de", "Die Ursache steckte in einem Modul eines externen Zulieferers.", "blame"),
    ("de", "Verantwortlich für die Ausschreitungen sind die Gästefans, nicht der Verein.", "blame"),
    ("de", "Der Fahrer hat die Route auf Anweisung der Disposition geändert.", "blame"),
    ("de", "Wir erkennen an, dass die Angaben falsch waren.", "liability"),
    ("de", "Für diese Panne stehen wir ein.", "liability"),
    ("de", "Für die beschädigten Fahrräder kommen wir selbstverständlich auf.", "compensation"),
    ("de", "Versprochen ist versprochen: Keine Kundin wird auch nur einen Cent verlieren.", "over_promise"),
    ("de", "Seien Sie versichert, am Standort wird niemandem etwas passieren.", "over_promise"),
    ("de", "Was in der Nachbarschaft erzählt wird, stimmt nicht.", "rumour"),
    ("de", "Berichte, die Filiale schließe, weisen wir zurück.", "rumour"),
    ("de", "Das fällt in der Praxis kaum ins Gewicht.", "minimising"),
    ("de", "Für Anwohner besteht praktisch keine Gefahr.", "minimising"),
    ("de", "Es tut mir leid, dass Sie so lange warten mussten.", "apology"),
    ("de", "Zu dieser Frage sagen wir zum jetzigen Zeitpunkt nichts.", "no_comment"),
    ("en", "The brakes were never inspected by the leasing company.", "blame"),
    ("en", "The warnings were there and we missed them.", "liability"),
    ("en", "The blame for the outage rests with Norland Rail alone.", "liability"),
    ("en", "Claims on TikTok that the pool water is toxic are untrue.", "rumour"),
    ("en", "Whatever the inspectors find, the park will reopen on Saturday.", "over_promise"),
    ("en", "We will put £40 into the account of every member affected.", "compensation"),
    ("en", "The disruption was confined to a couple of branches.", "minimising"),
    ("en", "It was a brief, isolated outage.", "minimising"),
    ("de", "Die Steuerung des Herstellers war fehlerhaft.", "blame"),
    ("de", "Die Angreifer kamen über den Laptop einer Praktikantin ins Netz.", "blame"),
    ("de", "Wir haben die Hinweise der Anwohner nicht ernst genug genommen.", "liability"),
    ("de", "Egal, was das Gutachten ergibt: Die Halle öffnet am Montag.", "over_promise"),
    ("de", "Betroffen ist ein kleiner Teil unserer Kundschaft.", "minimising"),
    ("de", "Es kam zu vereinzelten Störungen.", "minimising"),
    ("de", "Die Folgen halten sich in Grenzen.", "minimising"),
    ("de", "Wir zahlen jedem Haushalt 30 Euro.", "compensation"),
    ("de", "Dass es so weit kommen konnte, hat allein der Vermieter zu verantworten.", "blame"),
    ("de", "Dass die Halle schließt, wie in einer Chatgruppe behauptet wird, ist falsch.", "rumour"),
    ("de", "Im Vergleich zu anderen Anbietern sind wir kaum betroffen.", "minimising"),
    ("de", "Niemand muss sich künftig Sorgen um seine Daten machen.", "over_promise"),
    ("en", "Despite what you may have heard, the school is not closing.", "rumour"),
    ("en", "Compared with the size of the network, the outage was barely noticeable.", "minimising"),
])
def test_rounds_fourteen_and_fifteen_constructions_in_new_wording(language, text, rule):
    assert rule in rules_of(lint(f"{text} Next update at 14:30. {SOURCE}" if language == "en"
                                 else f"{text} Nächstes Update um 14:30 Uhr. {SOURCE}", language=language))


@pytest.mark.parametrize(("language", "text", "rule"), [
    ("en", "Ticket holders will be refunded automatically.", "compensation"),  # the price back, as any seller does
    ("en", "Matches until Saturday are cancelled and will be refunded.", "compensation"),
    ("en", "We'll credit the full price of the box to every customer who received it.", "compensation"),
    ("en", "No meters will be read at the wrong rate: we have paused them.", "liability"),  # "we" in another clause
    ("en", "Payments work again and no money has left any account.", "over_promise"),
    ("en", "We may have to say no to some requests; we cannot yet say how many.", "no_comment"),
    ("de", "Ihr Guthaben bleibt vollständig erhalten.", "compensation"),
    ("de", "Der Kaufpreis wird automatisch auf Ihr Konto erstattet.", "compensation"),
    ("de", "Den Betrag haben wir Ihnen bereits gutgeschrieben.", "compensation"),
    ("de", "Eine Entschuldigung für die Schule ist dafür nicht nötig.", "apology"),
    ("de", "Das Video kennt Ihr vermutlich schon.", "speculation"),
    ("de", "Wie lange das im Einzelfall dauert, sagen wir Ihnen am Telefon.", "minimising"),
    ("de", "Wer Geld überwiesen hat, geht bitte zur Polizei, das geht auch online.", "speculation"),
    ("de", "Wir stehen dafür ein, dass Sie informiert bleiben.", "liability"),
    ("en", "Riders will find a short note in the rider app when they next log in.", "blame"),
    ("en", "We are looking into reports that some parcels went to the wrong address.", "rumour"),
    ("de", "Sie zahlen weiterhin 20 Euro im Monat.", "compensation"),
    ("de", "Auf Anweisung der Polizei bleibt das Gelände gesperrt.", "blame"),  # an authority's order, no culprit
    ("de", "Die Entscheidung über die Wiedereröffnung trifft das Bauamt allein.", "blame"),
    ("en", "The school is responsible for the safety of every pupil on site.", "liability"),
    ("en", "Given the thousands of calls, please use the online form if you can.", "minimising"),
])
def test_harmless_uses_after_rounds_fourteen_and_fifteen_stay_clean(language, text, rule):
    findings = lint(f"{text} Next update at 14:30. {SOURCE}" if language == "en"
                    else f"{text} Nächstes Update um 14:30 Uhr. {SOURCE}", language=language)
    assert rule not in rules_of(findings), findings


@pytest.mark.parametrize("language", ["en", "de"])
def test_equal_terms_are_one_object_so_a_sentence_finds_them_once(language):
    # Positions are cached per sentence by term identity; a lexicon shared by many entries is looked up once.
    rules = load_rules(RULES_DIR / f"{language}.yml", language)
    terms = [term for rule in rules.values() for entry in (*rule.match, *rule.unless, *rule.cues)
             for term in entry.terms]
    identities: dict[object, set[int]] = {}
    for term in terms:
        identities.setdefault(term, set()).add(id(term))
    assert len(identities) < len(terms)  # some terms are shared (lexicons, common words)
    assert all(len(ids) == 1 for ids in identities.values())
