"""Rule data: load and validate ``rules/<language>.yml`` into rules made of word terms and expressions.

A rule's ``match`` entries are written as words: every word of an entry must occur in one sentence, in any
order, within the rule's ``window`` of words, each in any inflection (compared by lemma), so ``"wir haften"``
also finds "Für diesen Mangel haften wir". See the README's linter section for the whole format.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from app.statements.checks.lemmas import PRONOUNS, lemma
from app.statements.checks.prefilter import compile_fast

# libyaml's safe loader when PyYAML was built with it: the rule files load ten times faster.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SEVERITIES = ("error", "warning")
MODES = ("statement", "reply")
STRUCTURAL_RULES = ("missing_next_update", "missing_info_source", "too_long", "private_name", "empty")
STRUCTURAL_OPTIONAL = ("missing_next_step",)
RULE_KEYS = {"severity", "message", "patterns", "requires_legal", "match", "unless", "negatable", "window",
             "modes", "cues", "distrust", "titles", "quoted", "across", "leads", "past", "due",
             "deadline_leads", "closing", "questions"}
ACROSS_KEYS = ("first", "then")
SETTINGS_KEY = "settings"
SETTINGS_KEYS = {"negations", "distancing", "lexicons", "abbreviations", "abbreviations_before_numbers"}
PLACEHOLDERS = {
    "excerpt": "…x…",
    "channel": "X",
    "limit": 280,
    "length": 300,
    "over": 20,
    "term": "Name",
    "next_update": "14:30",
    "info_source": "example.com",
}
DEFAULT_WINDOW = 6


# Equal terms are one object, so that a sentence's positions cached per term (by identity) serve every entry
# that shares it (a lexicon such as @third_party stands in many entries).
_TERMS: dict[Term, Term] = {}


class RuleError(ValueError):
    """A rules file that cannot be used; the message names the file and the rule."""


@dataclass(frozen=True)
class Term:
    """One word of an entry: any of its alternatives, compared by lemma; ``x*``/``*x`` match word parts.

    ``opening``: the word must open its clause (after at most a softener such as "please" or "bitte"), as an
    instruction does ("^=try again", "^=frag nach").
    """

    words: frozenset[str]
    prefixes: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    exact: frozenset[str] = frozenset()
    opening: bool = False


@dataclass(frozen=True)
class Entry:
    """Words that must all occur in one sentence, in any order, within ``window`` words.

    An entry with a word that is only a negation ("we not comment") needs that negation in a clause with
    another of its words, and not alone in a subordinate clause: the "nicht" of "..., dass sich das nicht
    wiederholt" says nothing about "wir können sagen" before the comma. ``negations`` are those words' indexes.
    """

    text: str
    terms: tuple[Term, ...]
    negatable: bool = True
    window: int | None = None
    negations: tuple[int, ...] = ()

    @property
    def anchor(self) -> frozenset[str] | None:
        """The words of a term without word parts: without one of them in a sentence the entry cannot match."""
        term = next((term for term in self.terms if not term.prefixes and not term.suffixes), None)
        return None if term is None else term.words | term.exact


@dataclass(frozen=True)
class Across:
    """Two neighbouring sentences that say together what neither says alone.

    The rule matches when one of the ``first`` entries is found in a sentence and one of the ``then`` entries
    in the sentence right after it ("Posts say our stores will close." + "That is not true.").
    """

    first: tuple[Entry, ...]
    then: tuple[Entry, ...]


@dataclass(frozen=True)
class Rule:
    name: str
    severity: str
    message: str
    patterns: tuple[re.Pattern[str], ...] = ()
    requires_legal: bool = False
    match: tuple[Entry, ...] = ()
    unless: tuple[Entry, ...] = ()
    negatable: bool = True
    window: int = DEFAULT_WINDOW
    modes: frozenset[str] = frozenset(MODES)
    cues: tuple[Entry, ...] = ()
    distrust: tuple[Entry, ...] = ()
    titles: frozenset[str] = frozenset()
    quoted: bool = False
    across: tuple[Across, ...] = ()
    leads: frozenset[str] = frozenset()
    past: tuple[Entry, ...] = ()
    due: tuple[Entry, ...] = ()
    deadline_leads: frozenset[str] = frozenset()
    closing: tuple[Entry, ...] = ()
    questions: bool = True  # False: a match in a question ("Will I get my money back?") does not count

    @property
    def structural(self) -> bool:
        return self.name in STRUCTURAL_RULES or self.name in STRUCTURAL_OPTIONAL


@dataclass(frozen=True)
class RuleSet:
    """A language's rules plus its negation and distancing words and the abbreviations that end no sentence."""

    language: str
    rules: dict[str, Rule]
    negations: Entry
    distancing: Entry
    vocabulary: frozenset[str] = frozenset()
    abbreviations: frozenset[str] | None = None
    abbreviations_before_numbers: frozenset[str] = frozenset()


