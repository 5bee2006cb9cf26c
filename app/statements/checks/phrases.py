"""Find what a rule's word entries and expressions describe, sentence by sentence.

An entry matches when all its words occur in one sentence within the rule's window, in any order and
inflection. A match is dropped when a negation word stands close to it in the same clause ("we do not
speculate"), unless the rule is not negatable, and when its words sit inside a quoted claim the text
distances itself from ("posts claiming 'it was the supplier's fault'"). A rule's ``unless`` entries clear
its matches only in their own part of a sentence that turns on a contrast ("..., but only a few ...").
A rule's ``across`` pairs look one sentence further: a claim restated in one sentence and denied in the
next ("Posts say our stores will close. That is not true.") is found as one match over both.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property

from app.statements.checks.lemmas import compound_heads, forms, separable_particle
from app.statements.checks.prefilter import head_words, lead_words
from app.statements.checks.rules import Entry, Rule, RuleSet, Term
from app.statements.checks.text import Sentence, Token

_HYPHENS = re.compile(r"[-'’]")
_WORD = re.compile(r"\w+")
LEAD_KEY = 3  # words are indexed under their first one, two and three letters
NEGATION_BEFORE = 4
# Words that turn a sentence to a contrasting point: an ``unless`` entry in one part does not clear the other.
CONTRASTS = frozenset({"but", "however", "yet", "aber", "jedoch", "sondern", "allerdings", "trotzdem", "dennoch"})
NEGATION_AFTER = 3
# Words that open a greeting: the clause they open names the audience ("Liebe Kolleginnen und Kollegen,",
# "Dear customer,", "Hi all,"), never someone who did something, so no rule reads its words. A greeting is short.
GREETINGS = frozenset({"dear", "hi", "hello", "hey", "morning", "evening", "afternoon", "colleagues", "team", "all",
                       "folks", "everyone", "liebe", "lieber", "liebes", "hallo", "moin", "servus", "sehr", "guten",
                       "grüß", "grüezi", "kollegen", "kolleginnen", "leute"})
MAX_GREETING = 6
# Words that may stand before an instruction that opens its clause: "Please just try again", "Bitte einfach ...".
SOFTENERS = frozenset({"please", "pls", "just", "simply", "kindly", "then", "and", "or", "so", "now", "bitte",
                       "einfach", "dann", "und", "oder", "also", "jetzt", "gern", "gerne", "ruhig", "am", "besten",
                       "mal", "doch"})
# Words that ask for an action when they open a clause, whatever verb follows: "Please boil all water", "Bitte ...".
REQUESTS = frozenset({"please", "kindly", "bitte"})
_THANKS = frozenset({"danke", "dank", "dankeschön", "vielen"})
# Imperatives of an attitude rather than an action: "Bitte hab Geduld", "Entschuldige", "Vertrau uns", "Please bear
# with us" leave the person with nothing to do.
_ATTITUDES = frozenset({"haben", "sein", "entschuldigen", "verzeihen", "vertrauen", "glauben", "entspannen", "freuen",
                        "bleiben", "bear", "be", "accept", "excuse", "forgive", "trust", "believe", "relax", "rest",
                        "stay", "have", "enjoy"})
MAX_COMBINATIONS = 2000
# Negations that say nothing of the words before them: "acted negligently without the checks" still admits, and
# "That is on us and on nobody else" only stresses whose it is.
FORWARD_ONLY = frozenset({"without", "ohne", "nobody", "niemand", "niemandem", "niemanden"})
_NOT_A_NEGATION_AFTER = frozenset({"only", "just", "nur", "allein", "zuletzt", "erst"})
# Words that open a subordinate clause whose negation stays inside it ("..., dass es nicht wieder passiert").
# Relative pronouns are not among them: in "the agency, which did not check" the negation is the agency's.
SUBORDINATORS = frozenset({
    "that", "whether", "if", "because", "since", "although", "though", "when", "while", "unless", "dass", "ob",
    "weil", "da", "wenn", "falls", "obwohl", "sodass", "damit", "während", "nachdem", "bevor", "sobald", "solange",
})


@dataclass(frozen=True)
class Hit:
    """Where a rule matched: offsets in the statement and the sentence it is in."""

    rule: str
    start: int
    end: int
    sentence: Sentence
    order: int
    claim_end: int | None = None  # for a match over two sentences: where the first (the restated claim) ends


@dataclass
class Analysed:
    """A sentence with each token's match forms, which tokens the rules may use and an index of its forms."""

    sentence: Sentence
    forms: list[frozenset[str]]
    usable: list[bool]
    negated: list[bool]
    by_form: dict[str, list[int]] = field(default_factory=dict)
    by_surface: dict[str, list[int]] = field(default_factory=dict)
    positions: dict[int, list[int]] = field(default_factory=dict)

    # The keys of by_form and by_surface as sets, taken on the first match (the indexes are complete by then):
    # a term's words are intersected with them in C, from the smaller side.
    @cached_property
    def form_keys(self) -> frozenset[str]:
        return frozenset(self.by_form)

    @cached_property
    def surface_keys(self) -> frozenset[str]:
        return frozenset(self.by_surface)


