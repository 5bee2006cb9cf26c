"""Every shipped playbook drafts a holding statement in English and German from a realistic incident.

The incident is opened and its facts recorded in a real SQLite database; the draft is made the way the bot
makes it without a model (statement inputs from the record, the playbook's template for each channel).
Each draft must carry the six parts of a holding statement: empathy, confirmed facts, what is not yet
known, what is being done with the next update time, a commitment, and one source of information.
"""

from __future__ import annotations

import re

import pytest

from app.db import transaction
from app.decisions import service as decisions
from app.incidents import service as incidents
from app.statements.channels import CHANNELS
from app.statements.drafting import draft_statement
from app.statements.flows import draft_inputs
from app.statements.lint import lint
from app.statements.record import is_open_question
from app.tasks import service as tasks

COMPANY = "Nordwind Foods GmbH"
SOURCE = "https://nordwind.example/aktuell"
PRIVATE = "Jana Beispiel"

# playbook id -> (alert kind, severity, title, facts in English, facts in German)
INCIDENTS: dict[str, tuple[str, str, str, list[str], list[str]]] = {
    "generic": ("unknown-signal", "medium", "Unusual spike in brand mentions", [
        "Mentions of our brand rose sharply on Monday morning.",
        "Our response team has been working on it since 09:25 CET.",
    ], [
        "Die Erwähnungen unserer Marke sind am Montagmorgen stark gestiegen.",
        "Unser Krisenteam arbeitet seit 09:25 Uhr daran.",
    ]),
    "shitstorm": ("shitstorm", "high", "Backlash over the #WinterCampaign ad", [
        "Our winter campaign video was published on Friday at 18:00.",
        "We stopped all paid promotion of the video at 09:40 CET.",
    ], [
        "Unser Video zur Winterkampagne wurde am Freitag um 18:00 Uhr veröffentlicht.",
        "Alle bezahlte Werbung für das Video haben wir um 09:40 Uhr gestoppt.",
    ]),
    "viral-complaint": ("complaint", "high", "Customer video about a damaged delivery goes viral", [
        "The order was delivered on 21 November to a customer in Hamburg.",
        "Our customer service has contacted the customer directly.",
    ], [
        "Die Bestellung wurde am 21. November an einen Kunden in Hamburg geliefert.",
        "Unser Kundenservice hat den Kunden direkt kontaktiert.",
    ]),
    "account-compromise": ("hacked-account", "critical", "Instagram account posts crypto giveaway links", [
        "Our Instagram account published three unauthorised posts between 06:10 and 06:40 CET.",
        "We regained control of the account at 08:55 CET.",
    ], [
        "Unser Instagram-Konto hat zwischen 06:10 und 06:40 Uhr drei nicht autorisierte Beiträge veröffentlicht.",
        "Seit 08:55 Uhr haben wir das Konto wieder unter Kontrolle.",
    ]),
    "personal-data-breach": ("data-leak", "critical", "Customer list offered on a leak site", [
        "On 23 November we learned that customer contact data was offered on a website.",
        "The affected database was taken offline at 10:15 CET.",
    ], [
        "Am 23. November haben wir erfahren, dass Kontaktdaten von Kunden auf einer Website angeboten wurden.",
        "Die betroffene Datenbank wurde um 10:15 Uhr vom Netz genommen.",
    ]),
    "internal-document-leak": ("leaked-document", "high", "Restructuring memo published by a newspaper", [
        "A newspaper published an internal presentation dated October 2026.",
        "The presentation was prepared for an internal planning meeting.",
    ], [
        "Eine Zeitung hat eine interne Präsentation vom Oktober 2026 veröffentlicht.",
        "Die Präsentation wurde für eine interne Planungsbesprechung erstellt.",
    ]),
    "defamation": ("fake-news", "high", "False claim that our oat drink contains banned additives", [
        "Laboratory tests of the last 12 production batches found no such additives.",
        "We reported the posts to the platforms at 11:30 CET.",
    ], [
        "Laboruntersuchungen der letzten 12 Produktionschargen haben keine solchen Zusatzstoffe gefunden.",
        "Wir haben die Beiträge um 11:30 Uhr den Plattformen gemeldet.",
    ]),
    "deepfake": ("deepfake", "high", "Fake video of our CEO announcing store closures", [
        "The video was first posted on a video platform at 07:05 CET.",
        "Our CEO did not record or publish any such video.",
    ], [
        "Das Video wurde um 07:05 Uhr erstmals auf einer Videoplattform veröffentlicht.",
        "Unser CEO hat kein solches Video aufgenommen oder veröffentlicht.",
    ]),
    "impersonation": ("fake-account", "medium", "Fake support accounts ask customers for card details", [
        "We have found four accounts using our logo and name since Sunday.",
        "Our official support never asks for card details in direct messages.",
    ], [
        "Seit Sonntag haben wir vier Konten gefunden, die unser Logo und unseren Namen verwenden.",
        "Unser offizieller Kundenservice fragt in Direktnachrichten nie nach Kartendaten.",
    ]),
    "employee-misconduct": ("misconduct", "high", "Video of a rude exchange at a store checkout", [
        "The video shows a conversation at one of our stores in Cologne.",
        "The recording was made on 20 November.",
    ], [
        "Das Video zeigt ein Gespräch in einer unserer Filialen in Köln.",
        "Die Aufnahme entstand am 20. November.",
    ]),
    "product-recall": ("recall", "critical", "Glass fragments found in jars of tomato sauce", [
        "The affected jars carry the batch number L2311 and a best-before date of 05/2027.",
        "We stopped sales of the batch in all stores at 12:00 CET.",
    ], [
        "Die betroffenen Gläser tragen die Chargennummer L2311 und ein Mindesthaltbarkeitsdatum 05/2027.",
        "Den Verkauf der Charge haben wir um 12:00 Uhr in allen Filialen gestoppt.",
    ]),
    "service-outage": ("outage", "high", "Online shop unavailable", [
        "Our online shop has been unavailable since 14:05 CET.",
        "Orders placed before 14:05 CET are not affected.",
    ], [
        "Unser Onlineshop ist seit 14:05 Uhr nicht erreichbar.",
        "Bestellungen, die vor 14:05 Uhr aufgegeben wurden, sind nicht betroffen.",
    ]),
    "executive-scandal": ("executive-scandal", "critical", "Allegations against a board member", [
        "A magazine published allegations on 24 November.",
        "The supervisory board met at 16:00 CET.",
    ], [
        "Ein Magazin hat am 24. November Vorwürfe veröffentlicht.",
        "Der Aufsichtsrat ist um 16:00 Uhr zusammengekommen.",
    ]),
    "malware": ("malicious-link", "critical", "Facebook page sent links to a fake invoice download", [
        "Between 05:50 and 07:20 CET our Facebook page sent messages with a link to a file download.",
        "The link has been blocked since 08:05 CET.",
    ], [
        "Zwischen 05:50 und 07:20 Uhr hat unsere Facebook-Seite Nachrichten mit einem Download-Link verschickt.",
        "Der Link ist seit 08:05 Uhr gesperrt.",
    ]),
    "review-bombing": ("review-bombing", "high", "Hundreds of one-star reviews after the price change", [
        "Since Saturday, about 900 new reviews have been posted on two review platforms.",
        "We changed the prices of our subscription on 1 November.",
    ], [
        "Seit Samstag wurden auf zwei Bewertungsplattformen rund 900 neue Bewertungen veröffentlicht.",
        "Die Preise unseres Abonnements haben wir am 1. November geändert.",
    ]),
    "boycott": ("ngo-campaign", "high", "NGO calls for a boycott over palm oil sourcing", [
        "An environmental organisation started a petition on 22 November.",
        "Our palm oil comes from suppliers certified under the RSPO standard.",
    ], [
        "Eine Umweltorganisation hat am 22. November eine Petition gestartet.",
        "Unser Palmöl stammt von Lieferanten mit RSPO-Zertifizierung.",
    ]),
    "raid": ("raid", "critical", "Competition authority searches the Hamburg office", [
        "Officers of the competition authority arrived at our Hamburg office at 08:30 CET.",
        "Our legal team and outside counsel are on site.",
    ], [
        "Beamte der Wettbewerbsbehörde sind um 08:30 Uhr in unserem Hamburger Büro eingetroffen.",
        "Unsere Rechtsabteilung und externe Anwälte sind vor Ort.",
    ]),
}