def load_rules(path: Path, language: str | None = None) -> dict[str, Rule]:
    """Load and validate one rules file; raises RuleError naming the file and the rule."""
    return load_ruleset(path, language).rules


def load_ruleset(path: Path, language: str | None = None) -> RuleSet:
    """The rules and settings of one file; the language defaults to the file's stem."""
    name = path.name
    language = language or path.stem
    if language not in ("en", "de"):
        language = "en"
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise RuleError(f"{name}: cannot read rules: {exc}") from None
    if not isinstance(data, dict):
        raise RuleError(f"{name}: expected a mapping of rule names to rules")
    settings = data.pop(SETTINGS_KEY, {}) or {}
    if not isinstance(settings, dict) or set(settings) - SETTINGS_KEYS:
        raise RuleError(f"{name}: {SETTINGS_KEY} takes only {', '.join(sorted(SETTINGS_KEYS))}")
    where = f"{name}: {SETTINGS_KEY}"
    negations = _entry(where, " ".join(_strings(where, "negations", settings.get("negations", ["not"]))), language)
    distancing = _entry(where, " ".join(_strings(where, "distancing", settings.get("distancing", ["claim"]))),
                        language)
    lexicons = _lexicons(where, settings.get("lexicons", {}) or {})
    negation_words = frozenset().union(*(term.words | term.exact for term in negations.terms))
    context = _Context(language, lexicons, negation_words)
    rules = {str(key): _parse_rule(name, str(key), value, context) for key, value in data.items()}
    for key in STRUCTURAL_RULES:
        if key not in rules:
            raise RuleError(f"{name}: rule {key!r} is missing (it needs a severity and a message)")
    for key, rule in rules.items():
        if rule.structural and (rule.patterns or rule.match or rule.across):
            raise RuleError(f"{name}: rule {key!r} is a structural check and takes no patterns, match or across")
    abbreviations = {key: frozenset(word.casefold().rstrip(".") for word in _strings(where, key, settings[key]))
                     for key in ("abbreviations", "abbreviations_before_numbers") if key in settings}
    return RuleSet(language, rules, negations, distancing, _vocabulary(rules.values(), lexicons, language),
                   abbreviations.get("abbreviations"), abbreviations.get("abbreviations_before_numbers", frozenset()))


@dataclass(frozen=True)
class _Context:
    """What parsing an entry needs besides its text: the language, the lexicons and the negation words."""

    language: str
    lexicons: dict[str, list[str]]
    negations: frozenset[str] = frozenset()


def _lexicons(where: str, raw: object) -> dict[str, list[str]]:
    """Named word families (``@name`` in an entry stands for all of them), e.g. every word for a third party."""
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: lexicons must map a name to a list of words")
    lexicons = {}
    for key, words in raw.items():
        if not isinstance(key, str) or not re.fullmatch(r"[^\W\d_]\w*", key) or key != key.lower():
            raise RuleError(f"{where}: lexicon name {key!r} must be lower-case letters, digits and _")
        lexicons[key] = [word for item in _strings(f"{where}: lexicon {key!r}", "words", words)
                         for word in item.split("|")]
    for key, words in lexicons.items():
        for word in words:
            if word.startswith("@") and word[1:] not in lexicons:
                raise RuleError(f"{where}: lexicon {key!r} refers to unknown lexicon {word!r}")
    return lexicons


