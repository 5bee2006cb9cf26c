"""Lemmas of words (simplemma, whose dictionaries ship inside the package), cached per word form.

A word's forms are its own spelling and the lemmas of its written, lower-case and capitalised forms, all
case-folded: German nouns at the start of a sentence and verbs written in capitals still find their lemma.
"""

from __future__ import annotations

from functools import lru_cache

import simplemma

# Pronouns keep their own form: "us" must not match a rule word "we", nor "uns" a rule word "wir".
PRONOUNS = frozenset([
    "i", "me", "my", "we", "us", "our", "ours", "you", "your", "it", "its", "they", "them", "their", "ich", "mich",
    "mir", "wir", "uns", "unser", "unsere", "unserer", "unseren", "unserem", "unseres", "sie", "ihr", "ihre", "es",
])


@lru_cache(maxsize=65536)
def forms(word: str, language: str) -> frozenset[str]:
    """The case-folded spelling and lemmas under which ``word`` can be matched."""
    if word.casefold() in PRONOUNS:
        return frozenset({word.casefold()})
    variants = {word, word.lower(), word[:1].upper() + word[1:].lower()}
    found = {word.casefold()}
    for variant in variants:
        found.add(simplemma.lemmatize(variant, lang=language).casefold())
    return frozenset(found)


@lru_cache(maxsize=65536)
def lemma(word: str, language: str) -> str:
    """The case-folded lemma of ``word`` as written."""
    return simplemma.lemmatize(word, lang=language).casefold()