EMPATHY = {
    "en": re.compile(r"\b(?:we understand|the concern\b|worrying|upset|unsettling|we regret|we know (?:how|this)|"
                     r"take (?:it|them|this|every \w+ \w+) (?:very )?seriously)", re.I),
    "de": re.compile(r"\b(?:wir verstehen|Sorge|beunruhig\w*|Empörung|bedauern|wir wissen, (?:wie|dass)|"
                     r"nehmen (?:sie|es|dies|das|jede \w+ \w+) (?:sehr )?ernst)", re.I),
}
UNKNOWN = {
    "en": re.compile(r"\bnot yet\b|\byet to\b|\bstill (?:establishing|reviewing|looking|verifying|checking)\b", re.I),
    "de": re.compile(r"\bnoch nicht\b|\b(?:klären|prüfen) (?:wir )?noch\b|\bbislang nicht\b|"
                     r"\bnoch (?:wissen|kennen) wir nicht\b", re.I),
}
ACTION = {
    "en": re.compile(r"\bwe are (?:\w+ )?\w+ing\b|\bwe have (?:\w+ )?(?:paused|removed|blocked|stopped|reported)\b|"
                     r"\bteams? (?:is|are) working\b|\bis being (?:reviewed|investigated|examined)\b", re.I),
    "de": re.compile(r"\bwir (?:prüfen|untersuchen|ergreifen|arbeiten|kooperieren|dämmen|entfernen|lesen|klären|"
                     r"gehen|sichern|stoppen|informieren|bitten|melden|nehmen)\b|\bteams? arbeite[nt]\b|"
                     r"\bwird (?:nach|derzeit) \w+", re.I),
}
COMMITMENT = {
    "en": re.compile(r"\bwe will\b|\bwe are committed\b", re.I),
    "de": re.compile(r"\bwir werden\b|\bwerden wir\b|\bwir stehen (?:für|zu)\b|\bwir (?:halten|informieren) Sie\b|"
                     r"\bwir hören zu\b", re.I),
}
NEXT_UPDATE = {"en": "Next update at ", "de": "Nächstes Update um "}
URL = re.compile(r"https?://[^\s)>\]]+")


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    from app.sandbox.harness import Sandbox

    sandbox = Sandbox(tmp_path_factory.mktemp("drafts"), serve=False, warroom_company_name=COMPANY,
                      warroom_info_source=SOURCE, warroom_timezone="Europe/Berlin")
    yield sandbox
    sandbox.close()