def _vocabulary(rules: Iterable[Rule], lexicons: dict[str, list[str]], language: str) -> frozenset[str]:
    """The nouns the rules look for (written capitalised): the heads a German compound may end in ("Preisfehler").

    Verbs are left out, so "Ausreden" is not read as "reden".
    """
    words: set[str] = set()
    for rule in rules:
        pairs = [entry for pair in rule.across for entry in (*pair.first, *pair.then)]
        for entry in (*rule.match, *rule.unless, *rule.cues, *rule.past, *rule.due, *rule.closing, *pairs):
            for chunk in entry.text.lstrip("!").split():
                for word in _expand_lexicons("", "", chunk.split("|"), lexicons):
                    word = word.lstrip("=")
                    if len(word) >= 4 and word[:1].isupper() and not word.endswith("*"):
                        words.update({word.casefold(), lemma(word, language)})
    return frozenset(words)


def _parse_rule(file_name: str, rule_name: str, value: object, context: _Context) -> Rule:
    where = f"{file_name}: rule {rule_name!r}"
    if not isinstance(value, dict):
        raise RuleError(f"{where}: expected a mapping with severity and message")
    unknown = set(value) - RULE_KEYS
    if unknown:
        raise RuleError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                        f"allowed: {', '.join(sorted(RULE_KEYS))}")
    severity = value.get("severity")
    if severity not in SEVERITIES:
        raise RuleError(f"{where}: severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    message = value.get("message")
    if not isinstance(message, str) or not message.strip():
        raise RuleError(f"{where}: message must be a non-empty string")
    _check_placeholders(where, message)
    flags = {}
    for key, default in (("requires_legal", False), ("negatable", True), ("quoted", False), ("questions", True)):
        flags[key] = value.get(key, default)
        if not isinstance(flags[key], bool):
            raise RuleError(f"{where}: {key} must be true or false")
    window = value.get("window", DEFAULT_WINDOW)
    if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 60:
        raise RuleError(f"{where}: window must be a whole number of words from 1 to 60, not {window!r}")
    modes = value.get("modes", list(MODES))
    if not isinstance(modes, list) or not modes or set(modes) - set(MODES):
        raise RuleError(f"{where}: modes must be a list of {', '.join(MODES)}")
    patterns = []
    for raw in _strings(where, "patterns", value.get("patterns", [])):
        try:
            patterns.append(compile_fast(raw))
        except re.error as exc:
            raise RuleError(f"{where}: bad regular expression {raw!r}: {exc}") from None
    match = tuple(_entry(where, raw, context) for raw in _strings(where, "match", value.get("match", [])))
    structural = rule_name in STRUCTURAL_RULES or rule_name in STRUCTURAL_OPTIONAL
    if not structural and not patterns and not match:
        raise RuleError(f"{where}: patterns must be a non-empty list of regular expressions "
                        "(or give match: a list of word entries)")
    return Rule(
        rule_name, severity, message.strip(), tuple(patterns), flags["requires_legal"], match,
        tuple(_entry(where, raw, context) for raw in _strings(where, "unless", value.get("unless", []))),
        flags["negatable"], window, frozenset(modes),
        tuple(_entry(where, raw, context) for raw in _strings(where, "cues", value.get("cues", []))),
        tuple(_entry(where, raw, context) for raw in _strings(where, "distrust", value.get("distrust", []))),
        frozenset(word.casefold() for word in _strings(where, "titles", value.get("titles", []))),
        flags["quoted"],
        _across(where, value.get("across", []), context),
        frozenset(word.casefold() for word in _strings(where, "leads", value.get("leads", []))),
        tuple(_entry(where, raw, context) for raw in _strings(where, "past", value.get("past", []))),
        tuple(_entry(where, raw, context) for raw in _strings(where, "due", value.get("due", []))),
        frozenset(word.casefold() for word in _strings(where, "deadline_leads", value.get("deadline_leads", []))),
        tuple(_entry(where, raw, context) for raw in _strings(where, "closing", value.get("closing", []))),
        flags["questions"],
    )


def _across(where: str, raw: object, context: _Context) -> tuple[Across, ...]:
    """``across: [{first: [...], then: [...]}]``: entry lists for a sentence and the one right after it."""
    if not isinstance(raw, list):
        raise RuleError(f"{where}: across must be a list of pairs, each with first: and then: entry lists")
    pairs = []
    for number, pair in enumerate(raw, 1):
        here = f"{where}: across pair {number}"
        if not isinstance(pair, dict) or set(pair) != set(ACROSS_KEYS):
            raise RuleError(f"{here}: give exactly first: and then:, each a non-empty list of entries")
        first, then = (tuple(_entry(here, text, context) for text in _strings(here, key, pair[key]))
                       for key in ACROSS_KEYS)
        if not first or not then:
            raise RuleError(f"{here}: first and then must each list at least one entry")
        pairs.append(Across(first, then))
    return tuple(pairs)


def _strings(where: str, key: str, raw: object) -> list[str]:
    if not isinstance(raw, list):
        raise RuleError(f"{where}: {key} must be a list")
    for item in raw:
        if isinstance(item, bool) or item is None:
            raise RuleError(f"{where}: {key} entry {item!r} is not a word: put words such as 'no' or 'false' "
                            "in quotes")
        if not isinstance(item, str) or not item.strip():
            raise RuleError(f"{where}: {key} entry {item!r} is not a non-empty string")
    return [item.strip() for item in raw]


def _entry(where: str, raw: str, context: _Context | str) -> Entry:
    """Parse ``"word|other pref* =exact @lexicon"`` into terms; alternatives are separated by ``|``.

    A leading ``!`` makes the entry immune to negation ("!never happen again"); a trailing ``~N`` sets the
    entry's own window of N words ("=update at ~2"); ``@name`` stands for every word of a lexicon; a word
    written ``^word`` must open its clause ("^=try again").
    """
    if isinstance(context, str):
        context = _Context(context, {})
    language = context.language
    terms = []
    negatable = not raw.startswith("!")
    chunks = raw.lstrip("!").split()
    window = None
    if chunks and re.fullmatch(r"~\d{1,2}", chunks[-1]):
        window = int(chunks.pop()[1:])
        if window < 1:
            raise RuleError(f"{where}: window ~{window} in {raw!r} must be at least 1")
    for chunk in chunks:
        opening = chunk.startswith("^") and len(chunk) > 1
        chunk = chunk[1:] if opening else chunk
        words: set[str] = set()
        prefixes: list[str] = []
        suffixes: list[str] = []
        exact: set[str] = set()
        for alternative in _expand_lexicons(where, raw, chunk.split("|"), context.lexicons):
            alt = alternative.strip()
            if not alt or alt in ("*", "="):
                raise RuleError(f"{where}: empty word in {raw!r}")
            if alt.startswith("="):
                exact.add(alt[1:].casefold())
            elif alt.endswith("*") and alt.startswith("*"):
                raise RuleError(f"{where}: use either word* or *word, not both, in {raw!r}")
            elif alt.endswith("*"):
                prefixes.append(alt[:-1].casefold())
            elif alt.startswith("*"):
                suffixes.append(alt[1:].casefold())
            else:
                words.add(alt.casefold())
                if alt.casefold() not in PRONOUNS:
                    words.add(lemma(alt, language))
        term = Term(frozenset(words), tuple(prefixes), tuple(suffixes), frozenset(exact), opening)
        terms.append(_TERMS.setdefault(term, term))
    if not terms:
        raise RuleError(f"{where}: entry {raw!r} has no words")
    bound = tuple(index for index, term in enumerate(terms)
                  if (term.words | term.exact) and (term.words | term.exact) <= context.negations
                  and not term.prefixes and not term.suffixes)
    return Entry(raw, tuple(terms), negatable, window, bound if len(bound) < len(terms) else ())


def _expand_lexicons(where: str, raw: str, alternatives: list[str], lexicons: dict[str, list[str]],
                     seen: frozenset[str] = frozenset()) -> list[str]:
    expanded = []
    for alternative in alternatives:
        alt = alternative.strip()
        if not alt.startswith("@"):
            expanded.append(alt)
            continue
        name = alt[1:]
        if name not in lexicons:
            raise RuleError(f"{where}: unknown lexicon {alt!r} in {raw!r}; define it under settings: lexicons")
        if name in seen:
            raise RuleError(f"{where}: lexicon {alt!r} refers to itself")
        expanded.extend(_expand_lexicons(where, raw, lexicons[name], lexicons, seen | {name}))
    return expanded


def _check_placeholders(where: str, message: str) -> None:
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(message) if field is not None]
    except ValueError as exc:
        raise RuleError(f"{where}: bad message template: {exc}") from None
    for field in fields:
        if field not in PLACEHOLDERS:
            raise RuleError(f"{where}: unknown placeholder {{{field}}} in message; "
                            f"allowed: {', '.join(PLACEHOLDERS)}")
