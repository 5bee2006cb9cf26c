"""Statement linter: constructions the rules learnt from held-out rounds 19 to 29, in wording of their own.

Each case is written fresh for the construction (not copied from the round), with a next update and a source
around it so that only the construction itself is judged; the harmless uses next to them must stay clean.
"""

from __future__ import annotations

import pytest

from app.statements.lint import lint

SOURCE = "https://acme.example/status"


def findings(text: str, language: str) -> set[str]:
    suffix = f" Next update at 14:30. {SOURCE}" if language == "en" else f" Nächstes Update um 14:30 Uhr. {SOURCE}"
    return {finding.rule for finding in lint(text + suffix, language=language)}


@pytest.mark.parametrize(("language", "text", "rule"), [
    # Refusals in the German verb bracket, and refusals to share what is known.
    ("de", "Zu den Ursachen nimmt die Geschäftsleitung bis auf Weiteres keine Stellung.", "no_comment"),
    ("de", "Der Verband äußert sich zu den Zahlen aus dem Bericht nicht.", "no_comment"),
    ("de", "Zu den Messwerten gibt das Labor vorerst nichts heraus.", "no_comment"),
    ("de", "Mit Rücksicht auf das Verfahren können wir uns zum Ablauf nicht äußern.", "no_comment"),
    ("en", "The trust is not in a position to share how the records left the building.", "no_comment"),
    ("en", "We do not comment on internal matters.", "no_comment"),
    # Blame: the cause traced to the public or another party, or named as their work.
    ("de", "Die Schäden gehen darauf zurück, dass Kunden die Geräte falsch angeschlossen haben.", "blame"),
    ("de", "Der Vermieter hat seit Monaten nichts unternommen.", "blame"),
    ("de", "Verantwortlich für den Ausfall ist allein Schichtleiter Peters.", "blame"),
    ("en", "The barrier had been installed by our fencing contractor.", "blame"),
    ("en", "The council had every chance to prevent this, and that's on them.", "blame"),
    # Liability owned across a clause, by name or as the institution.
    ("en", "The responsibility for the delays rests with us.", "liability"),
    ("en", "The lost bookings were Harbour Rail's mistake.", "liability"),
    ("en", "The firm is responsible for the damage its trucks caused.", "liability"),
    ("de", "Das war eine Fehlentscheidung der Geschäftsführung.", "liability"),
    ("de", "Die Entscheidung war falsch, und ich habe sie getroffen.", "liability"),
    ("de", "Die Technik geht davon aus, dass ein Ventil undicht war.", "speculation"),
    ("de", "Dein Geld kriegst du von uns zurück.", "compensation"),
    # Minimising as routine, a hiccup or a trifle.
    ("de", "Ein paar Kratzer, mehr ist zum Glück nicht passiert.", "minimising"),
    ("de", "Das kommt in älteren Häusern immer wieder einmal vor.", "minimising"),
    ("de", "Es ging um Kleinigkeiten.", "minimising"),
    ("en", "It was only a two-hour outage.", "minimising"),
    ("en", "Yesterday's blip is behind us.", "minimising"),
    ("en", "A small number of riders were affected.", "minimising"),
    # Over-promises of certainty.
    ("de", "In den übrigen Filialen können wir eine Gefahr ausschließen.", "over_promise"),
    ("de", "Die Kinder sind dort in jedem Fall geschützt.", "over_promise"),
    ("en", "Your data could not be in safer hands.", "over_promise"),
    ("en", "The new lock eliminates any risk of a repeat.", "over_promise"),
    # Rumours and speculation.
    ("de", "Was seit Tagen im Netz rumgeht, ist erfunden.", "rumour"),
    ("de", "Diese Behauptung ist falsch.", "rumour"),
    ("en", "Messages saying that the school will close are not true.", "rumour"),
    ("en", "The leak looks to have started in the plant room.", "speculation"),
    # Compensation for costs incurred, to make up for it, or on us.
    ("de", "Die Ihnen entstandenen Mahngebühren übernehmen wir.", "compensation"),
    ("de", "Die Übernachtung geht selbstverständlich auf unsere Kosten.", "compensation"),
    ("en", "To make up for it, we will waive next month's fee.", "compensation"),
    ("en", "We'll get you a table for two on us.", "compensation"),
    # Constructions from round 20, tuned on once round 21 was being written.
    ("de", "Im Forum wird behauptet, wir hätten Daten verkauft. Das ist nicht richtig.", "rumour"),
    ("de", "In einigen Gruppen liest man, die Filiale schließe. Das ist frei erfunden.", "rumour"),
    ("de", "Einen solchen Ausfall wird es bei uns nicht mehr geben.", "over_promise"),
    ("de", "Mit dem neuen Filter sind die Anlagen gegen jede Verunreinigung geschützt.", "over_promise"),
    ("de", "Als Dankeschön schalten wir Ihnen drei Monate kostenlos frei.", "compensation"),
    ("de", "Zu jeder Rücksendung gibt es zusätzlich einen Gutschein.", "compensation"),
    ("de", "Die Techniker haben die Anlage nicht gewartet, obwohl der Wartungsvertrag das vorsieht.", "blame"),
    ("en", "Your lunch is on us next time.", "compensation"),
    ("en", "We're knocking $10 off your next bill.", "compensation"),
    ("en", "Her flights will be taken care of by us.", "compensation"),
    ("en", "The pump was serviced last spring by our maintenance contractor.", "blame"),
    ("en", "It happened because several visitors chose to climb the fence.", "blame"),
    ("en", "The alert went to our hosting provider, which did not pass it on.", "blame"),
    ("en", "Our working theory is that a valve failed.", "speculation"),
    ("en", "Update: looks like the pump tripped overnight.", "speculation"),
    ("en", "That was a failure of leadership.", "liability"),
    ("en", "We can promise that there will be no more delays this winter.", "over_promise"),
    ("en", "Please accept our sincere regrets.", "apology"),
    ("en", "The bug affected one small part of the app.", "minimising"),
    ("en", "There is next to no risk to residents.", "minimising"),
    ("en", "Please ignore the chatter on local Facebook groups.", "rumour"),
    ("en", "The video saying the store will close isn't true.", "rumour"),
    ("en", "Early tests point to a faulty valve.", "speculation"),
    ("en", "The flooding happened because Harbour Water failed to clear the drains.", "blame"),
    ("en", "The shelf fell after forklift driver Sam Price reversed into an upright.", "blame"),
    ("en", "Nothing on our side failed.", "blame"),
    ("en", "That was the cleaning contractor's crew, not Acme staff.", "blame"),
    ("en", "Anyone who paid a fee ignored the warning on our website.", "blame"),
    ("de", "Die Verunreinigung ist beim Zulieferer in die Ware gelangt.", "blame"),
    ("de", "Wegen falsch geparkter Autos kam der Bus nicht durch.", "blame"),
    ("de", "Den Streik hat allein die Gewerkschaft zu verantworten.", "blame"),
    ("de", "Kollege Berger hatte das Update trotz mehrfacher Erinnerung nicht eingespielt.", "blame"),
    ("en", "Everyone on the cancelled flight gets a return trip on us.", "compensation"),
    ("en", "Every member can claim two complimentary tickets.", "compensation"),
    ("de", "Wir laden alle Betroffenen auf einen Kaffee ein.", "compensation"),
    ("de", "Wir schenken dir drei Monate Premium.", "compensation"),
    ("de", "Wir ersetzen allen Geschädigten den Betrag.", "compensation"),
    ("de", "Die Übernachtung erfolgt auf Kosten des Hotels.", "compensation"),
    ("de", "Alle Gäste erhalten als Dank für ihre Geduld eine Saisonkarte.", "compensation"),
    ("de", "Danach wird kein Gast mehr im Zug festsitzen.", "over_promise"),
    ("de", "Mit dem neuen Schlüssel ist das Konto vor jedem Angriff sicher.", "over_promise"),
    ("de", "Nach der Reinigung ist die Küche garantiert keimfrei.", "over_promise"),
    ("de", "Damit ist ein solcher Ausfall ausgeschlossen.", "over_promise"),
    ("de", "Die Beiträge hat kaum jemand gesehen.", "minimising"),
    ("de", "So etwas passiert auch in den besten Familien.", "minimising"),
    ("de", "Am Ende waren es ein paar Minuten Verspätung.", "minimising"),
    ("de", "Für die allermeisten Kunden ist das unbedenklich.", "minimising"),
    ("de", "Unter Eltern macht die Runde, die Schule bleibe zu. Dem ist nicht so.", "rumour"),
    ("de", "Dass wir verkauft werden, wie es auf Reddit heißt, trifft nicht zu.", "rumour"),
    ("de", "In Chatgruppen kursiert die Behauptung, wir seien pleite. Das ist frei erfunden.", "rumour"),
    ("en", "The spill was a drop in the bucket for a river that size.", "minimising"),
    ("en", "The damage is confined to one short stretch of the bank.", "minimising"),
    ("en", "The cause falls outside what the council is able to discuss.", "no_comment"),
    ("en", "We do not intend to discuss the investigation.", "no_comment"),
    ("en", "You may have heard talk that we will close the depot. There is no such plan.", "rumour"),
    ("en", "The posts saying the water is unsafe are false.", "rumour"),
    ("en", "The chance of this ever happening again is vanishingly small.", "minimising"),
    ("en", "This was an isolated clerical slip.", "minimising"),
    ("en", "The post was online for only a few hours.", "minimising"),
    ("en", "Show your receipt for a $20 credit in our shops.", "compensation"),
    ("en", "As a token of our appreciation, we have added points to your account.", "compensation"),
    ("en", "The outage began after Tom Reid skipped the restart checks.", "blame"),
    ("en", "The scam worked because people didn't check the web address.", "blame"),
    ("en", "That was management's failure, not his.", "liability"),
    ("en", "Please accept the council's regrets.", "apology"),
    ("de", "Ein Mitarbeiter hat beim Umfüllen das falsche Ventil geöffnet.", "blame"),
    ("de", "Die Täter kamen über das Login unseres Praktikanten in den Kanal.", "blame"),
    ("de", "Wer ohne Besichtigung Geld überweist, ist selbst ein wenig naiv.", "blame"),
    ("de", "Als Ausgleich schreiben wir allen Haushalten 40 Euro gut.", "compensation"),
    ("de", "Für diese Tage berechnen wir Ihnen kein Wassergeld.", "compensation"),
    ("de", "Die Genossenschaft übernimmt Ihre verlorene Kaution.", "compensation"),
    ("de", "Kaffee und Kuchen gehen auf uns.", "compensation"),
    ("de", "Diesen Fehler nehmen wir auf uns.", "liability"),
    ("de", "Das war ein Versäumnis der Verwaltung.", "liability"),
    ("de", "Drei Fälle bei 5.000 Geräten sind wirklich eine Ausnahme.", "minimising"),
    ("de", "Unsere Konten sind ab heute unknackbar.", "over_promise"),
    ("de", "Die Sprachnachricht, die in Gruppen geteilt wird, stimmt nicht.", "rumour"),
    ("de", "Mehrere Accounts verbreiten, wir würden schließen. Das ist nachweislich falsch.", "rumour"),
    ("en", "We'd like to treat you to lunch.", "compensation"),
    ("en", "We've added free data to your plan as our way of saying thank you.", "compensation"),
    ("en", "To make it right, every customer gets 20% off this weekend.", "compensation"),
    ("en", "We'll send you a £30 gift card for the trouble.", "compensation"),
    ("en", "The fire was caused by Acme's failure to service the boiler.", "blame"),
    ("en", "Had the warnings been heeded, nobody would have been inside the tent.", "blame"),
    ("en", "The hackers got in through a third-party app.", "blame"),
    ("en", "The flood came from a drain on a neighbouring farm.", "blame"),
    ("de", "Der Fahrer ist trotz blinkendem Rotlicht über den Übergang gefahren.", "blame"),
    ("de", "Die Gewerkschaft trägt den Konflikt auf dem Rücken der Familien aus.", "blame"),
    ("de", "Die Schulen starteten gleichzeitig statt gestaffelt, wie wir es empfohlen hatten.", "blame"),
    ("de", "Den Schaden ersetzen wir aus Kulanz.", "compensation"),
    ("de", "Die Autowäsche übernehmen wir.", "compensation"),
    ("de", "Wir haben der Familie einen Einkaufsgutschein angeboten.", "compensation"),
    ("de", "Wir bedauern sehr, dass Ihre Reise so begonnen hat.", "apology"),
    ("de", "Da haben wir bei der Planung geschlampt.", "liability"),
    ("de", "Die verdorbene Ware hätte unsere Kontrolle nie passieren dürfen.", "liability"),
    ("de", "Eine Gefahr besteht praktisch nicht.", "minimising"),
    ("de", "Daraus muss man kein großes Drama machen.", "minimising"),
    ("de", "Zu internen Abläufen sagen wir nichts.", "no_comment"),
    # Learnt from round 24: rumours denied across a long aside, or as what is said online.
    ("en", "Messages on neighbourhood WhatsApp groups claiming that the school kitchen has been shut by inspectors "
           "since the spring and that parents were never told are untrue.", "rumour"),
    ("en", "The screenshots saying our drivers will strike next week aren't right.", "rumour"),
    ("en", "Many of you have heard that the pool will close for good. This is not the case.", "rumour"),
    ("en", "Some of you will have seen claims that we are selling the club. Neither is true.", "rumour"),
    ("de", "Die Behauptung, das Werk habe die Messwerte über Wochen geschönt und Anwohner bewusst getäuscht, ist "
           "frei erfunden.", "rumour"),
    ("de", "Nein, der Bus hatte keine abgefahrenen Reifen, das wird auf Facebook nur behauptet.", "rumour"),
    # Blame laid on another party's refusal or outage, or on someone who ignored the warnings.
    ("en", "The boil notice lasted two days because the regional grid operator declined our request for a bypass.",
     "blame"),
    ("en", "Card payments failed because of an outage at our payment processor.", "blame"),
    ("de", "Die Rabattaktion hat die Konzernzentrale so vorgegeben, wir haben das nur umgesetzt.", "blame"),
    ("de", "Einige Gäste sind trotz unserer Sturmwarnung auf den Steg gegangen.", "blame"),
    ("de", "Dafür kann das Küchenteam nichts.", "blame"),
    ("de", "Der Schadcode kam über eine Rechnung, die jemand aus dem Einkauf geöffnet hat.", "blame"),
    ("de", "Unser Buchhalter hat die gefälschte Mail geöffnet.", "blame"),
    # Played down as a delay rather than an emergency, as useless to anyone, or as one case out of thousands.
    ("en", "It was a stoppage, not an emergency, and nobody was hurt.", "minimising"),
    ("en", "The exported list would be of little use to fraudsters.", "minimising"),
    ("en", "One late delivery out of the thousands we make every week is not a pattern.", "minimising"),
    # Gifts in any currency and for the trouble; a gift handed over.
    ("en", "We're adding a ₹1,500 shopping voucher to every affected account.", "compensation"),
    ("en", "For the hassle, we've put $20 cashback in your wallet.", "compensation"),
    ("en", "To say sorry, we are applying a £40 credit to your next bill.", "compensation"),
    ("de", "Der Bürgermeister hat der Familie einen Gutschein für das Hallenbad überreicht.", "compensation"),
    # Learnt from round 25: blame by a named person's choice, by insinuation or by asking another party to explain.
    ("en", "Had Marcus called the duty engineer at once, the pumps would have been running by noon.", "blame"),
    ("en", "Olivia Grant disabled the alarm before the weekend.", "blame"),
    ("en", "Tom Reyes approved the change at midnight without the usual review.", "blame"),
    ("en", "Had the handover checklist been followed, the valve would have been closed.", "blame"),
    ("en", "Readers can draw their own conclusions.", "blame"),
    ("en", "That contract is where the problems started.", "blame"),
    ("en", "We have asked the caterer to explain why the fridge was switched off.", "blame"),
    ("en", "The mistake in the payroll run is his.", "blame"),
    # Liability owned as a duty left undone, and outcomes promised as certain.
    ("en", "Those boilers were ours to maintain, and we'll answer for it.", "liability"),
    ("en", "We did not do our job on the north stand.", "liability"),
    ("en", "Whatever the consequences turn out to be, they belong to us.", "liability"),
    ("en", "Your refund is guaranteed to arrive by Friday.", "over_promise"),
    ("en", "The parcel will 100% reach you tomorrow.", "over_promise"),
    ("en", "Last night was the last time this will happen.", "over_promise"),
    ("en", "Nothing like this can ever happen at the pool again.", "over_promise"),
    ("en", "Every risk on the slide has been engineered out.", "over_promise"),
    ("en", "You can send your children back without a second thought.", "over_promise"),
    # Played down, and rumours named as what is going round.
    ("en", "A few late trains, but no harm done.", "minimising"),
    ("en", "It looked much worse than it was.", "minimising"),
    ("en", "There is nothing for parents at the school to worry about.", "minimising"),
    ("en", "The fox was never much of a danger to the hens next door.", "minimising"),
    ("en", "Yesterday was a scheduling wrinkle rather than a cancellation.", "minimising"),
    ("en", "The voice note going round the estate is wrong about the fire.", "rumour"),
    ("en", "What's being passed around on the school chat about the coach is not so.", "rumour"),
    ("en", "There's been a lot of noise on TikTok about our menu this week.", "rumour"),
    # German: refusals as questions left open or not entered into; blame on another's checks or conduct.
    ("de", "Fragen nach den Kosten des Umbaus lassen wir vorerst offen.", "no_comment"),
    ("de", "Das ist eine interne Angelegenheit, die wir nicht öffentlich erörtern.", "no_comment"),
    ("de", "Auf Vermutungen zur Ursache werden wir uns nicht einlassen.", "no_comment"),
    ("de", "Zu den Verträgen mit dem Caterer wird es keine Aussage geben.", "no_comment"),
    ("de", "Das Mehl kam von einer Mühle, deren Eigenkontrollen offensichtlich versagt haben.", "blame"),
    ("de", "Unser Reinigungsdienstleister hat die Kontrollgänge nicht gemacht.", "blame"),
    ("de", "Die Sperrzone war ihm bekannt.", "blame"),
    ("de", "Auf die Angaben des Herstellers mussten wir uns verlassen.", "blame"),
    ("de", "Ohne diese Fehlplanung hätten die Busse pünktlich fahren können.", "blame"),
    ("de", "Schuld am Stromausfall ist unser Netzbetreiber.", "blame"),
    # German: rumours contradicted and gifts of waived fees, rooms on us, discounts.
    ("de", "Was in der Elterngruppe geteilt wird, deckt sich nicht mit den Messwerten.", "rumour"),
    ("de", "Dass die Halle schließen muss, wie es im Dorf die Runde macht, stimmt nicht.", "rumour"),
    ("de", "Über die Ursache wird im Netz viel spekuliert.", "rumour"),
    ("de", "Die Übernachtungen für alle Gäste des Abends gehen selbstverständlich auf uns.", "compensation"),
    ("de", "Den Oktober stellen wir Ihnen nicht in Rechnung.", "compensation"),
    ("de", "Die Monatsgebühr entfällt für alle Betroffenen.", "compensation"),
    ("de", "Alle Gäste erhalten 30 Prozent Rabatt auf die nächste Buchung.", "compensation"),
    # Learnt from round 26: blame by a pronoun's other choice, our own people cleared, another's lapse or violation.
    ("en", "Had she checked the gauge, the tank would have been drained in time.", "blame"),
    ("en", "Our drivers followed the loading procedure correctly.", "blame"),
    ("en", "That's where the problems started.", "blame"),
    ("en", "The parts came from a supplier whose testing slipped last year.", "blame"),
    ("en", "Dana Price, the duty nurse, read the alert and did not call the doctor.", "blame"),
    ("de", "Der Fahrer hat den Bus entgegen der Dienstanweisung abgestellt.", "blame"),
    ("de", "Das war ein klarer Verstoß gegen die Hausordnung.", "blame"),
    ("de", "Mehrere Gäste haben sich über die Durchsagen hinweggesetzt.", "blame"),
    ("de", "Dessen mangelhafte Dichtungen haben das Leck verursacht.", "blame"),
    ("de", "Deren Monteur war es, der die Leitung angebohrt hat.", "blame"),
    ("de", "Da müssen Sie schon bei der Hausverwaltung nachfragen.", "blame"),
    ("de", "Der Schaden wurde eindeutig vom Nachbarbetrieb verursacht.", "blame"),
    # Round 27: a verb simplemma lemmatises wrongly ("claimed" as "claime"), a rumour denied as "fake", what "makes
    # the rounds" in German, a story with "nothing to it", a third party's other choice with a good outcome.
    ("en", "Posts on Facebook have claimed that the water is unsafe. That is untrue.", "rumour"),
    ("en", "Messages in the parents' group chat have claimed the school will shut. That is not right.", "rumour"),
    ("en", "Hi Sam, the screenshot going round about a second leak is fake.", "rumour"),
    ("de", "Zu dem Foto, das seit heute früh auf Instagram die Runde macht: Es zeigt eine andere Anlage.", "rumour"),
    ("de", "An der Geschichte mit den geschlossenen Filialen ist nichts dran.", "rumour"),
    ("de", "Die Geschichte vom verseuchten Brunnen, die in der Dorfgruppe herumgereicht wird, stimmt so nicht.",
     "rumour"),
    ("de", "Seit dem Morgen ist in mehreren Foren von einem angeblichen Datenleck bei uns die Rede.", "rumour"),
    ("de", "Hätte der Vermieter die Leitung wie zugesagt erneuert, wären die Mieter heute noch in ihren Wohnungen.",
     "blame"),
    ("de", "Zu den Ursachen wird sich der Vorstand erst nach Abschluss der Prüfung einlassen.", "no_comment"),
    ("de", "Über die Zahl der betroffenen Konten halten wir uns vorerst bedeckt.", "no_comment"),
    ("de", "Wir warten den Bericht der Behörde ab, bevor wir irgendetwas dazu sagen.", "no_comment"),
    # Round 28: someone else's watch or end, a bike tampered with; German claims that circulate as content, a supplier
    # acting without telling us, someone else's task, warnings we gave; our own watch and our own schedule not kept.
    ("en", "The files went missing on his watch, not through any gap in our process.", "blame"),
    ("en", "We're fairly sure the fault sits at the processor's end, not ours.", "blame"),
    ("en", "The scooter had been tampered with by someone before you took it.", "blame"),
    ("en", "The outage happened on our watch.", "liability"),
    ("en", "We did not stick to our own inspection plan, and people were hurt.", "liability"),
    ("en", "The delay is on us and on nobody else.", "liability"),
    ("de", "In mehreren Chats kursiert, unsere Filiale am Markt schließe für immer.", "rumour"),
    ("de", "Seit gestern wird in Elterngruppen verbreitet, die Schule sei einsturzgefährdet.", "rumour"),
    ("de", "Das Video, wonach unsere Fahrer Pausen fälschen, kennen wir.", "rumour"),
    ("de", "Der Hersteller hat das Material gewechselt, ohne uns darüber zu informieren.", "blame"),
    ("de", "Die Kontrolle der Kühlkette wäre seine Aufgabe gewesen.", "blame"),
    ("de", "Wir haben das Bauamt mehrfach schriftlich auf die Risse hingewiesen.", "blame"),
    # Round 29: their call, hard questions for a named firm, a named person acting without sign-off, a firm "which was
    # responsible for" it, a fault on their machine; talk and claims put to bed; harm talked down.
    ("en", "The trains stopped because Westline would not staff them. That was their call.", "blame"),
    ("en", "We will be asking Harlow Glazing some hard questions about that installation.", "blame"),
    ("en", "The update was deployed by Sam Ortiz without the approval our process requires.", "blame"),
    ("en", "Staff came from Apex Recruitment Ltd, which was responsible for their vetting.", "blame"),
    ("en", "The leak came from a fault in their pressure valve, not in our plant.", "blame"),
    ("en", "There's been talk in town that the plant will close for good.", "rumour"),
    ("en", "We've seen posts claiming the water is poisoned. Neither of these things happened.", "rumour"),
    ("en", "The voice notes saying the school is closing are fake.", "rumour"),
    ("en", "The rest of the depot came through the storm largely unscathed.", "minimising"),
    ("en", "It was mostly bumps and bruises, thankfully.", "minimising"),
    ("en", "Deliveries took a little longer than usual this morning.", "minimising"),
    ("de", "Wie die Schichtplanung zustande kam, werden wir öffentlich nicht erläutern.", "no_comment"),
])
def test_a_construction_learnt_from_the_held_out_rounds_is_found(language, text, rule):
    assert rule in findings(text, language)