def drafted(box, playbook_id: str, language: str) -> tuple[dict[str, str], list[str], str]:
    """Open the incident, record its facts (and one private one), draft every channel: (texts, facts, next)."""
    kind, severity, title, facts_en, facts_de = INCIDENTS[playbook_id]
    playbook = box.core.playbooks.match(kind, {}, severity)
    assert playbook.id == playbook_id
    facts = facts_de if language == "de" else facts_en
    with transaction(box.core.engine) as session:
        incident = incidents.open_incident(session, playbook, title=title, kind=kind, severity=severity,
                                           source="social-listening", language=language)
        for fact in facts:
            decisions.add_fact(session, incident.id, f"public {fact}", by="U0SCRIBE")
        decisions.add_fact(session, incident.id, f"private The person filmed is {PRIVATE}", by="U0HR")
        incident_id = incident.id
    _, ctx, private = draft_inputs(box.core, incident_id)
    assert ctx.language == language and ctx.facts == facts and private == [f"The person filmed is {PRIVATE}"]
    result = draft_statement(ctx, template=lambda channel, values: playbook.render_statement(language, channel, values),
                             channels=list(CHANNELS), llm=None)
    assert result.method == "template"
    return result.variants, facts, ctx.next_update


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("playbook_id", sorted(INCIDENTS))
def test_draft_has_the_six_parts(box, playbook_id: str, language: str) -> None:
    variants, facts, next_update = drafted(box, playbook_id, language)
    assert set(variants) == set(CHANNELS)
    for channel, text in variants.items():
        where = f"{playbook_id} {language} {channel}"
        assert PRIVATE not in text, where
        assert COMPANY in text or channel in ("x", "staff"), where
        assert f"{NEXT_UPDATE[language]}{next_update}" in text, where  # 4. ... and when the next update comes
        assert [url for url in URL.findall(text) if not url.startswith(SOURCE)] == [], where  # 6. one source
        assert SOURCE in text, where
        limit = CHANNELS[channel]
        assert limit is None or len(text) <= limit, where
        assert lint(text, language=language, channel=channel, next_update=next_update, info_source=SOURCE) == [], where
        if channel == "x":
            continue
        assert EMPATHY[language].search(text), f"{where}: no empathy"  # 1.
        assert all(fact in text for fact in facts), f"{where}: facts missing"  # 2.
        assert UNKNOWN[language].search(text), f"{where}: nothing said about what is not yet known"  # 3.
        assert ACTION[language].search(text), f"{where}: no action"  # 4.
        assert COMMITMENT[language].search(text), f"{where}: no commitment"  # 5.
        order = [text.index(facts[0]), text.index(NEXT_UPDATE[language]), text.rindex(SOURCE)]
        assert order == sorted(order), f"{where}: facts, then the next update, then the source"


def test_every_shipped_playbook_has_a_realistic_incident(box) -> None:
    assert set(INCIDENTS) == set(box.core.playbooks.ids())


# --- drafts from the record: what was done, what is still open, and nothing the record contradicts ----------------

DECIDED = {"en": "Answer every enquiry with a link to the information page",
           "de": "Jede Anfrage mit einem Link auf die Informationsseite beantworten"}