def analyse(sentences: Iterable[Sentence], ruleset: RuleSet) -> list[Analysed]:
    """Prepare sentences for matching: forms, quotation and negation marks, and a form index."""
    result = []
    for sentence in sentences:
        tokens = sentence.tokens
        token_forms = [forms(token.text, ruleset.language) for token in tokens]
        if ruleset.language == "de":
            token_forms = _german_forms(tokens, token_forms, ruleset.vocabulary)
        item = Analysed(sentence, token_forms, [True] * len(tokens), [False] * len(tokens))
        for index, (token, token_form) in enumerate(zip(tokens, token_forms, strict=True)):
            item.by_surface.setdefault(token.text.casefold(), []).append(index)
            for form in token_form:
                item.by_form.setdefault(form, []).append(index)
        distanced = any(not tokens[i].quoted for i in _term_positions(item, ruleset.distancing.terms))
        quote_sizes = _quote_sizes(sentence)
        item.usable = [not (token.quoted and (distanced or quote_sizes.get(token.start, 99) <= 3)) for token in tokens]
        greeting = [token for token in tokens if token.clause == tokens[0].clause] if tokens else []
        if greeting and tokens[0].text.casefold() in GREETINGS and len(greeting) <= MAX_GREETING < len(tokens):
            item.usable = [usable and token.clause != tokens[0].clause for usable, token in zip(item.usable, tokens,
                                                                                                  strict=True)]
        for index in _term_positions(item, ruleset.negations.terms):
            nxt = tokens[index + 1].text.casefold() if index + 1 < len(tokens) else ""
            item.negated[index] = nxt not in _NOT_A_NEGATION_AFTER
        result.append(item)
    return result


def _german_forms(tokens: list[Token], token_forms: list[frozenset[str]],
                  vocabulary: frozenset[str]) -> list[frozenset[str]]:
    """German words also match by a compound's head ("Preisfehler" as "Fehler") and a split verb as a whole.

    A separable particle at the end of a clause ("darauf gehen wir nicht ein") joins the clause's verbs,
    so "gehen ... ein" is also found as "eingehen" and "geben ... bekannt" as "bekanntgeben".
    """
    result = [token_form | compound_heads(token.text, vocabulary) for token, token_form in zip(tokens, token_forms,
                                                                                                 strict=True)]
    for index, token in enumerate(tokens):
        particle = separable_particle(token.text)
        if not particle or (index + 1 < len(tokens) and tokens[index + 1].clause == token.clause):
            continue
        for other in range(index - 1, -1, -1):
            if tokens[other].clause != token.clause:
                break
            word = tokens[other].text
            if word[:1].islower() or other == 0:
                result[other] = result[other] | {particle + form for form in token_forms[other]}
    return result


def _term_positions(item: Analysed, terms: tuple[Term, ...]) -> set[int]:
    """Every token where any of the terms matches (the negation or distancing words), in one pass."""
    return _all_positions(item, _merged(terms))


@cache
def _merged(terms: tuple[Term, ...]) -> Term:
    """One term standing for all of ``terms``: their words, exact spellings and word parts together."""
    return Term(frozenset().union(*(term.words for term in terms)), tuple(p for term in terms for p in term.prefixes),
                tuple(s for term in terms for s in term.suffixes), frozenset().union(*(term.exact for term in terms)))


def _all_positions(item: Analysed, term: Term) -> set[int]:
    """Every token (usable or not) where the term matches, found through the sentence's form index."""
    found: set[int] = set()
    for word in term.words & item.form_keys:
        found.update(item.by_form[word])
    if term.exact:
        for word in term.exact & item.surface_keys:
            found.update(item.by_surface[word])
    if term.prefixes or term.suffixes:
        for form, indexes in item.by_form.items():
            if (term.prefixes and form.startswith(term.prefixes)) or (term.suffixes and form.endswith(term.suffixes)):
                found.update(indexes)
    return found


