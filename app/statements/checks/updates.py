"""Does the statement name its next update: a future time or date in a forward-looking sentence?

A sentence with one of the rule's cues ("next update", "we will inform", "nächstes Update", "melden uns")
names it with any time or date. Without a cue, a clock time, the coming day or a deadline ahead still does
("Briefing at 2pm", "by end of day Wednesday"), but not in a report of what happened ("At 09:10 the shop
went down", "Die Züge standen um 6:40 Uhr still"): a regular past form or one of the rule's ``past`` entries.
Times: 14:30, 2:30pm, 11am, noon, 15 Uhr, 15.30 Uhr, um 9; dates: weekdays, tomorrow/morgen, 3 March,
March 3rd, 3. März, 03.12., 2026-12-03; and "in 30 minutes" / "in zwei Stunden".
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from datetime import date, datetime

from app.statements.checks.phrases import Analysed, entry_matches, opens_with_instruction
from app.statements.checks.rules import Rule
from app.statements.checks.text import Sentence

MONTHS = {
    "jan": 1, "januar": 1, "january": 1, "jänner": 1, "feb": 2, "februar": 2, "february": 2, "mar": 3,
    "march": 3, "märz": 3, "maerz": 3, "apr": 4, "april": 4, "may": 5, "mai": 5, "jun": 6, "june": 6,
    "juni": 6, "jul": 7, "july": 7, "juli": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "okt": 10, "oktober": 10, "nov": 11, "november": 11, "dec": 12,
    "december": 12, "dez": 12, "dezember": 12,
}
_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_NUMBER_WORDS = ("a|an|one|two|three|four|five|six|twelve|fifteen|twenty|thirty|forty|ninety|half an|einer|"
                 "eine|zwei|drei|vier|fünf|sechs|zwölf|fünfzehn|zwanzig|dreißig|vierzig|neunzig|einer halben")
_HOURS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eins|zwei|drei|vier|fünf|sechs|sieben|"
          "acht|neun|zehn|elf|zwölf")
CLOCK = re.compile(
    r"(?<![\d:.])(?:[01]?\d|2[0-3]):[0-5]\d(?!\d|:\d)"
    r"|(?<![\d:.])(?:[01]?\d|2[0-3])\.[0-5]\d\s*(?:Uhr|h\b|[ap]\.?\s?m\b\.?)"
    r"|\b(?:um|gegen|at|by|bis|ab)\s+(?:[01]?\d|2[0-3])\.[0-5]\d(?![\d.])"
    r"|(?<![\d:.])(?:1[0-2]|0?[1-9])\s*[ap]\.?\s?m\b\.?"
    r"|(?<![\d:.])(?:[01]?\d|2[0-3])\s*Uhr\b"
    r"|\b(?:um|gegen)\s+(?:[01]?\d|2[0-3])(?=\s*(?:[.,;!?)]|$))"
    r"|\b\d{1,2}\s*o['’]clock\b"
    r"|\b(?:noon|midday|midnight|Mittag|Mitternacht)\b"
    rf"|\b(?:half past|quarter past|quarter to|halb|viertel nach|viertel vor|dreiviertel)\s+(?:{_HOURS}|\d{{1,2}})\b",
    re.IGNORECASE,
)
DAY = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|(?:montag|dienstag|mittwoch|donnerstag|"
    r"freitag|samstag|sonnabend|sonntag)(?:früh|vormittag|mittag|nachmittag|abend|nacht)?|tomorrow|tonight|"
    r"übermorgen|end of (?:the |this |next )?(?:day|week)|"
    r"this (?:morning|afternoon|evening)|heute (?:abend|nachmittag|vormittag)|"
    r"Ende (?:des|der|dieser|nächster|kommender) (?:Tages|Woche|nächsten Woche|kommenden Woche))\b"
    r"|(?-i:\bmorgen\b)|\bMorgen (?:früh|Vormittag|Mittag|Nachmittag|Abend)\b",
    re.IGNORECASE,
)
DATE = re.compile(
    rf"\b(?P<d1>\d{{1,2}})(?:st|nd|rd|th|\.)?\s+(?:of\s+)?{_MONTH}(?:\s+(?P<y1>\d{{4}}))?(?!\w)"
    rf"|\b{_MONTH.replace('(', '(?P<m2>', 1)}\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y2>\d{{4}}))?\b"
    r"|(?<![\d.])(?P<d3>\d{1,2})\.(?P<m3>\d{1,2})\.(?P<y3>\d{2,4})?(?![\d])"
    r"|\b(?P<y4>\d{4})-(?P<m4>\d{2})-(?P<d4>\d{2})\b",
    re.IGNORECASE,
)
RELATIVE = re.compile(
    rf"\b(?:in|within|innerhalb(?: von)?|binnen)\s+(?:the next\s+|der nächsten\s+|den nächsten\s+)?"
    rf"(?:\d{{1,3}}|{_NUMBER_WORDS})\s+(?:minutes?|mins?|hours?|hrs?|Minuten|Stunden?|Std\.?)(?!\w)"
    r"|\bwithin the (?:next )?hour\b|\binnerhalb der nächsten Stunde\b",
    re.IGNORECASE,
)


# A span of days ahead, as a reply says when something reaches the person: "within three working days".
DAYS_AHEAD = re.compile(
    rf"\b(?:in|within|innerhalb(?: von)?|binnen)\s+(?:the next\s+|der nächsten\s+|den nächsten\s+)?"
    rf"(?:\d{{1,3}}|{_NUMBER_WORDS})\s+(?:(?:working|business|calendar)\s+)?"
    r"(?:days?|weeks?|Werktagen?|Arbeitstagen?|Bankarbeitstagen?|Tagen?|Wochen?)\b",
    re.IGNORECASE,
)


# How long something takes, as a reply says when the person will know: "it usually takes 48 hours".
DURATION = re.compile(
    rf"\b(?:takes?|dauert|dauern)\b[^.;:!?]{{0,30}}?(?<!\w)(?:\d{{1,3}}|{_NUMBER_WORDS})\s+(?:(?:working|business)\s+)?"
    r"(?:hours?|days?|weeks?|Stunden|Tage|Werktage|Arbeitstage|Wochen)\b",
    re.IGNORECASE,
)


def has_time(text: str) -> bool:
    """True if the text contains a clock time such as 14:30, 2pm or 15 Uhr."""
    return CLOCK.search(text) is not None


# A time after these words says since when something holds, not when the next update comes.
_SINCE = re.compile(r"(?:\b(?:since|seit|stand|as of|between|zwischen|earlier at|gestern um|yesterday at)\s+"
                    r"(?:(?:yesterday|today|last night|this morning|gestern|heute|vorgestern|letzte Nacht)\s+"
                    r"(?:at\s+|um\s+)?)?"
                    r"(?:(?:about|around|ca\.|etwa|gegen|kurz nach|kurz vor)\s+)?)$", re.IGNORECASE)


# "Stand" after "nächster" or "neuer" is the next status, not the moment a figure holds ("nächster Stand gegen Mittag").
_NEXT_STAND = re.compile(r"\b(?:nächst|neu|kommend|weiter)\w*\s+$", re.IGNORECASE)


def _since(before: str) -> bool:
    """True if the words before a time say since when something holds ("seit 6 Uhr", "Stand 14 Uhr")."""
    found = _SINCE.search(before)
    if found is None:
        return False
    return not (found.group().casefold().startswith("stand") and _NEXT_STAND.search(before[:found.start()]))


# A status line may put a preposition between its word and the time: "Briefing at 2pm", "Bericht um 10 Uhr".
_LINK_WORD = re.compile(r"^(?:at|on|from|um|am|ab)\s+", re.IGNORECASE)
# A short weekday before a time in a status line: "Update Tue 11:00", "Infos Do. 10 Uhr".
_SHORT_DAY = re.compile(r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|mo|di|mi|do|fr|sa|so)\.?,?\s+", re.IGNORECASE)


def names_next_update(analysed: list[Analysed], rule: Rule, *, now: datetime | None = None) -> bool:
    """True if a sentence with an update cue names a time or a date that is not in the past.

    A sentence matching one of the rule's ``unless`` entries names no next update ("the last update came at
    7:15"); one of its ``leads`` words followed directly by a time or a day is a status line's next update
    ("Update Tue 11:00", "More 10am tomorrow", "Briefing at 2pm", "Neustart Sa. 10 Uhr"), and so is a colon
    followed by one ("What changes: Thu 11am on ..."). A rule with ``past`` entries also takes a time ahead
    in a sentence without a cue, unless a regular past form or one of those entries marks the sentence as a
    report of what already happened ("Library reopens at noon" looks ahead; "The site went down at 9:10" not),
    and a time that recurs ("updated at noon each day") is a schedule, never a report; nor does a sentence that
    tells people what to do ("Please don't come in tomorrow") name when we speak. A sentence cut after an
    abbreviation ("Entscheidung am Do." + "bis 18 Uhr: ...") is read whole. A sentence with one of the rule's
    ``closing`` entries says that no next update is coming ("This is our final update"): none is missing. One of
    its ``deadline_leads`` with a deadline ahead after it is a page promised by then ("guidance at ..., updated
    by noon on Monday"), unless "was" or "has been" before it report the past.
    """
    for item in joined(analysed):
        text = item.sentence.text
        # Before ``unless``: "This is our last update" names the last update and closes.
        if any(entry_matches(item, entry, rule.window) for entry in rule.closing):
            return True
        if any(entry_matches(item, entry, rule.window) for entry in rule.unless):
            continue
        if _leads_to_time(text, rule.leads, now) or _deadline_lead(text, rule.deadline_leads, now):
            return True
        if not any(entry_matches(item, cue, rule.window) for cue in rule.cues):
            if rule.past and _recurring(text):
                return True
            if opens_with_instruction(item) or _DONT.match(text):  # "Don't come in tomorrow": what to do
                continue
            deadline = any(entry_matches(item, entry, 60) for entry in rule.due)
            if rule.past and _ahead(text, deadline, now) and not _regular_past(item) and not any(
                    entry_matches(item, entry, 60) for entry in rule.past):
                return True
            continue
        if _cue_moment(_without_dateline(text), now):
            return True
    return False


_WEEKDAYS = ("monday|tuesday|wednesday|thursday|friday|saturday|sunday|montag|dienstag|mittwoch|donnerstag|freitag|"
             "samstag|sonnabend|sonntag")


def _cue_moment(text: str, now: datetime | None) -> bool:
    """True if a sentence with an update cue names a time, a day or a date that is not in the past, nor a day of a
    period ("cancelled from Monday 3 March to Wednesday 5 March", "seit Montag")."""
    if any(not _since(text[max(0, found.start() - 40): found.start()]) for found in CLOCK.finditer(text)):
        return True
    if any(not _in_period(text, found.start(), found.end()) for found in DAY.finditer(text)):
        return True
    if RELATIVE.search(text) or DAYS_AHEAD.search(text):
        return True
    return any(_future(found, now) and not _in_period(text, found.start(), found.end())
               for found in DATE.finditer(text))


# A day since which something holds, or the end of a period whose start came before: "seit Montag", "from Monday to
# Wednesday 5 March" (Wednesday and the date), "vom 3. bis 5. März".
_PERIOD_SINCE = re.compile(rf"\b(?:seit|since)\s+(?:(?:the|dem|den)\s+)?(?:(?:{_WEEKDAYS}),?\s+)?$", re.IGNORECASE)
_PERIOD_END = re.compile(rf"\b(?:from|vom|von)\s+(?:(?:the|dem|den)\s+)?(?=\d|{_WEEKDAYS})[^.;!?]{{1,30}}?\s"
                         rf"(?:to|until|till|through|bis)\s+(?:(?:the|dem|den|zum)\s+)?(?:(?:{_WEEKDAYS}),?\s+)?$",
                         re.IGNORECASE)
# The start of a period, when its end follows: "from Monday 3 March to ...", "vom 3. März bis ...".
_PERIOD_START = re.compile(rf"\b(?:from|vom|von)\s+(?:(?:the|dem|den)\s+)?(?:(?:{_WEEKDAYS}),?\s+)?$", re.IGNORECASE)
_PERIOD_REST = re.compile(r"^(?:,?\s+\d{1,2}(?:st|nd|rd|th|\.)?(?:\s+[^\W\d]+\.?)?)?"
                          r"\s*(?:to|until|till|through|bis|–|-)\s", re.IGNORECASE)


def _in_period(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 40): start]
    if _PERIOD_SINCE.search(before) or _PERIOD_END.search(before):
        return True
    return _PERIOD_START.search(before) is not None and _PERIOD_REST.match(text[end:end + 30]) is not None


# A press release's dateline names the day it was issued: "Lahnfels, 17. Februar 2025 – ...", "LONDON, 5 March –".
_DATELINE = re.compile(r"^\s*[A-ZÄÖÜ][\w.'’ -]{1,40},\s+(?:den\s+)?(?:\d{1,2}\.?\s+\w+\.?(?:\s+\d{4})?|\w+\s+\d{1,2},?"
                       r"(?:\s+\d{4})?|\d{1,2}\.\d{1,2}\.(?:\d{2,4})?)\s*[–—-]\s")


def _without_dateline(text: str) -> str:
    """The sentence with its dateline blanked out (the same length, so offsets hold)."""
    found = _DATELINE.match(text)
    return text if found is None else " " * found.end() + text[found.end():]


# Before a time without a cue: a named service ("the 17:42") or the end of a state ("until 6pm", "bis 15 Uhr");
# before a day also its start ("from tomorrow", "ab morgen"): not a moment at which something is said.
# The time of an earlier message is no next one: "bei unserem Statement von 1 Uhr nachts", "our post of 9am".
_NOT_A_TIME = re.compile(r"(?:\b(?:the|until|till|bis|seit|since)\s+(?:(?:the|dem|den|zum)\s+)?"
                         r"|\b(?:statement|stellungnahme|meldung|mitteilung|update|post|beitrag|erklärung|message)\s+"
                         r"(?:von|vom|from|of)\s+)$", re.IGNORECASE)
_NOT_A_DAY = re.compile(r"(?:\b(?:the|from|until|till|ab|bis|vom|seit|since)\s+(?:(?:the|dem|den|zum)\s+)?|"
                        r"\b(?:today|heute)\s+(?:and|und)\s+)$",
                        re.IGNORECASE)
# Without a time, a day looks ahead when it is a deadline or the coming day ("by end of day Wednesday",
# "spätestens morgen"); a weekday alone may name when something happened ("the match on Saturday").
_COMING_DAY = re.compile(r"tomorrow|morgen|übermorgen|end of|Ende", re.IGNORECASE)
_DEADLINE = re.compile(r"\b(?:by|spätestens(?:\s+(?:am|bis|zum))?)\s+(?:the\s+)?$", re.IGNORECASE)
# German "bis" is "until" with a lasting state ("bleibt bis Freitag gesperrt") and "by" with a deed; it names the
# next update when what is due is something people will read or hear ("wir schlagen Ihnen bis Montag einen Termin
# vor", "Korrigierte Bescheide bis zum 12. Dezember"): one of the rule's ``due`` entries.
_BIS = re.compile(r"\bbis\s+(?:(?:zum|zur|dem|den)\s+)?$", re.IGNORECASE)


# A negative instruction: "Don't come in tomorrow", "Do not travel before 10am".
_DONT = re.compile(r"\s*(?:please\s+)?(?:don[’']t|do not|never)\s+\w", re.IGNORECASE)

# Opening hours are a state, not a moment: "open daily from 8am to 8pm".
_HOURS_RANGE = re.compile(rf"(?:\bfrom\s+|\()(?:{CLOCK.pattern})\s*(?:to|until|till|-|–)\s*(?:{CLOCK.pattern})",
                          re.IGNORECASE)


def _ahead(text: str, due: bool = False, now: datetime | None = None, *, hours: bool = False) -> bool:
    """True if a sentence without a cue names a clock time, a coming day or a deadline as a moment ahead.

    ``due``: the sentence names something people will read or hear, so "bis" before a time, day or date and
    "by" or "spätestens" before a date are its deadline. Opening hours ("from 8am to 8pm") name no moment,
    unless ``hours``: to a reply they are when someone is there for the person.
    """
    spans = [] if hours else [found.span() for found in _HOURS_RANGE.finditer(text)]
    for found in CLOCK.finditer(text):
        before = text[max(0, found.start() - 40): found.start()]
        if any(start <= found.start() < end for start, end in spans):
            continue
        if not (_since(before) or (_NOT_A_TIME.search(before) and not (due and _BIS.search(before)))):
            return True
    for found in DAY.finditer(text):
        before = text[max(0, found.start() - 40): found.start()]
        deadline = _DEADLINE.search(before) or (due and _BIS.search(before))
        if (_COMING_DAY.match(found.group()) or deadline) and not (
                _since(before) or (_NOT_A_DAY.search(before) and not deadline)):
            return True
    for found in DATE.finditer(text):
        before = text[max(0, found.start() - 40): found.start()]
        if due and (_DEADLINE.search(before) or _BIS.search(before)) \
                and not _since(before) and _future(found, now):
            return True
    return RELATIVE.search(text) is not None or _SHORT_DAY_DEADLINE.search(text) is not None


# A deadline on a short weekday: "Terms of reference by Mon", "spätestens Do.".
_SHORT_DAY_DEADLINE = re.compile(r"\b(?:by|spätestens(?:\s+(?:am|bis))?)\s+"
                                 r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\b\.?|(?:mo|di|mi|do|fr|sa|so)\.)",
                                 re.IGNORECASE)


def names_moment_ahead(item: Analysed, rule: Rule, *, now: datetime | None = None) -> bool:
    """True if a part of the sentence names a moment ahead at which something happens and reports no past.

    A clock time, the coming day, a deadline, a date still to come, a span ahead ("within three working
    days") or how long something takes ("dauert 48 Stunden"), but not the start or end of a state ("from
    tomorrow", "until Friday") nor since when something holds. Each part joined by "and", "und" or a dash
    is read on its own, so "The debit is stopped and your bill comes by Wednesday" names a moment ahead;
    ``rule`` is the next update's rule, whose ``past`` entries mark a report of what happened.
    """
    return any(_moment_ahead(part.sentence.text, now) and not reports_past(part, rule) for part in parts(item))


def _moment_ahead(text: str, now: datetime | None) -> bool:
    if _ahead(text, True, now, hours=True) or any(pattern.search(text) for pattern in (DAYS_AHEAD, NEXT_PERIOD,
                                                                                          DURATION)):
        return True
    if _weekday_ahead(text):
        return True
    for found in DATE.finditer(text):
        before = text[max(0, found.start() - 40): found.start()]
        if _future(found, now) and not _NOT_A_DAY.search(before) and not _since(before):
            return True
    return False


# The coming week or month, and "Morgen" opening a sentence before its verb ("Morgen ist regulärer Unterricht").
NEXT_PERIOD = re.compile(r"\b(?:next|this coming|nächste[nr]?|kommende[nr]?)\s+(?:week|month|Woche|Monat)\b"
                         r"|(?-i:^Morgen\s+(?=[a-zäöü]))", re.IGNORECASE)
_WEEKDAY = re.compile(rf"\b(?:{_WEEKDAYS})\b", re.IGNORECASE)
# Before a weekday: the start or end of a state ("from Thursday to Saturday", "bis Freitag gesperrt").
_SPAN_DAY = re.compile(r"\b(?:from|to|until|till|through|since|ab|bis|seit|vom|zum)\s+(?:(?:the|dem|den)\s+)?$",
                       re.IGNORECASE)

# A wish names no moment: "Schönen Sonntag noch!", "Have a good Friday".
_WISH = re.compile(r"\b(?:schöne[nrs]?|erholsame[nrs]?|gute[nrs]?|good|nice|happy|great|lovely)\s+$", re.IGNORECASE)


def _weekday_ahead(text: str) -> bool:
    """True if a weekday names when something happens ("comes Wednesday"), not where a state begins or ends, a
    wish ("Schönen Sonntag!") or whose thing it is ("Tuesday's deliveries")."""
    return any(not _SPAN_DAY.search(text[max(0, found.start() - 20): found.start()])
               and not _WISH.search(text[max(0, found.start() - 20): found.start()])
               and not text.startswith(("'s", "’s"), found.end())
               and not _since(text[max(0, found.start() - 40): found.start()]) for found in _WEEKDAY.finditer(text))


def reports_past(item: Analysed, rule: Rule) -> bool:
    """True if the sentence reports what happened: a regular past form or one of the rule's ``past`` entries."""
    return _regular_past(item) or any(entry_matches(item, entry, 60) for entry in rule.past)


_JOINS = frozenset({"and", "und", "but", "aber", "sowie", "while", "während"})
_DASH = re.compile(r"[;–—]|\s-\s")


def parts(item: Analysed) -> list[Analysed]:
    """The sentence cut at "and", "und", "but", a semicolon or a dash: each part says its own thing."""
    tokens = item.sentence.tokens
    offset = item.sentence.start
    cuts = [0]
    for index in range(1, len(tokens)):
        between = item.sentence.text[tokens[index - 1].end - offset:tokens[index].start - offset]
        if tokens[index].text.casefold() in _JOINS or _DASH.search(between):
            cuts.append(index)
    if len(cuts) == 1:
        return [item]
    cuts.append(len(tokens))
    result = []
    for low, high in itertools.pairwise(cuts):
        if low == high:
            continue
        start, end = tokens[low].start, tokens[high - 1].end
        sentence = Sentence(item.sentence.text[start - offset:end - offset], start, end, tokens[low:high])
        result.append(_analysed(sentence, item.forms[low:high], item.usable[low:high], item.negated[low:high]))
    return result


# A participle after "be" is a passive ahead ("will be refreshed at 5pm"); an "-ed" word after an article and a
# German "-te" word written with a capital or after an article are adjectives ("a corrected bill", "Korrigierte
# Bescheide", "einen korrigierten Bescheid").
_NOT_PAST_BEFORE = frozenset({"be", "being", "get", "werden", "wird"})
_DETERMINERS = frozenset({"der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer", "eines",
                          "kein", "keine", "keinen", "keinem", "keiner", "unser", "unsere", "unseren", "unserem",
                          "unserer", "ihr", "ihre", "ihren", "ihrem", "ihrer", "alle", "allen", "aller", "the", "a",
                          "an"})


def _regular_past(item: Analysed) -> bool:
    """True if a word of the sentence is a regular past form of its lemma: "restarted", "legte", "meldeten".

    The irregular forms ("went", "gab", "standen") are the rule's ``past`` entries; the regular ones follow
    from the lemma: English lemma + "ed", German stem + "te"/"ten"/"ete"/"eten".
    """
    tokens = item.sentence.tokens
    for index, (token, token_forms) in enumerate(zip(tokens, item.forms, strict=True)):
        word = token.text.casefold()
        previous = tokens[index - 1].text.casefold() if index else ""
        if previous in _NOT_PAST_BEFORE or (word.endswith("ed") and previous in _DETERMINERS) or (
                word.endswith(("te", "ten", "ter", "tes", "tem")) and (
                token.text[:1].isupper() or previous in _DETERMINERS)):
            continue
        for form in token_forms:
            if form == word or len(form) < 3:
                continue
            if word in (form + "ed", form + "d", form + form[-1] + "ed", form[:-1] + "ied"):
                return True
            stem = form[:-2] if form.endswith("en") else form[:-1] if form.endswith(("eln", "ern")) else ""
            if stem and word in (stem + "te", stem + "ten", stem + "ete", stem + "eten"):
                return True
    return False


# A short weekday with its dot and nothing after it in the clause ("Mehr am Mi.: https://...", "mehr Mo."), or an
# English one closing a bracket or the text ("(update Fri)").
_SHORT_DAY_ALONE = re.compile(
    r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|mo|di|mi|do|fr|sa|so)\.(?=\s*(?:[:;,–-]|$))"
    r"|(?:mon|tue|wed|thu|fri|sat|sun)(?=\s*(?:\)|$))", re.IGNORECASE)


def _leads_to_time(text: str, leads: frozenset[str], now: datetime | None = None) -> bool:
    """True if a lead word or a colon is followed directly by a time, a day, a date or a span ahead.

    A lead that says since when a figure holds ("Stand 10.15 Uhr", "Stand: Sonntag, 10 Uhr") names the next
    one only with a deadline after it ("Stand bis 17 Uhr", "nächster Stand: 14 Uhr"). A date already past
    (given ``now``) names none.
    """
    if not leads:
        return False
    for word in re.finditer(r"[^\W\d_][\w&-]*|:(?=\s)", text):
        colon = word.group() == ":"
        if not colon and word.group().casefold().rsplit("-", 1)[-1] not in leads:
            continue
        after = text[word.end():].lstrip(" :–-")
        deadline = _DEADLINE_LINK.match(after)
        end = word.start() if colon else word.end()
        if deadline is None and _since(text[max(0, end - 40):end].rstrip() + " "):
            continue
        rest = after[deadline.end():] if deadline else _LINK_WORD.sub("", after, count=1)
        day = _SHORT_DAY.match(rest)
        if day is None and _SHORT_DAY_ALONE.match(rest):
            return True
        rest = rest[day.end():] if day else rest
        if _names_moment(rest, now):
            return True
    return False


def _names_moment(rest: str, now: datetime | None) -> bool:
    """True if ``rest`` opens with a time, a day, a span ahead or a date still to come."""
    if CLOCK.match(rest) or DAY.match(rest) or RELATIVE.match(rest) or DAYS_AHEAD.match(rest):
        return True
    date = DATE.match(rest)
    return date is not None and _future(date, now)


# A deadline between a lead and its time: "Stand bis 17 Uhr", "Stand bis zum 12. Dezember", "Details by 5pm".
_DEADLINE_LINK = re.compile(r"(?:bis(?:\s+(?:zum|zur|spätestens))?|by|spätestens|no later than)\s+", re.IGNORECASE)
# Before a participle these report the past: "was updated by 9am", "wurde bis 10 Uhr aktualisiert".
_PAST_AUXILIARY = re.compile(r"\b(?:was|were|been|had|has|have|wurde|wurden|war|waren)\s+(?:\w+\s+)?$", re.IGNORECASE)


def _deadline_lead(text: str, words: frozenset[str], now: datetime | None) -> bool:
    """True if one of ``words`` is followed directly by a deadline ahead: "updated by noon on Monday 8 December",
    "aktualisiert bis 15 Uhr"; not after "was" or "has been" ("The page was updated by 9am")."""
    if not words:
        return False
    for word in re.finditer(r"[^\W\d_][\w-]*", text):
        if word.group().casefold() not in words or _PAST_AUXILIARY.search(text[max(0, word.start() - 30):word.start()]):
            continue
        after = text[word.end():].lstrip(" ")
        deadline = _DEADLINE_LINK.match(after)
        if deadline is not None and _names_moment(_LINK_WORD.sub("", after[deadline.end():], count=1), now):
            return True
    return False
# A time that recurs is a schedule: "updated at noon each day", "täglich um 12 Uhr".
_RECURRENCE = re.compile(r"\b(?:each|every) (?:day|morning|evening|afternoon|hour|weekday)\b|\bdaily\b|\bhourly\b"
                         r"|\btäglich\b|\bstündlich\b|\bjeden (?:Tag|Morgen|Abend|Werktag)\b|\bwerktags\b",
                         re.IGNORECASE)


# Before a recurring time: the moment it happens ("at noon each day", "täglich um 12 Uhr"), not opening hours
# ("open daily from 8am to 8pm").
_AT = re.compile(r"\b(?:at|um|gegen)\s+$", re.IGNORECASE)


def _recurring(text: str) -> bool:
    """True if the sentence names a clock time that recurs: when the next update comes is known."""
    if not _RECURRENCE.search(text):
        return False
    return any(_AT.search(text[max(0, found.start() - 40): found.start()]) for found in CLOCK.finditer(text))


# A sentence ending in a short word with a dot may have been cut after an abbreviation ("am Do.", "ca.").
_ABBREVIATION_END = re.compile(r"(?<![^\W\d_])[^\W\d_]{1,4}\.$")


def joined(analysed: list[Analysed]) -> list[Analysed]:
    """The sentences with one that opens in lower case joined to the one before: the dot ended an abbreviation."""
    result: list[Analysed] = []
    for item in analysed:
        text = item.sentence.text
        if result and text[:1].isalpha() and text[:1].islower() and item.sentence.tokens \
                and _ABBREVIATION_END.search(result[-1].sentence.text):
            result[-1] = _join(result[-1], item)
        else:
            result.append(item)
    return result


def _join(first: Analysed, second: Analysed) -> Analysed:
    shift = first.sentence.tokens[-1].clause + 1
    gap = " " * (second.sentence.start - first.sentence.end)
    tokens = [*first.sentence.tokens,
              *(replace(token, clause=token.clause + shift) for token in second.sentence.tokens)]
    sentence = Sentence(first.sentence.text + gap + second.sentence.text, first.sentence.start, second.sentence.end,
                        tokens)
    return _analysed(sentence, [*first.forms, *second.forms], [*first.usable, *second.usable],
                     [*first.negated, *second.negated])


def _analysed(sentence: Sentence, forms: list[frozenset[str]], usable: list[bool], negated: list[bool]) -> Analysed:
    item = Analysed(sentence, forms, usable, negated)
    for index, token in enumerate(sentence.tokens):
        item.by_surface.setdefault(token.text.casefold(), []).append(index)
        for form in forms[index]:
            item.by_form.setdefault(form, []).append(index)
    return item


def _future(found: re.Match[str], now: datetime | None) -> bool:
    if now is None:
        return True
    groups = found.groupdict()
    try:
        if groups["d1"]:
            day, month, year = int(groups["d1"]), MONTHS[found.group(2).casefold()], groups["y1"]
        elif groups["d2"]:
            day, month, year = int(groups["d2"]), MONTHS[groups["m2"].casefold()], groups["y2"]
        elif groups["d3"]:
            day, month, year = int(groups["d3"]), int(groups["m3"]), groups["y3"]
        else:
            day, month, year = int(groups["d4"]), int(groups["m4"]), groups["y4"]
        full_year = int(year) if year else now.year
        if full_year < 100:
            full_year += 2000
        return date(full_year, month, day) >= now.date()
    except (KeyError, ValueError):
        return False