@pytest.mark.parametrize(("language", "text", "rule"), [
    ("de", "Bitte äußern Sie sich nicht in sozialen Medien.", "no_comment"),  # an instruction to staff
    ("de", "Über Kontodaten sprechen wir nicht öffentlich, aber gern per Direktnachricht.", "no_comment"),
    ("de", "Zur Gesundheit einzelner Bewohner geben wir wegen der Schweigepflicht keine Auskunft.", "no_comment"),
    ("de", "Bitte geben Sie am Telefon keine Passdaten heraus.", "no_comment"),
    ("de", "Ein Gutachten, das die Stadt in Auftrag gegeben hat, liegt vor.", "blame"),
    ("de", "Kundinnen und Kunden müssen nichts tun.", "blame"),
    ("de", "Ab sofort gilt in allen Hallen ein Rauchverbot.", "over_promise"),  # a rule, not a promise
    ("de", "Können wir ausschließen, dass Daten kopiert wurden?", "over_promise"),  # a question
    ("de", "Wenn Ihnen etwas anderes gesagt wurde, melden Sie sich bitte.", "rumour"),
    ("de", "Den Kaufpreis erstatten wir laut unseren AGB.", "compensation"),
    ("de", "Der Werkunterricht wird durch Musik ersetzt.", "compensation"),
    ("de", "Sie müssen für diese Stunden keine Entschuldigung schreiben.", "apology"),  # an excuse note
    ("de", "Die Fahrwohl GmbH ruft den Kinderwagen zurück.", "speculation"),  # "wohl" inside a name
    ("de", "Den Kaufpreis bekommen Sie zurück, wie bei jedem Rückruf.", "compensation"),
    ("en", "The tank was inspected by an independent engineer.", "blame"),
    ("en", "The link stopped passing images after the upgrade.", "blame"),  # "stopped" is no stop sign
    ("en", "We paused the sale, and no more tickets will be sold today.", "minimising"),
    ("en", "Mere Tane's family thanked the ward team.", "minimising"),  # a name, not "mere"
    ("en", "We're not going to speculate on what went wrong.", "no_comment"),
    ("de", "Der Kaufpreis wird erstattet.", "compensation"),  # the price of what was recalled
    ("de", "Dafür gibt es keinerlei Anhaltspunkte.", "compensation"),  # "Punkte" inside another word
    ("de", "Wer die Kosten trägt, entscheiden die Behörden.", "compensation"),
    ("de", "Die Dienstpläne passen wir täglich an.", "no_comment"),
    ("de", "Sie haben es vielleicht in der Zeitung gelesen.", "speculation"),
    ("de", "Wir überwachen ab sofort alle Zertifikate.", "over_promise"),
    ("de", "Die Kampagne hat bei vielen Pflegekräften Kritik ausgelöst.", "blame"),
    ("en", "Will I get my money back?", "compensation"),  # a question offers nothing
    ("de", "Bekomme ich mein Geld zurück?", "compensation"),
    ("en", "You will be paid as normal while the site is closed.", "compensation"),
    ("en", "The new layout made it hard to find, and that is on us.", "compensation"),  # an admission, not a gift
    ("en", "Your coffee's on us next week.", "liability"),  # a gift, not an admission
    ("en", "We want you to hear what this does and doesn't mean for you.", "liability"),
    ("en", "Some of you are asking whether you can rely on us.", "over_promise"),
    ("en", "To every member who has lost money to these scam calls: call us today.", "blame"),
    ("en", "Forty members had reported losing money by noon.", "blame"),
    ("en", "The water main has been repaired by the water company.", "blame"),
    ("en", "Our DMs are open and someone from the team reads every message.", "blame"),
    ("de", "Fragen zu den Kosten beantworten wir nicht am Schalter, sondern unter der Hotline.", "no_comment"),
    ("de", "Bislang sind wenige Kunden auf die gefälschten SMS hereingefallen.", "blame"),  # victims, no culprits
    ("en", "The council is testing water at six points downstream.", "speculation"),  # "points" is no verb here
    ("en", "An e-mail that appeared to come from us was sent to 4,000 people.", "speculation"),  # a spoof described
    ("en", "If a customer appears to have been charged twice, the bank releases it within five days.", "speculation"),
    ("en", "Many of you have told us what you think of the advert.", "speculation"),
    ("de", "Trotz aller Hinweise werden Reisende zum Flughafen kommen.", "blame"),
    ("de", "Du bist auf Betrüger hereingefallen, bitte ruf deine Bank an.", "blame"),
    ("de", "Wir haben die Angaben des Herstellers nicht geprüft.", "blame"),  # our own failing
    ("en", "Severance will be paid under each person's employment agreement.", "compensation"),
    ("en", "Terminal fees are waived under clause 14 of your merchant agreement.", "compensation"),
    ("en", "A criminal sent a fake refund e-mail to our subscribers.", "compensation"),
    ("de", "Die Tageskarten erstatten wir nach unseren Tarifbestimmungen.", "compensation"),
    ("de", "Ihre Bestellung wird storniert, das Geld bekommen Sie automatisch zurück.", "compensation"),
    ("de", "Ein angebliches Gewinnspiel kursiert gerade auf Discord. Es stammt nicht von uns.", "rumour"),  # a fake
    ("de", "Ein heute geteilter Beitrag zitiert ein Memo. Das Memo ist nicht echt.", "rumour"),
    ("de", "Wir setzen uns dafür ein, dass alle Familien rasch informiert werden.", "over_promise"),
    ("en", "Is the council legally responsible?", "liability"),  # the reader's question
    ("en", "Can you promise this will never happen again?", "over_promise"),
    ("en", "We will cooperate with whatever the regulator decides.", "over_promise"),
    ("en", "Whatever happens, we will keep customers informed daily.", "over_promise"),
    ("en", "Collections will go ahead, carried out by managers who are not on strike.", "blame"),
    ("en", "Please report it to your airline, which is responsible for delivering it.", "blame"),
    ("en", "Bags are held at the airport after the system failure.", "blame"),
    ("en", "We will not mark any answers submitted this morning.", "no_comment"),
    ("en", "Please don't blame anyone when you talk about it online.", "rumour"),
    ("en", "Our team can arrange a call with the supervisor who brought riders down: DM us.", "liability"),
    ("de", "Die Kaution ging an Betrüger, nicht an uns.", "blame"),
    ("de", "Unsere Kollegin hat mit den Inseraten nichts zu tun.", "blame"),
    ("de", "Eine anteilige Gutschrift laut AGB bekommst du automatisch.", "compensation"),
    ("de", "Uns sind die im Netz kursierenden Behauptungen bekannt.", "rumour"),  # awareness, no reply to them
    ("de", "Der Partner hat trotz zugesicherter Ausfallsicherheit keinen Notbetrieb bereitgestellt.", "over_promise"),
    ("de", "Bitte keine Aussagen zur Ursache in den Shops.", "no_comment"),  # an instruction to staff
    ("en", "You will be paid for your scheduled shifts while the site is closed.", "compensation"),
    ("en", "As the agency responsible for your water, we ask you to boil it.", "blame"),
    ("de", "Erstattungen zahlen wir weiter aus.", "compensation"),
    ("de", "Nach § 6 der Gebührensatzung werden Beiträge erst ab dem vierten Tag erstattet.", "compensation"),
    ("de", "Den Kaufpreis erstatten wir gegen ein Foto der Flasche.", "compensation"),
    ("de", "Die Verantwortung übernehmen wir.", "compensation"),
    # The shipped playbooks' own wording stays clean.
    ("en", "We do not comment on the content of internal documents while we verify them.", "no_comment"),
    ("de", "Zum Inhalt interner Dokumente äußern wir uns nicht, solange wir sie prüfen.", "no_comment"),
    ("de", "Aus Respekt vor dem Verfahren sprechen wir nicht über Einzelheiten, solange es läuft.", "no_comment"),
    ("de", "Wir haben die Plattformen aufgefordert, die falschen Behauptungen zu entfernen.", "rumour"),
    ("en", "An internal document has been published outside the company without authorisation.", "blame"),
    # Round 24's harmless neighbours: a fake giveaway warned about, a refund under the terms, pay under a policy, a
    # question about refunds, a risk named in a recall, liability asked about, a comparison with appearances, a
    # closing note, a warning people may not have seen, a result announced for a date.
    ("en", "Fake giveaway posts on our page were not made by us.", "rumour"),
    ("en", "Your fare will be refunded in full, as set out in our conditions of carriage.", "compensation"),
    ("en", "You will be paid for any shifts you miss while you are ill; that is our sick-leave policy.",
     "compensation"),
    ("en", "Guests who ask about refunds can be sent to the front desk.", "compensation"),
    ("en", "Our investigators have established that the files were taken on Monday.", "speculation"),
    ("de", "Der Melder löst im Brandfall womöglich nicht aus; bitte tauschen Sie ihn aus.", "speculation"),
    ("de", "Die Lage war nicht so eindeutig, wie es scheint.", "speculation"),
    ("de", "Wer für die Schäden an den Autos haftet, klären die Versicherer.", "liability"),
    ("de", "Trotz aller Hinweise werden am Montag Reisende ohne Ticket kommen.", "blame"),
    ("de", "Wenn Sie eine Nachricht von diesem Konto erhalten, öffnen Sie keine Links.", "blame"),
    # Round 25's harmless neighbours: a person's health held back while facts are given, a contractual credit, a free
    # phone line, a bank's app, a post quoting a forged memo, one's own fault set apart from others, a message passed
    # on internally, an individual's case kept private, staff told not to answer themselves, a fake shop's discount.
    ("en", "We cannot comment on the condition of individual pupils, but here is what we know.", "no_comment"),
    ("en", "DM us and we'll apply the outage credit your contract already provides.", "compensation"),
    ("en", "Call us free on 0800 555 0100 if you need help.", "compensation"),
    ("en", "The online banking service failed during the upgrade.", "blame"),
    ("en", "A post going round today quotes a leaked letter that says we will close.", "rumour"),
    ("de", "Das haben wir zu verantworten – nicht unsere Lieferanten.", "blame"),
    ("de", "Wir haben Ihre Nachricht an die Kolleginnen im Kundendienst weitergegeben.", "blame"),
    ("de", "Zu Ihrem Mietvertrag können wir hier öffentlich nichts sagen, bitte schreiben Sie uns.", "no_comment"),
    ("de", "Anfragen von Medien bitte nicht selbst beantworten, sondern an die Pressestelle geben.", "no_comment"),
    ("de", "Wir wollen nicht drumherum reden: Die Kontrolle hat versagt.", "no_comment"),
    ("de", "Gefälschte Shops mit 70 Prozent Rabatt werben gerade in unserem Namen.", "compensation"),
    # Round 26's harmless neighbours: pay owed anyway, payment files, staff told they need not speak, a person's
    # illness or data held back, silence asked for by the police, what is not known today, a recall's price.
    ("en", "You will be paid your regular scheduled hours while the site is closed.", "compensation"),
    ("en", "Most staff will see their pay by this evening.", "compensation"),
    ("en", "The link we use to send payment files to the bank failed overnight.", "compensation"),
    ("en", "If a reporter calls you, you don't have to say anything.", "no_comment"),
    ("de", "Zu einzelnen Erkrankungen können wir hier nichts sagen.", "no_comment"),
    ("de", "Zum Inhalt des Erpresserschreibens äußern wir uns auf Bitte der Staatsanwaltschaft nicht.", "no_comment"),
    ("de", "Wie viele Kunden betroffen sind, können wir heute nicht sagen.", "no_comment"),
    ("de", "Ich werde Ihnen das Ergebnis nicht schönreden.", "no_comment"),
    ("de", "Wer keinen Ersatz möchte, bekommt den Kaufpreis der zurückgerufenen Flasche erstattet.", "compensation"),
    ("de", "Wir übernehmen die volle Verantwortung für alle Schäden.", "compensation"),
    # Round 27's harmless neighbours: sympathy, a deepfake warned about, a trivial delay, our own company and role.
    ("en", "We are all thinking of the two drivers and their families tonight.", "speculation"),
    ("en", "A clip of our director announcing job cuts is circulating. It is fake, made with AI.", "rumour"),
    ("en", "Someone has set up a fake page in our name; please report it.", "rumour"),
    ("de", "Es war eine Verspätung von zehn Minuten und nicht der Rede wert.", "rumour"),
    ("de", "Die Keime gehen auf Versäumnisse in unserem eigenen Betrieb zurück.", "blame"),
    ("de", "Die Kühlung war seit März außer Betrieb, weil wir die Reparatur verschoben hatten.", "blame"),
    ("de", "Wir haben unsere Pflichten als Betreiber vernachlässigt und die Wartung ausgelassen.", "blame"),
    ("en", "All 1,900 refunds for the cancelled sessions have been sent.", "compensation"),
    ("en", "As set out in our service terms, we will refund two days' fees for each affected line.", "compensation"),
    ("en", "No need to call us: the refund will show on your next bill.", "compensation"),
    ("en", "Shops will be reimbursed at the invoiced cost for every returned pack.", "compensation"),
    ("en", "If your card was declined at the till, we can send you a letter for your bank.", "no_comment"),
    ("en", "She was admitted on Friday and is now recovering well.", "liability"),
    ("en", "The overdraft fees have now been cancelled on all affected accounts.", "over_promise"),
    ("de", "Zum Zustand einzelner Verletzter geben wir keine Auskunft; alle werden gut versorgt.", "no_comment"),
    ("de", "Alle doppelt belasteten Beträge werden bis Freitag gutgeschrieben.", "compensation"),
    ("de", "Die doppelten Abbuchungen buchen wir bis Montag zurück.", "compensation"),
    ("en", "The responsibility for the failure rests with the hospital and with me.", "blame"),
    ("en", "It looks like a cyber attack rather than a hardware fault.", "blame"),
    ("en", "We will credit your account when our driver collects the stock.", "blame"),
    ("de", "Seit Montag kursiert auf TikTok ein Video von unserem Lager.", "rumour"),
    ("en", "We'll talk about how it happened once the cause is confirmed.", "rumour"),
    ("en", "Police ask everyone to rely on official updates rather than messages passed around online.", "rumour"),
    ("en", "The council accepts that it got this wrong.", "blame"),
    ("en", "We did not supervise our agency staff properly.", "blame"),
    ("de", "Am Freitag legen wir die Ergebnisse der Prüfung vor.", "speculation"),
    ("de", "Wenn Ihr Kind möglicherweise eine Batterie verschluckt hat, rufen Sie die 112.", "speculation"),
    ("de", "Wer heute nicht arbeiten kann oder reden möchte, meldet sich bei der Schichtleitung.", "no_comment"),
    ("de", "Damit Sie nicht jede Anfrage einzeln beantworten müssen, haben wir einen Textbaustein vorbereitet.",
     "no_comment"),
])
def test_a_harmless_use_next_to_a_learnt_construction_stays_clean(language, text, rule):
    assert rule not in findings(text, language)


