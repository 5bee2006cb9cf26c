"""Split a statement into sentences, clauses and word tokens, keeping every token's place in the text.

English contractions are expanded ("won't" gives "will" + "not") so that rules and the negation check
see whole words. Quoted passages are marked so that checks can tell quoted claims from the text's own voice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

WORD = re.compile(
    r"(?P<link>\bhttps?://[^\s<>\"“”„]+[^\s<>\"“”„.,;:!?)]|\bwww\.[^\s<>\"“”„]+[^\s<>\"“”„.,;:!?)]"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b(?:[a-z0-9-]+\.)+[a-z]{2,}/[^\s<>\"“”„]*[^\s<>\"“”„.,;:!?)])"
    r"|[^\W_]+(?:['’\-][^\W_]+)*",
    re.IGNORECASE,
)
LINK = "<link>"
_BREAK = re.compile(r"[.!?…;]+[\"”“»«)\]]*(?=\s)|\n\s*\n|\n(?=\s*[-•*–]\s)|\n(?=\s*\S)")
ABBREVIATIONS = frozenset([
    "mr", "mrs", "ms", "dr", "prof", "st", "no", "nr", "vs", "etc", "ca", "bzw", "ggf", "inkl", "evtl", "usw", "vgl",
    "z", "b", "e", "g", "i", "u", "a", "d", "h", "s", "o", "tel", "str", "abs", "art", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "okt", "nov", "dec", "dez", "approx", "dept", "corp", "inc", "ltd",
    "co", "gmbh", "min", "max",
])
_CLAUSE_WORDS = frozenset([
    "but", "however", "although", "though", "whereas", "aber", "jedoch", "sondern", "obwohl", "allerdings", "doch",
])
_CLAUSE_MARKS = frozenset(",;:–—()")
_QUOTES = re.compile(
    r"\"([^\"\n]{1,400})\"|“([^”\n]{1,400})”|„([^“”\n]{1,400})[“”]|»([^«\n]{1,400})«|«([^»\n]{1,400})»"
    r"|‘([^’\n]{1,400})’(?!\w)|‚([^‘’\n]{1,400})[‘’](?!\w)|(?<!\w)'(\w[^'\n]{0,398}[\w.!?])'(?!\w)"
)
_CONTRACTIONS = {"n't": "not", "'ll": "will", "'re": "are", "'ve": "have", "'d": "would", "'m": "am"}
_NEGATED_STEMS = {"wo": "will", "won": "will", "ca": "can", "can": "can", "sha": "shall", "ain": "is"}


@dataclass(frozen=True)
class Token:
    """One word: its text as written (contractions expanded), position in the statement, clause and quote flag."""

    text: str
    start: int
    end: int
    clause: int
    quoted: bool = False


@dataclass
class Sentence:
    """A sentence with its offsets in the statement and its tokens."""

    text: str
    start: int
    end: int
    tokens: list[Token] = field(default_factory=list)


def split_sentences(text: str, abbreviations: frozenset[str] = ABBREVIATIONS,
                    before_numbers: frozenset[str] = frozenset()) -> list[Sentence]:
    """The sentences of ``text`` in order; a line break or a bullet also ends a sentence.

    A dot after one of ``abbreviations`` (case-folded, without the dot) ends no sentence; nor does a dot
    after one of ``before_numbers`` when a number follows ("Update Fr. 12 Uhr", "No. 5"), so that a
    sentence may still end in such a word ("Das bleibt so.").
    """
    sentences: list[Sentence] = []
    start = 0
    for match in _BREAK.finditer(text):
        end = match.end()
        if match.group().startswith((".",)) and _is_abbreviation(text, match.start(), abbreviations, before_numbers):
            continue
        _add(sentences, text, start, end)
        start = end
    _add(sentences, text, start, len(text))
    return sentences


def _is_abbreviation(text: str, dot: int, abbreviations: frozenset[str] = ABBREVIATIONS,
                     before_numbers: frozenset[str] = frozenset()) -> bool:
    head = text[max(0, dot - 40):dot]
    before = re.search(r"([^\W_]+)$", head)
    if not before:
        return False
    word = before.group(1)
    if re.search(r"\b\d{1,2}\.\d{1,2}$", head):  # a date such as 12.03.
        return True
    if word.isdigit() and len(word) <= 2:  # German ordinals and dates: "am 3. März", "12.03."
        nxt = text[dot + 1 : dot + 40].lstrip()
        return bool(re.match(r"(?:Jan|Feb|Mär|Mar|Apr|Mai|Jun|Jul|Aug|Sep|Okt|Nov|Dez|\d)", nxt))
    folded = word.casefold()
    if folded in before_numbers and re.match(r"\s*,?\s*\d", text[dot + 1 : dot + 8]):
        return True
    # A single letter is an initial ("J. Smith"), unless it ends a contraction ("we won't.", "it isn't.").
    contraction = before.start(1) > 0 and head[before.start(1) - 1] in "'’"
    return folded in abbreviations or (len(word) == 1 and word.isalpha() and not contraction)


def _add(sentences: list[Sentence], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return
    offset = start + chunk.index(stripped[0])
    sentence = Sentence(stripped, offset, offset + len(stripped))
    sentence.tokens = tokenize(text, offset, offset + len(stripped))
    sentences.append(sentence)


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of passages inside quotation marks (straight, curly, German and French quotes)."""
    spans = []
    for match in _QUOTES.finditer(text):
        group = next(i for i in range(1, 9) if match.group(i) is not None)
        spans.append((match.start(group), match.end(group)))
    return spans


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Word tokens of ``text[start:end]`` with clause numbers; commas, dashes and "but" start a new clause."""
    end = len(text) if end is None else end
    quotes = quoted_spans(text[start:end])
    tokens: list[Token] = []
    clause = 0
    position = start
    for match in WORD.finditer(text, start, end):
        between = text[position:match.start()]
        if any(mark in _CLAUSE_MARKS for mark in between):
            clause += 1
        position = match.end()
        word = match.group()
        if word.casefold() in _CLAUSE_WORDS and tokens:
            clause += 1
        inside = any(s <= match.start() - start < e for s, e in quotes)
        if match.group("link"):
            tokens.append(Token(LINK, match.start(), match.end(), clause, inside))
            continue
        for part in _expand(word):
            tokens.append(Token(part, match.start(), match.end(), clause, inside))
    return tokens


def _expand(word: str) -> list[str]:
    lowered = word.casefold().replace("’", "'")
    if lowered == "cannot":
        return ["can", "not"]
    if lowered.endswith("n't"):
        stem = word[: -3]
        return [_NEGATED_STEMS.get(stem.casefold(), stem), "not"]
    for suffix, full in _CONTRACTIONS.items():
        if lowered.endswith(suffix) and len(lowered) > len(suffix):
            return [word[: -len(suffix)], full]
    if lowered.endswith("'s") and len(lowered) > 2:
        return [word[:-2], "'s"]
    if lowered.endswith("s'") and len(lowered) > 2:
        return [word[:-1]]
    return [word]
