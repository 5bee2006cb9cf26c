"""Does a short reply leave the person somewhere to go: a next step, or a plain word that none is needed?

A reply offers a next step when it gives a contact (a link, an address, a number), tells the person what to do
(an instruction opening its clause, "bitte ... wegwerfen" with the verb last, a menu path such as "Settings >
Security"), names when they hear from us again (the next update's own check: "We'll share more at 10am
tomorrow", "Um 16 Uhr gibt es die nächste Mitteilung"), or matches one of the rule's ``cues`` outside a negation
("you can pay next week", "Den Status siehst du in der App"; "we can't say" is none). One of the rule's
``unless`` entries says that nothing is left to do ("No need to do anything", "Sie müssen nichts tun"): that
reply is complete without a step. What is only under way on our side ("we're looking into it", "wir schauen
uns das an") is no step for the person.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from functools import cache

from app.statements.checks import phrases
from app.statements.checks.phrases import Analysed, entry_matches, opens_with_instruction
from app.statements.checks.rules import Rule
from app.statements.checks.sources import has_contact
from app.statements.checks.updates import names_moment_ahead, names_next_update, parts, reports_past

# A path through an app's menus: "Settings > Security", "Einstellungen > Sicherheit".
MENU_PATH = re.compile(r"[^\W\d_][\w-]*\s*(?:>|→|›)\s*[^\W\d_]", re.UNICODE)
# German requests put the verb last: "Den Lachs bitte einfach wegwerfen", "Taschen bitte klein halten".
_REQUEST = frozenset({"bitte"})
# A request to keep an attitude, not to act: "bitte Geduld haben", "bitte ruhig bleiben".
_ATTITUDES = frozenset({"haben", "sein", "bleiben", "verstehen", "entschuldigen", "verzeihen", "glauben"})


@cache
def _offers(step: Rule) -> Rule:
    """The rule's cues as a matching rule of their own, so a negated cue ("we can't say") offers nothing."""
    return replace(step, name=f"{step.name}:cues", match=step.cues, unless=(), cues=(), negatable=True,
                   modes=frozenset({"reply"}))


def offers_next_step(analysed: list[Analysed], step: Rule, update: Rule, text: str, *,
                     now: datetime | None = None) -> bool:
    """True if the reply gives the person a next step or says that nothing is left to do."""
    if has_contact(text) or MENU_PATH.search(text):
        return True
    if any(opens_with_instruction(item) or _request_verb_last(item) or _imperative_with_request(item)
           for item in analysed):
        return True
    if any(entry_matches(item, entry, step.window) for item in analysed for entry in step.unless):
        return True
    if phrases.rule_hits(analysed, [_offers(step)], "reply", text):
        return True
    ahead = [part for item in analysed for part in parts(item) if not reports_past(part, update)]
    return names_next_update(ahead, update, now=now) or any(names_moment_ahead(item, update, now=now)
                                                             for item in analysed)


def _request_verb_last(item: Analysed) -> bool:
    """True if a clause holds "bitte" and ends in an infinitive of an action: "Taschen bitte klein halten"."""
    tokens = item.sentence.tokens
    clauses_with_request = {token.clause for token in tokens if token.text.casefold() in _REQUEST}
    for index, token in enumerate(tokens):
        if token.clause not in clauses_with_request:
            continue
        last = index + 1 == len(tokens) or tokens[index + 1].clause != token.clause
        word = token.text.casefold()
        if last and word[:1].isalpha() and token.text[:1].islower() and word.endswith("en") \
                and word in item.forms[index] and word not in _REQUEST and not item.forms[index] & _ATTITUDES:
            return True
    return False


# Words that follow a German imperative inside its clause: "Für heute schau bitte in der App", "lies mal nach".
_AFTER_IMPERATIVE = frozenset({"bitte", "mal", "doch"})


def _imperative_with_request(item: Analysed) -> bool:
    """True if a German imperative stem stands right before "bitte" or "mal": "Für heute schau bitte in der App"."""
    tokens = item.sentence.tokens
    for index in range(1, len(tokens)):
        if tokens[index].text.casefold() not in _AFTER_IMPERATIVE or tokens[index - 1].clause != tokens[index].clause:
            continue
        word = tokens[index - 1].text.casefold()
        if not word.isalpha() or not tokens[index - 1].text[:1].islower():
            continue
        stems = {word + "en", word + "n"} | ({word[:-1] + "en"} if word.endswith("e") else set())
        if any(form in stems for form in item.forms[index - 1] if form != word) \
                and not item.forms[index - 1] & _ATTITUDES:
            return True
    return False