# A day or time that names no next update: a period, a press release's dateline, opening hours in brackets, "today
# and tomorrow", an earlier statement's time, a status header. Each text has a source and nothing else that could
# name one, so the check must say that the next update is missing.
@pytest.mark.parametrize(("language", "text"), [
    ("en", "All clinics are closed from Monday 3 March to Wednesday 5 March, as planned."),
    ("en", "For questions, call our patient line (8am to 8pm)."),
    ("en", "Service status, Saturday, March 15, 9:00 a.m. ET. Deposits were resubmitted on Friday."),
    ("de", "Lahnfels, 17. Februar 2025 – Das Klinikum bestätigt eine Störung seiner IT-Systeme."),
    ("de", "Alle Fahrer sind heute und morgen für das Einsammeln eingeteilt."),
    ("de", "Vorerst belassen wir es bei unserem Statement von 1 Uhr nachts."),
])
def test_a_day_or_time_that_names_no_next_update(language, text):
    found = {f.rule for f in lint(f"{text} {SOURCE}", language=language)}
    assert "missing_next_update" in found


@pytest.mark.parametrize(("language", "text"), [
    ("de", "Sollte sich der Termin ändern, bekommen Sie am Mittwoch, 10. Dezember, bis 18 Uhr eine neue Nachricht."),
    ("de", "Dies ist unsere letzte Nachricht an Sie zu diesem Thema."),
    ("en", "We will write again from Monday 3 March, once the clinics reopen."),
])
def test_a_next_update_or_a_closing_note_in_wording_learnt_from_round_26(language, text):
    found = {f.rule for f in lint(f"{text} {SOURCE}", language=language)}
    assert "missing_next_update" not in found


@pytest.mark.parametrize(("language", "text"), [
    ("en", "School office: 01632 960 245."),
    ("de", "Sekretariat: 0341 2290 150."),
    ("de", "Infoline 052 555 40 40, täglich 8 bis 20 Uhr."),
    ("de", "Support: 0341 555 8000."),
    ("de", "Gemeindekanzlei: 056 555 12 00."),
    ("en", "Customer care 1300 555 019."),
])
def test_a_labelled_phone_number_is_an_information_source(language, text):
    update = "Next update at 14:30." if language == "en" else "Nächstes Update um 14:30 Uhr."
    found = {finding.rule for finding in lint(f"{text} {update}", language=language, info_source=SOURCE)}
    assert "missing_info_source" not in found
