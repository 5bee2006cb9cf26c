"""The statement linter's structural checks on realistic texts: a reply's next step, the next update, names.

Each case is a whole reply or statement as a comms team writes it, linted through ``lint``; the case says
whether the check must stay quiet. The cases name the general forms the checks read (a moment ahead for the
person, a reader's option, work only under way on our side, a timestamp against a deadline), not wording
taken from the labelled corpus.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.statements.lint import lint

SOURCE = "https://status.example/news"


def rules_of(text: str, language: str, **options: object) -> set[str]:
    return {finding.rule for finding in lint(text, language=language, **options)}


# (language, reply, offers a next step)
REPLIES = [
    # a moment ahead at which something reaches the person
    ("en", "Hi Mo, your replacement card is in the post and should reach you by Friday.", True),
    ("en", "Hi Sue, your refund lands within five working days.", True),
    ("en", "Hi Sue, refunds usually take 3-5 working days.", True),
    ("en", "Hi Kit, the pool reopens on Saturday.", True),
    ("en", "Hi Sam, the new timetable starts next Monday.", True),
    ("de", "Hallo Jana, Deine Ersatzkarte kommt bis Freitag per Post.", True),
    ("de", "Hallo Sam, die Erstattung ist innerhalb von fünf Werktagen auf Ihrem Konto.", True),
    ("de", "Hallo Eva, das Bad öffnet am Samstag wieder.", True),
    ("de", "Hallo Sam, der Techniker kommt morgen zwischen 8 und 12 Uhr.", True),
    # ... but not a report of what happened, the span of a state, a wish or whose thing it is
    ("en", "Hi Kit, the pool reopened this morning.", False),
    ("en", "Hi Dana, the outage ran from Monday to Wednesday.", False),
    ("en", "Have a good Friday, Lou!", False),
    ("en", "Hi Sam, the recall affects Tuesday's deliveries only.", False),
    ("de", "Hallo Eva, das Bad hat heute früh wieder geöffnet.", False),
    ("de", "Die Störung dauerte von Montag bis Mittwoch, Jan.", False),
    ("de", "Danke, Sam. Schönen Sonntag noch!", False),
    # what the person can do or will see, unless negated or said of someone else
    ("en", "Hi Jas, you can cancel the booking free of charge in the app until midnight.", True),
    ("en", "Hi Meg, you'll get a text when the driver is ten minutes away.", True),
    ("en", "Hi Jordan, it's worth switching on two-step login under Settings > Security.", True),
    ("en", "Hi Raj, you won't be charged twice.", False),
    ("en", "We can't go into staffing matters here, Pat.", False),
    ("de", "Hallo Herr Beck, Sie können den Termin in der App kostenlos verschieben.", True),
    ("de", "Hallo Sam, Du bekommst eine SMS, sobald der Fahrer unterwegs ist.", True),
    ("de", "Hallo Sam, den Status siehst Du jederzeit in der App.", True),
    ("de", "Hallo Herr Beck, sie können leider nichts dafür.", False),
    # an instruction, also with the German verb last or after "bitte" inside the clause
    ("en", "Bin the sachet if anyone at home is allergic, Holly.", True),
    ("de", "Hallo Kim, das Formular bitte bis Freitag ausfüllen.", True),
    ("de", "Taschen bitte klein halten, im Stadion wird kontrolliert.", True),
    ("de", "Für heute schau bitte in der App, wer liefert.", True),
    # a word that nothing is left to do closes the matter
    ("en", "Hi Ola, there's nothing you need to do – your account was never affected.", True),
    ("de", "Hallo Ole, Sie müssen nichts weiter tun, Ihr Konto war nicht betroffen.", True),
    # work that is only under way on our side, thanks and passing it on leave the person nowhere to go
    ("en", "Hi Ben, we're investigating the outage right now.", False),
    ("en", "Hi Ben, we're looking into the meter readings now.", False),
    ("en", "Thanks for getting in touch, Ravi.", False),
    ("en", "Sorry, Al, we've passed this on to the team.", False),
    ("de", "Hallo Ole, wir prüfen die Abrechnung gerade.", False),
    ("de", "Hallo Frau Arslan, wir schauen uns die Sperrungen gerade genau an.", False),
    ("de", "Hallo Sam, wir haben das an das Team weitergegeben.", False),
    # to a reply, hours when someone is there for the person are somewhere to go
    ("en", "Hi Gemma, if you'd like to move, our rep is in the lobby from 8am to 8pm.", True),
    # a promise to come back is a step
    ("en", "Hi Al, we'll email you once your order ships.", True),
    ("en", "Thanks Kev. We'll share more at 10am tomorrow.", True),
    ("de", "Hallo Sam, wir melden uns per Mail, sobald Ihre Bestellung verschickt ist.", True),
    ("de", "Hallo Gerd, das E-Paper holen wir nach.", True),
]


@pytest.mark.parametrize(("language", "reply", "has_step"), REPLIES)
def test_a_reply_has_a_next_step_when_the_person_knows_what_comes_next(language, reply, has_step):
    found = rules_of(reply, language, mode="reply")
    assert ("missing_next_step" not in found) is has_step, found


def test_a_missing_next_step_is_a_warning_with_its_message():
    findings = [f for f in lint("Hi Femi, we're looking into the wallet transfers now.", language="en",
                                mode="reply") if f.rule == "missing_next_step"]
    assert len(findings) == 1
    assert findings[0].severity == "warning"
    assert "next step" in findings[0].message


# (language, statement, names its next update)
STATEMENTS = [
    # a timestamp says since when a figure holds; a deadline after it names the next status
    ("de", "Kartenzahlung gestört. Stand: 14 Uhr. Infos: https://status.example/news", False),
    ("de", "Kartenzahlung gestört. Stand 10.15 Uhr – https://status.example/news", False),
    ("de", "Kartenzahlung gestört. Stand bis 16 Uhr unter https://status.example/news", True),
    ("de", "Kartenzahlung gestört. Nächster Stand: 16 Uhr, https://status.example/news", True),
    ("de", "Wir prüfen die Kasse. Zwischenstand am 19. Dezember unter https://status.example/news", True),
    ("en", "Card payments are down. Status as of 2pm: https://status.example/news", False),
    ("en", "Card payments are down. Next update by 3pm: https://status.example/news", True),
    # a span or a short weekday deadline after a lead or a colon
    ("en", "Card payments: fixed as of 2.40pm. Details within 48 hrs → https://status.example/news", True),
    ("en", "Payments work again. What went wrong: within 48 hours at https://status.example/news", True),
    ("en", "A presenter is off air. Terms of reference by Mon: https://status.example/news", True),
    # a recurring time is a schedule
    ("en", "Check-in is by hand. Our status page is at https://status.example/news, updated at noon each day.",
     True),
    ("de", "Die Hotline ist überlastet. Lagebild täglich um 12 Uhr auf https://status.example/news", True),
    # a sentence cut after a weekday's abbreviation is read whole
    ("de", "Kein Kommentar, solange das Präsidium berät. Entscheidung am Do. bis 18 Uhr: https://status.example/news",
     True),
    ("de", "Das Präsidium entscheidet am Do. über den Vertrag – bis 18 Uhr hier: https://status.example/news", True),
    # what people will learn and when
    ("de", "Wie es weitergeht, erfahren Sie am Mittwoch bis 15 Uhr unter https://status.example/news", True),
    # a closing notice needs none, even where it names the last update; a report of the last one is no next one
    ("en", "The notice is lifted. This is our last update on this matter; results at https://status.example/news",
     True),
    ("de", "Die Warnung ist aufgehoben. Dies ist unsere letzte Meldung dazu: https://status.example/news", True),
    ("en", "Card payments are down. The last update was posted at 7:15 on https://status.example/news", False),
    # ... and what is no next update
    ("en", "Our payment service failed at 09:10 and was restored at 10:30. More at https://status.example/news",
     False),
    ("en", "We'll be back in touch as soon as we know more. https://status.example/news", False),
    ("en", "Updates on our site: https://status.example/news", False),
    ("de", "Um 9:10 Uhr fiel unsere Website aus; seit 10:30 Uhr läuft sie wieder. Mehr auf https://status.example/news",
     False),
    ("de", "Sobald wir mehr wissen, melden wir uns. https://status.example/news", False),
    ("de", "Die Kundgebung am Samstag verlief friedlich. https://status.example/news", False),
    ("en", "The helpline is open daily from 8am to 8pm: https://status.example/news", False),
    ("de", "Die Hotline ist täglich von 8 bis 20 Uhr erreichbar: https://status.example/news", False),
]


@pytest.mark.parametrize(("language", "text", "names_update"), STATEMENTS)
def test_the_next_update_is_a_moment_ahead_not_a_timestamp(language, text, names_update):
    found = rules_of(text, language, info_source=SOURCE)
    assert ("missing_next_update" not in found) is names_update, found


def test_a_date_already_past_names_no_next_status():
    text = "Wir prüfen die Kasse. Zwischenstand am 19. Dezember unter https://status.example/news"
    assert "missing_next_update" not in rules_of(text, "de", now=datetime(2026, 12, 1, tzinfo=UTC))
    assert "missing_next_update" in rules_of(text, "de", now=datetime(2026, 12, 20, tzinfo=UTC))


@pytest.mark.parametrize(("language", "text", "fact", "flagged"), [
    ("en", "The Main Hall bar and box office remain open.", "Audience member in hospital: Daniel Hall", False),
    ("en", "Several customers reported a smell in our Fields Road store.", "First report by customer Tom Fields",
     False),
    ("en", "Mr Hall is recovering at home.", "Audience member in hospital: Daniel Hall", True),
    ("en", "Daniel is recovering at home.", "Audience member in hospital: Daniel Hall", True),
    ("de", "Die Spende von Frau von Kessel ist dem Projekt zugewiesen.", "Großspenderin: Irmgard von Kessel", True),
    ("de", "Der Notstrom für Familie Wendts Gerät ist angekommen.", "Patientin: Erika Wendt", True),
    ("de", "Dank Schichtleiter Ferrante war das Feuer schnell gelöscht.", "Schichtleiter Marco Ferrante", True),
    # The description before a colon names nobody: its nouns are no name in German.
    ("de", "Ein Bewohner wird im Krankenhaus behandelt.", "Ins Krankenhaus gebrachter Bewohner: Heinrich Kösters",
     False),
    ("de", "Herr Kösters wird im Krankenhaus behandelt.", "Ins Krankenhaus gebrachter Bewohner: Heinrich Kösters",
     True),
])
def test_a_private_name_is_found_by_its_parts_but_not_inside_another_name(language, text, fact, flagged):
    findings = [f for f in lint(text, language=language, private_terms=[fact]) if f.rule == "private_name"]
    assert bool(findings) is flagged, findings