def _quote_sizes(sentence: Sentence) -> dict[int, int]:
    """For each quoted token's start offset, the number of words in its quoted run."""
    sizes: dict[int, int] = {}
    run: list[int] = []
    for token in [*sentence.tokens, None]:
        if token is not None and token.quoted:
            run.append(token.start)
            continue
        for start in run:
            sizes[start] = len(run)
        run = []
    return sizes


@dataclass
class _Index:
    """Each match entry under the words that anchor it, so a sentence only tries entries it can match."""

    by_word: dict[str, list[tuple[int, Entry]]]
    always: list[tuple[int, Entry]]


_INDEXES: dict[tuple[int, ...], _Index] = {}


def _index(rules: list[Rule]) -> _Index:
    key = tuple(id(rule) for rule in rules)
    index = _INDEXES.get(key)
    if index is None:
        index = _Index({}, [])
        for order, rule in enumerate(rules):
            for entry in rule.match:
                anchor = entry.anchor
                if anchor is None:
                    index.always.append((order, entry))
                else:
                    for word in anchor:
                        index.by_word.setdefault(word, []).append((order, entry))
        _INDEXES[key] = index
    return index


def rule_hits(analysed: list[Analysed], rules: Iterable[Rule], mode: str, text: str) -> list[Hit]:
    """Every match that is not part of another: matches of one rule never overlap (the longest, then the
    earlier, wins), and a match that lies inside another rule's longer match is left out ("we apologise
    for our error" is an admission, not also an apology), but partly overlapping matches of different rules
    are all kept ("caused by human error at our depot" blames and admits). A match over two sentences (``across``)
    holds only what lies in the claim it restates: what another rule finds in the reply to it is its own finding
    ("Im Internet heißt es, ... Dazu sagen wir nichts.")."""
    rules = list(rules)
    index = _index(rules)
    candidates: list[Hit] = []
    starts = [item.sentence.start for item in analysed]
    tried: list[dict[int, list[Entry]]] = []
    for item in analysed:
        entries: dict[int, dict[int, Entry]] = {}
        for word in item.by_form:
            for order, entry in index.by_word.get(word, ()):
                entries.setdefault(order, {})[id(entry)] = entry
        for order, entry in index.always:
            entries.setdefault(order, {})[id(entry)] = entry
        tried.append({order: list(found.values()) for order, found in entries.items()})
    places_of: dict[str, set[int]] = {}
    for place, item in enumerate(analysed):
        for surface in item.by_surface:
            for part in _HYPHENS.split(surface):
                places_of.setdefault(part, set()).add(place)
    word_starts = _word_starts(analysed)
    everywhere = [(0, len(text))]
    for order, rule in enumerate(rules):
        if rule.structural or mode not in rule.modes:
            continue
        found_in: dict[int, list[Hit]] = {}
        for pattern in rule.patterns:
            heads = head_words(pattern)
            leads = lead_words(pattern) if heads is None else None
            if heads is not None:
                places: set[int] | None = set().union(*(places_of.get(word, ()) for word in heads))
            elif leads is not None:
                places = {place for lead in leads for word, place in word_starts.get(lead[:LEAD_KEY], ())
                          if word.startswith(lead)}
            else:
                places = None
            spans = everywhere if places is None else [
                (analysed[place].sentence.start, analysed[place].sentence.end) for place in sorted(places)]
            for found in (match for start, end in spans for match in pattern.finditer(text, start, end)):
                place = bisect.bisect_right(starts, found.start()) - 1
                if place < 0 or found.end() <= found.start() or found.end() > analysed[place].sentence.end:
                    continue
                item = analysed[place]
                if not rule.quoted and not _pattern_usable(item, found.start(), found.end()):
                    continue
                if not (rule.negatable and _pattern_negated(item, found.start(), found.end())):
                    found_in.setdefault(place, []).append(Hit(rule.name, found.start(), found.end(), item.sentence,
                                                              order))
        for place, item in enumerate(analysed):
            if not rule.questions and item.sentence.text.rstrip().endswith("?"):
                continue  # "Will I get my money back?" asks; it offers nothing
            found_here = found_in.get(place, [])
            for entry in tried[place].get(order, ()):
                span = _entry_span(item, entry, rule, negation=rule.negatable)
                if span:
                    found_here.append(Hit(rule.name, span[0], span[1], item.sentence, order))
            if found_here and rule.unless:
                found_here = [hit for hit in found_here if not _cleared(item, hit, rule)]
            candidates.extend(found_here)
        if rule.across:
            candidates.extend(_across_hits(analysed, rule, order, text))
    candidates.sort(key=lambda hit: (-(hit.end - hit.start), hit.order, hit.start))
    kept: list[Hit] = []
    for hit in candidates:
        if all(_apart(hit, other) if other.rule == hit.rule else not _inside(hit, other) for other in kept):
            kept.append(hit)
    return sorted(kept, key=lambda hit: hit.start)