CLAIMED_DONE = {
    "en": re.compile(r"\bwe have (?:\w+ )?(?:paused|stopped|removed|blocked|deleted|suspended|recalled|contacted|"
                     r"reported|informed|secured|restored|reset|changed|taken|withdrawn|notified)\b", re.I),
    "de": re.compile(r"\bhaben wir\b[^.]{0,80}\b(?:angehalten|gestoppt|entfernt|gesperrt|gelöscht|zurückgerufen|"
                     r"kontaktiert|gemeldet|informiert|gesichert|wiederhergestellt|zurückgesetzt|geändert|"
                     r"genommen|benachrichtigt)\b", re.I),
}


def drafted_from_record(box, playbook_id: str, language: str, *, facts: bool = True, work: bool = True):
    """Like ``drafted``, and (``work``) the playbook's first two tasks completed and one decision logged:
    (texts, facts, actions the record holds)."""
    kind, severity, title, facts_en, facts_de = INCIDENTS[playbook_id]
    playbook = box.core.playbooks.match(kind, {}, severity)
    confirmed = (facts_de if language == "de" else facts_en) if facts else []
    with transaction(box.core.engine) as session:
        incident = incidents.open_incident(session, playbook, title=title, kind=kind, severity=severity,
                                           source="social-listening", language=language)
        for fact in confirmed:
            decisions.add_fact(session, incident.id, f"public {fact}", by="U0SCRIBE")
        if work:
            decisions.log_decision(session, incident.id, DECIDED[language], by="U0LEAD")
            for task in [t for t in tasks.for_incident(session, incident.id) if not is_open_question(t.title)][:2]:
                tasks.complete(session, task.id, by="U0LEAD", incident_id=incident.id)
        incident_id = incident.id
    _, ctx, _ = draft_inputs(box.core, incident_id)
    result = draft_statement(ctx, template=lambda channel, values: playbook.render_statement(language, channel, values),
                             channels=list(CHANNELS), llm=None)
    return result.variants, confirmed, ctx


def sentences(text: str) -> list[str]:
    return [s.strip(" -") for line in text.splitlines() for s in re.split(r"(?<=[.!?])\s+", line) if s.strip(" -")]


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("playbook_id", sorted(INCIDENTS))
def test_draft_names_the_work_done_from_the_record_and_keeps_the_six_parts(box, playbook_id, language) -> None:
    variants, facts, ctx = drafted_from_record(box, playbook_id, language)
    actions = ctx.actions_done
    assert len(actions) == 3 and actions[0] == DECIDED[language]  # the decision, then the two completed tasks
    for channel, text in variants.items():
        where = f"{playbook_id} {language} {channel}"
        limit = CHANNELS[channel]
        assert limit is None or len(text) <= limit, where
        assert f"{NEXT_UPDATE[language]}{ctx.next_update}" in text, where
        assert lint(text, language=language, channel=channel, next_update=ctx.next_update, info_source=SOURCE) == [], \
            where
        if channel == "x":
            continue
        for action in actions:
            assert action.rstrip(".…")[:60] in text, f"{where}: the completed step {action!r} is missing"
        assert EMPATHY[language].search(text) and UNKNOWN[language].search(text), where
        assert ACTION[language].search(text) and COMMITMENT[language].search(text), where
        assert all(fact in text for fact in facts) and SOURCE in text, where


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("playbook_id", sorted(INCIDENTS))
def test_no_sentence_says_unknown_what_a_confirmed_public_fact_answers(box, playbook_id, language) -> None:
    """Without facts a draft says specifically what is not yet known; once public facts are confirmed, those
    sentences (which a fact may now answer) give way to what the record holds."""
    blind, _, _ = drafted_from_record(box, playbook_id, language, facts=False, work=False)
    informed, facts, _ = drafted_from_record(box, playbook_id, language)
    for channel in CHANNELS:
        if channel == "x":
            continue
        # the record's own open questions (and their heading) may stand in both: they come from the record
        specific = {s for s in sentences(blind[channel]) if UNKNOWN[language].search(s) and s[-1] not in ":?"}
        stale = [s for s in sentences(informed[channel]) if s in specific]
        assert stale == [], f"{playbook_id} {language} {channel}: {stale}"


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("playbook_id", sorted(INCIDENTS))
def test_no_fixed_sentence_claims_a_step_the_record_does_not_show(box, playbook_id, language) -> None:
    """With nothing done yet, a draft claims no completed step: "we have paused ..." comes only from the record."""
    variants, facts, ctx = drafted_from_record(box, playbook_id, language, work=False)
    assert ctx.actions_done == []
    for channel, text in variants.items():
        claims = [s for s in sentences(text) if CLAIMED_DONE[language].search(s) and s not in facts]
        assert claims == [], f"{playbook_id} {language} {channel}: {claims}"
