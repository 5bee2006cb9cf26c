"""Find what a rule's word entries and expressions describe, sentence by sentence.

An entry matches when all its words occur in one sentence within the rule's window, in any order and
inflection. A match is dropped when a negation word stands close to it in the same clause ("we do not
speculate"), unless the rule is not negatable, and when its words sit inside a quoted claim the text
distances itself from ("posts claiming 'it was the supplier's fault'").
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from app.statements.checks.lemmas import forms
from app.statements.checks.rules import Entry, Rule, RuleSet
from app.statements.checks.text import Sentence

NEGATION_BEFORE = 4
NEGATION_AFTER = 3
MAX_COMBINATIONS = 2000
_NOT_A_NEGATION_AFTER = frozenset({"only", "just", "nur", "allein", "zuletzt", "erst"})


@dataclass(frozen=True)
class Hit:
    """Where a rule matched: offsets in the statement and the sentence it is in."""

    rule: str
    start: int
    end: int
    sentence: Sentence
    order: int


@dataclass
class Analysed:
    """A sentence with each token's match forms and which tokens the rules may use."""

    sentence: Sentence
    forms: list[frozenset[str]]
    usable: list[bool]
    negated: list[bool]


def analyse(sentences: Iterable[Sentence], ruleset: RuleSet) -> list[Analysed]:
    result = []
    for sentence in sentences:
        tokens = sentence.tokens
        token_forms = [forms(token.text, ruleset.language) for token in tokens]
        pairs = list(zip(tokens, token_forms, strict=True))
        distanced = any(_any_term(ruleset.distancing, token.text, f) for token, f in pairs if not token.quoted)
        quote_sizes = _quote_sizes(sentence)
        usable = [not (token.quoted and (distanced or quote_sizes.get(token.start, 99) <= 3)) for token in tokens]
        negated = [_any_term(ruleset.negations, token.text, f) for token, f in pairs]
        for index in range(len(tokens)):
            nxt = tokens[index + 1].text.casefold() if index + 1 < len(tokens) else ""
            if negated[index] and nxt in _NOT_A_NEGATION_AFTER:
                negated[index] = False
        result.append(Analysed(sentence, token_forms, usable, negated))
    return result


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


def _any_term(entry: Entry, surface: str, word_forms: frozenset[str]) -> bool:
    return any(term.matches(surface, word_forms) for term in entry.terms)


def rule_hits(analysed: list[Analysed], rules: Iterable[Rule], mode: str) -> list[Hit]:
    """Every non-overlapping match; where matches overlap, the longest (then the earlier rule) wins."""
    candidates: list[Hit] = []
    for order, rule in enumerate(rules):
        if rule.structural or mode not in rule.modes:
            continue
        for item in analysed:
            if any(_entry_span(item, entry, rule, negation=False) for entry in rule.unless):
                continue
            for entry in rule.match:
                span = _entry_span(item, entry, rule, negation=rule.negatable)
                if span:
                    candidates.append(Hit(rule.name, span[0], span[1], item.sentence, order))
            for pattern in rule.patterns:
                for found in pattern.finditer(item.sentence.text):
                    start = item.sentence.start + found.start()
                    end = item.sentence.start + found.end()
                    if end > start and not (rule.negatable and _pattern_negated(item, start, end)):
                        candidates.append(Hit(rule.name, start, end, item.sentence, order))
    candidates.sort(key=lambda hit: (-(hit.end - hit.start), hit.order, hit.start))
    kept: list[Hit] = []
    for hit in candidates:
        if all(hit.end <= other.start or hit.start >= other.end for other in kept):
            kept.append(hit)
    return sorted(kept, key=lambda hit: hit.start)


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
        found = [i for i, token in enumerate(tokens) if item.usable[i] and term.matches(token.text, item.forms[i])]
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
        if last - first + 1 <= window:
            combos.append((last - first, first, combo))
    for _, first, combo in sorted(combos):
        if negation and entry.negatable and _negated(item, combo):
            continue
        last = max(combo)
        return tokens[first].start, tokens[last].end
    return None


def _negated(item: Analysed, combo: tuple[int, ...]) -> bool:
    tokens = item.sentence.tokens
    first, last = min(combo), max(combo)
    clauses = {tokens[i].clause for i in combo}
    low, high = max(0, first - NEGATION_BEFORE), min(len(tokens) - 1, last + NEGATION_AFTER)
    return any(item.negated[i] and i not in combo and tokens[i].clause in clauses for i in range(low, high + 1))


def _pattern_negated(item: Analysed, start: int, end: int) -> bool:
    inside = tuple(i for i, token in enumerate(item.sentence.tokens) if token.start < end and token.end > start)
    return bool(inside) and _negated(item, inside)
