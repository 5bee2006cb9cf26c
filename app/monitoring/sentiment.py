"""Sentiment of a post: VADER for English, the project's own German lexicon (``lexicon_de.yml``) for German.

Both give a compound score in [-1, 1]; a post counts as negative at or below ``NEGATIVE_AT``. The German
scorer works like a small VADER: word polarities, intensifiers, negation within three words, "aber" giving
the second half more weight, exclamation marks, inflections and superlatives, the ``un-`` prefix. Posts in
other languages are not scored (``None``).
"""

from __future__ import annotations

import math
import re
from functools import cache
from pathlib import Path

import yaml
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

NEGATIVE_AT = -0.05
_WORD = re.compile(r"[#@]?[\wäöüß]+", re.IGNORECASE)
_GERMAN_HINTS = frozenset({
    "und", "der", "die", "das", "nicht", "ist", "ich", "wir", "sie", "ein", "eine", "mit", "für", "auf", "kein",
    "keine", "euer", "eure", "ihr", "uns", "auch", "noch", "schon", "wieder", "aber", "wie", "bei"})
_ENGLISH_HINTS = frozenset({
    "the", "and", "is", "are", "not", "you", "your", "we", "our", "this", "that", "with", "for", "was", "were",
    "have", "has", "of", "to", "it", "be", "on", "at", "what", "why"})


@cache
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


@cache
def _german() -> dict:
    return yaml.safe_load((Path(__file__).with_name("lexicon_de.yml")).read_text(encoding="utf-8"))


def guess_language(text: str) -> str | None:
    """``en`` or ``de`` by common function words (for posts that arrive without a language), else None."""
    words = [w.lower() for w in _WORD.findall(text)]
    german = sum(w in _GERMAN_HINTS for w in words) + 2 * sum(any(c in w for c in "äöüß") for w in words)
    english = sum(w in _ENGLISH_HINTS for w in words)
    if german == english == 0:
        return None
    return "de" if german > english else "en"


def score(text: str, language: str | None) -> float | None:
    """The compound sentiment of ``text`` in [-1, 1], or None for a language that is not scored."""
    language = (language or guess_language(text) or "").lower()[:2]
    if language == "en":
        return _vader().polarity_scores(text)["compound"]
    if language == "de":
        return score_german(text)
    return None


def is_negative(compound: float | None) -> bool:
    return compound is not None and compound <= NEGATIVE_AT


_ENDINGS = ("esten", "ester", "estem", "estes", "este", "sten", "ster", "stem", "stes", "ste", "en", "er", "es", "em",
            "e", "n", "s", "t", "st")


def _stem_lookup(word: str, words: dict[str, float]) -> float | None:
    """The word's polarity: as listed, after a common inflection or superlative ending, or the opposite of the
    word without its ``un-`` prefix (``unfreundlich``)."""
    if word in words:
        return words[word]
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4 and word[: -len(ending)] in words:
            return words[word[: -len(ending)]]
    if word.startswith("un") and len(word) > 6:
        value = _stem_lookup(word[2:], words)
        if value is not None and value > 0:
            return -0.8 * value
    return None


def _negated(tokens: list[str], index: int, words: dict[str, float], negations: set[str]) -> bool:
    """A negation up to three words before (not past another sentiment word), or "nicht" just after."""
    for word in reversed(tokens[max(0, index - 3):index]):
        if word in negations:
            return True
        if _stem_lookup(word, words) is not None:
            return False
    return "nicht" in tokens[index + 1:index + 3]


def score_german(text: str) -> float:
    """VADER-like compound score of a German text from the project's lexicon."""
    lexicon = _german()
    words: dict[str, float] = {k.lower(): float(v) for k, v in lexicon["words"].items()}
    boosters = {k.lower(): float(v) for k, v in lexicon["boosters"].items()}
    negations = {w.lower() for w in lexicon["negations"]}
    tokens = [t.lower().lstrip("#@") for t in _WORD.findall(text)]
    sentiments: list[float] = []
    for index, token in enumerate(tokens):
        value = _stem_lookup(token, words)
        if value is None:
            sentiments.append(0.0)
            continue
        before = tokens[max(0, index - 3):index]
        for distance, word in enumerate(reversed(before)):
            if word in boosters:
                value += math.copysign(boosters[word] * (1 - 0.1 * distance), value)
        if _negated(tokens, index, words, negations):
            value *= -0.74
        sentiments.append(value)
    if "aber" in tokens:
        split = tokens.index("aber")
        sentiments = [v * 0.5 if i < split else v * 1.5 for i, v in enumerate(sentiments)]
    total = sum(sentiments)
    if total:
        total += math.copysign(min(text.count("!"), 4) * 0.292, total)
    return total / math.sqrt(total * total + 15)
