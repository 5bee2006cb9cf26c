"""Private names: find people's names in private facts and flag them in a statement, in any inflection.

A private fact is a sentence ("Erstmeldung durch Kunde Max Müller"); its names are runs of capitalised
words after leaving out titles and role words ("Kunde", "Frau", "customer"), keeping first and last name. In a
fact that describes someone before a colon ("Verletzter Mitarbeiter: Max Müller") only the part after it counts.
A name is flagged in full, by its surname alone or by its given name alone ("the driver, Marek, ..."), with
possessive or genitive endings (Müllers, Doe's).
A surname may hold lower-case particles ("Irmgard von Kessel"). In English a surname or given name alone next
to another capitalised word is part of another name ("the Main Hall bar"). E-mail addresses and long numbers
in a private fact, and a short private term as a whole, are flagged too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"[^\W\d_][^\W\d_'’.\-]*(?:[-'’][^\W\d_]+)*\.?")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NUMBER = re.compile(r"\d[\d /-]{4,}\d")
_ENDINGS = r"(?:s|['’]s|['’])?"
MAX_TERM_WORDS = 4
# Lower-case words inside a surname: "Irmgard von Kessel", "Frau van der Berg".
PARTICLES = frozenset({"von", "van", "der", "den", "de", "zu", "vom", "zur", "ten", "ter", "da", "di", "du", "le",
                       "la"})


@dataclass(frozen=True)
class PrivateTerm:
    """Something a statement must not say: ``label`` for the message, ``pattern`` to find it."""

    label: str
    pattern: re.Pattern[str]
    part: re.Pattern[str] | None = None  # a name's surname or given name alone


def private_terms(facts: Iterable[str], titles: frozenset[str]) -> list[PrivateTerm]:
    """The names, addresses and numbers to look for, from the private facts (deduplicated)."""
    found: dict[str, PrivateTerm] = {}
    for fact in facts:
        fact = " ".join(str(fact).split())
        if not fact:
            continue
        if len(fact.split()) <= MAX_TERM_WORDS:
            found.setdefault(fact.casefold(), PrivateTerm(fact, re.compile(rf"(?<!\w){re.escape(fact)}(?!\w)",
                                                                                re.IGNORECASE)))
        for name in names_in(_described(fact, titles), titles):
            parts = name.split()
            whole = r"\s+".join(re.escape(part) for part in parts)
            alternatives = []
            if len(parts[-1]) >= 3:
                alternatives.append(rf"{re.escape(parts[-1])}{_ENDINGS}")
            if len(parts) > 1 and len(parts[0]) >= 3:  # the given name alone, but not an abbreviation ("Max. 5")
                alternatives.append(rf"{re.escape(parts[0])}{_ENDINGS}(?!\.\s*(?:\d|[a-zäöüß]))")
            pattern = re.compile(rf"(?<![\w-]){whole}{_ENDINGS}(?![\w-])")
            part = re.compile(rf"(?<![\w-])(?:{'|'.join(alternatives)})(?![\w-])") if alternatives else None
            found.setdefault(name.casefold(), PrivateTerm(name, pattern, part))
        for match in [*_EMAIL.finditer(fact), *_NUMBER.finditer(fact)]:
            value = match.group()
            pattern = re.compile(rf"(?<![\w@.-]){re.escape(value)}(?![\w-])", re.IGNORECASE)
            found.setdefault(value.casefold(), PrivateTerm(value, pattern))
    return list(found.values())


def _described(fact: str, titles: frozenset[str]) -> str:
    """The part of a "description: person" fact that names the person, so that the nouns of the description
    ("Ins Krankenhaus gebrachter Bewohner: Heinrich Kösters") are not read as a name; the whole fact if the part
    after the colon names nobody."""
    _, colon, after = fact.partition(": ")
    return after if colon and names_in(after, titles) else fact


def names_in(fact: str, titles: frozenset[str]) -> list[str]:
    """People's names in one private fact: capitalised runs without titles, at most first and last name."""
    names: list[str] = []
    run: list[str] = []
    after_title = False

    def flush() -> None:
        nonlocal run, after_title
        if run:
            names.extend(_name(run, after_title))
            after_title = False
        run = []

    particle = ""
    for word, follows_gap in _words(fact):
        bare = word.rstrip(".")
        if bare in PARTICLES and (run or after_title) and not follows_gap:
            particle = f"{particle}{bare} "
            continue
        if particle:
            if _capitalised(bare):
                bare, word = particle + bare, particle + word
            particle = ""
        if bare.casefold() in titles or (len(bare) == 1 and bare.isupper() and not run):
            # A title or a first initial ("R. Murugesan", "J Smith") marks the next capitalised word as a surname.
            flush()
            after_title = True
            continue
        if _capitalised(bare):
            if follows_gap:
                flush()
            run.append(bare)
            if word.endswith(".") and len(bare) > 1:
                flush()
            continue
        flush()
        after_title = False
    flush()
    return names


def _capitalised(word: str) -> bool:
    word = word.rsplit(" ", 1)[-1]
    return (word[:1].isupper() and any(ch.islower() for ch in word)
            and all(ch.isalpha() or ch in "-'’" for ch in word))


def _words(fact: str) -> Iterable[tuple[str, bool]]:
    position = 0
    for match in _WORD.finditer(fact):
        between = fact[position:match.start()]
        position = match.end()
        yield match.group(), bool(between.strip())


def _name(run: Sequence[str], after_title: bool) -> list[str]:
    if len(run) >= 2:
        return [" ".join(run[-2:])]
    if len(run) == 1 and after_title:
        return [run[0]]
    return []


def find(text: str, terms: Sequence[PrivateTerm], titles: frozenset[str] = frozenset(),
         language: str = "de") -> list[tuple[PrivateTerm, int, int]]:
    """Each private term's first occurrence in the text, in text order.

    In English, a surname or given name alone next to another capitalised word (after it: one that is no title
    and does not open the sentence) belongs to another name ("the Main Hall bar" and "our Fields Road store"
    are not Daniel Hall or Tom Fields; "Mr Hall" is). German
    writes every noun with a capital ("Familie Wendt", "Schichtleiter Ferrante"), so there it always counts.
    """
    hits = []
    for term in terms:
        match = term.pattern.search(text)
        if match is None and term.part is not None:
            match = next((found for found in term.part.finditer(text)
                          if language != "en" or not _inside_other_name(text, found.start(), found.end(), titles)),
                         None)
        if match:
            hits.append((term, match.start(), match.end()))
    return sorted(hits, key=lambda hit: hit[1])


_AFTER = re.compile(r"[ \t]+([^\W\d_][\w'’-]*)")
_BEFORE = re.compile(r"(?:^|([.!?:;]\s+)|\s)([^\W\d_][\w'’-]*)\s+$")


def _inside_other_name(text: str, start: int, end: int, titles: frozenset[str]) -> bool:
    """True if a capitalised word follows, or one precedes that is no title and does not open the sentence."""
    after = _AFTER.match(text, end)
    if after is not None and _capitalised(after.group(1)):
        return True
    found = _BEFORE.search(text[max(0, start - 40):start])
    if found is None:
        return False
    word = found.group(2)
    opens_sentence = found.group(1) is not None or found.start(2) == 0 and start - 40 <= 0
    return _capitalised(word) and word.casefold().rstrip(".") not in titles and not opens_sentence