def _word_starts(analysed: list[Analysed]) -> dict[str, list[tuple[str, int]]]:
    """Each word of each sentence, case-folded, with the sentence's place, under its first one to three letters:
    the sentences an expression can match in are those with a word that begins as the expression does."""
    starts: dict[str, list[tuple[str, int]]] = {}
    for place, item in enumerate(analysed):
        for word in set(_WORD.findall(item.sentence.text.casefold())):
            for size in range(1, min(len(word), LEAD_KEY) + 1):
                starts.setdefault(word[:size], []).append((word, place))
    return starts


def _across_hits(analysed: list[Analysed], rule: Rule, order: int, text: str) -> list[Hit]:
    """Matches of the rule's ``across`` pairs: a ``first`` entry in one sentence, a ``then`` entry in the next.

    Only neighbouring sentences count, and an ``unless`` entry in either of them clears the pair.
    """
    hits = []
    for before, after in itertools.pairwise(analysed):
        for pair in rule.across:
            first = _first_span(before, pair.first, rule)
            then = _first_span(after, pair.then, rule) if first else None
            if not first or not then:
                continue
            if any(_span(item, entry, rule.window, negation=False)
                   for item in (before, after) for entry in rule.unless):
                break
            sentence = Sentence(text[before.sentence.start:after.sentence.end], before.sentence.start,
                                after.sentence.end, [*before.sentence.tokens, *after.sentence.tokens])
            hits.append(Hit(rule.name, first[0], then[1], sentence, order, claim_end=before.sentence.end))
            break
    return hits


def _first_span(item: Analysed, entries: Iterable[Entry], rule: Rule) -> tuple[int, int] | None:
    for entry in entries:
        span = _span(item, entry, rule.window, negation=rule.negatable)
        if span:
            return span
    return None


def _cleared(item: Analysed, hit: Hit, rule: Rule) -> bool:
    """True if one of the rule's ``unless`` entries matches in the part of the sentence the hit is in.

    A sentence is cut into parts at a contrast ("we know it is annoying, but only a few were hit") and at a
    dash, so that what one part says cannot clear what the other does.
    """
    part = _part(item, hit.start, hit.end)
    return any(_span(part, entry, rule.window, negation=False) for entry in rule.unless)


def _part(item: Analysed, start: int, end: int) -> Analysed:
    tokens = item.sentence.tokens
    offset = item.sentence.start
    cuts = [0]
    for index in range(1, len(tokens)):
        between = item.sentence.text[tokens[index - 1].end - offset:tokens[index].start - offset]
        if tokens[index].text.casefold() in CONTRASTS or any(mark in between for mark in "–—"):
            cuts.append(index)
    if len(cuts) == 1:
        return item
    cuts.append(len(tokens))
    first = next(i for i, token in enumerate(tokens) if token.end > start)
    last = max(i for i, token in enumerate(tokens) if token.start < end)
    low = max(cut for cut in cuts if cut <= first)
    high = min(cut for cut in cuts if cut > last) if any(cut > last for cut in cuts) else len(tokens)
    if low == 0 and high == len(tokens):
        return item
    sentence = Sentence(item.sentence.text, item.sentence.start, item.sentence.end, tokens[low:high])
    part = Analysed(sentence, item.forms[low:high], item.usable[low:high], item.negated[low:high])
    for index, token in enumerate(sentence.tokens):
        part.by_surface.setdefault(token.text.casefold(), []).append(index)
        for form in part.forms[index]:
            part.by_form.setdefault(form, []).append(index)
    return part


def _apart(hit: Hit, other: Hit) -> bool:
    return hit.end <= other.start or hit.start >= other.end


def _inside(hit: Hit, other: Hit) -> bool:
    """True if ``hit`` lies within ``other``: the longer wording says what the shorter one is part of.

    Of a match over two sentences only the first, the claim it restates, holds other matches.
    """
    end = other.end if other.claim_end is None else other.claim_end
    return other.start <= hit.start and hit.end <= end


def entry_matches(item: Analysed, entry: Entry, window: int = 60) -> bool:
    """True if every word of ``entry`` occurs in the sentence within ``window`` words (negation ignored)."""
    return _span(item, entry, window, negation=False) is not None


def _entry_span(item: Analysed, entry: Entry, rule: Rule, *, negation: bool) -> tuple[int, int] | None:
    return _span(item, entry, rule.window, negation=negation)


def _span(item: Analysed, entry: Entry, window: int, *, negation: bool) -> tuple[int, int] | None:
    window = entry.window or window
    tokens = item.sentence.tokens
    positions = []
    for term in entry.terms:
        found = _positions(item, term)
        if not found:
            return None
        positions.append(found)
    combos = []
    size = 1
    for found in positions:
        size *= len(found)
    if size > MAX_COMBINATIONS:
        positions = [found[:6] for found in positions]
    for combo in itertools.product(*positions):
        if len(set(combo)) != len(combo):
            continue
        first, last = min(combo), max(combo)
        if last - first + 1 <= window and not (entry.negations and _negation_apart(tokens, combo, entry.negations)):
            combos.append((last - first, first, combo))
    for _, first, combo in sorted(combos):
        if negation and entry.negatable and _negated(item, combo):
            continue
        last = max(combo)
        return tokens[first].start, tokens[last].end
    return None


def _negation_apart(tokens: list[Token], combo: tuple[int, ...], negations: tuple[int, ...]) -> bool:
    """True if the entry's negation sits in a subordinate clause that holds only part of the entry's words."""
    starts = {token.clause: token.text.casefold() for token in reversed(tokens)}
    clauses = {tokens[position].clause for position in combo}
    for index in negations:
        clause = tokens[combo[index]].clause
        if starts.get(clause) in SUBORDINATORS and clauses != {clause}:
            return True
        if not any(tokens[position].clause == clause for other, position in enumerate(combo) if other not in negations):
            return True
    return False


def _positions(item: Analysed, term: Term) -> list[int]:
    """Where a term matches a usable token of the sentence, in order (cached per sentence)."""
    key = id(term)
    found = item.positions.get(key)
    if found is None:
        found = sorted(i for i in _all_positions(item, term)
                       if item.usable[i] and (not term.opening or _opens_clause(item.sentence.tokens, i)))
        item.positions[key] = found
    return found


def _opens_clause(tokens: list[Token], index: int) -> bool:
    """True if the token is the first word of its clause, not counting softeners ("please", "bitte", "just")."""
    for before in range(index - 1, -1, -1):
        if tokens[before].clause != tokens[index].clause:
            return True
        if tokens[before].text.casefold() not in SOFTENERS:
            return False
    return True


def _negated(item: Analysed, combo: tuple[int, ...]) -> bool:
    tokens = item.sentence.tokens
    first, last = min(combo), max(combo)
    clauses = {tokens[i].clause for i in combo}
    low, high = max(0, first - NEGATION_BEFORE), min(len(tokens) - 1, last + NEGATION_AFTER)
    return any(item.negated[i] and i not in combo and tokens[i].clause in clauses
               and not (i > last and tokens[i].text.casefold() in FORWARD_ONLY) for i in range(low, high + 1))


def _pattern_usable(item: Analysed, start: int, end: int) -> bool:
    """False when the expression matched words in a quoted claim the sentence distances itself from."""
    tokens = item.sentence.tokens
    return all(item.usable[i] for i, token in enumerate(tokens) if token.start < end and token.end > start)


def _pattern_negated(item: Analysed, start: int, end: int) -> bool:
    inside = tuple(i for i, token in enumerate(item.sentence.tokens) if token.start < end and token.end > start)
    return bool(inside) and _negated(item, inside)


def opens_with_instruction(item: Analysed) -> bool:
    """True if a clause of the sentence opens with a request or a German imperative: the person is told what to do.

    "Please boil all water", "Bitte kochen Sie das Wasser ab", "Rufen Sie uns an", "zieh den Router aus der
    Steckdose". A German imperative is a verb opening its clause, either its infinitive followed by "Sie" or its
    bare stem ("zieh" of "ziehen"); a question ("Haben Sie Fragen?") is none.
    """
    tokens = item.sentence.tokens
    if item.sentence.text.rstrip().endswith("?"):
        return False
    for index, token in enumerate(tokens):
        word = token.text.casefold()
        if not _opens_clause(tokens, index):
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) and tokens[index + 1].clause == token.clause else None
        if following is None or word in _THANKS:
            continue
        if word in REQUESTS:
            if not item.forms[index + 1] & _ATTITUDES:
                return True
            continue
        if word in SOFTENERS:
            continue
        if item.forms[index] & _ATTITUDES:
            continue
        if following.text == "Sie" and word.endswith(("en", "ern", "eln")) and word in item.forms[index]:
            return True
        stems = {word + "en", word + "n"} | ({word[:-1] + "en"} if word.endswith("e") else set())
        if any(form in stems for form in item.forms[index] if form != word):
            return True
    return False
