"""Lemmas of words (simplemma, whose dictionaries ship inside the package, read as tries: see dictionaries), cached
per word form.

A word's forms are its own spelling and the lemmas of its written, lower-case and capitalised forms, all
case-folded: German nouns at the start of a sentence and verbs written in capitals still find their lemma.
German compounds are also found by their head when the head is a word the rules know ("Preisfehler",
"Cloud-Anbieter"), and separable verb particles are recognised ("gehen ... ein").
"""

from __future__ import annotations

from functools import lru_cache

from simplemma.strategies import DictionaryLookupStrategy

from app.statements.checks.dictionaries import factory, lemmatizer

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
        found.add(lemmatizer(language).lemmatize(variant, lang=language).casefold())
    if language == "en":
        found |= {_SLIPS[form] for form in found if form in _SLIPS}
    if language == "en" and found == {word.casefold()}:
        found |= _ing_stem(word.casefold())
    return frozenset(found)


# Lemmas simplemma's English data gets wrong by a stray letter, for verbs crisis texts use all the time: "claimed" as
# "claime", "asked" as "aske", "cancelled" as "cancell". Each form also counts as the verb it belongs to.
_SLIPS = {
    "answere": "answer", "aske": "ask", "claime": "claim", "confirme": "confirm", "fixe": "fix", "mixe": "mix",
    "playe": "play", "regarde": "regard", "talke": "talk", "thanke": "thank", "thinke": "think", "cancell": "cancel",
    "labell": "label", "signall": "signal", "travell": "travel", "dispell": "dispel", "guarde": "guard",
}


# -ing words that are no verb form: their stem is another word ("evening" is not a form of "even").
_NOT_PARTICIPLES = frozenset([
    "evening", "morning", "banking", "nothing", "something", "anything", "everything", "during", "ceiling", "meaning",
    "feeling", "building", "wedding", "pudding", "sibling", "darling", "herring", "offspring", "awning", "lightning",
    "outing", "fencing", "boxing", "bearing", "warning", "warnings", "timing", "setting", "settings", "listing",
    "listings", "heading", "ending", "opening", "opening", "parking", "housing", "clothing", "training", "hearing",
    "funding", "spelling", "booking", "bookings", "filling", "marketing", "coming", "understanding",
])


def _ing_stem(word: str) -> set[str]:
    """The verb of an English -ing form simplemma leaves as it is ("failing" as "fail", "blaming" as "blame")."""
    if not word.endswith("ing") or len(word) <= 5 or word in _NOT_PARTICIPLES:
        return set()
    stem = word[:-3]
    candidates = [stem, stem + "e"]
    if len(stem) > 2 and stem[-1] == stem[-2]:
        candidates.append(stem[:-1])
    words = [candidate for candidate in candidates if _lookup().get_lemma(candidate, "en") is not None]
    # A verb in -e drops it before -ing: "closing", "writing" and "rating" are "close", "write" and "rate", even where
    # "clos", "writ" and "rat" are words of their own.
    return set(words[:1]) | ({stem + "e"} & set(words))


@lru_cache(maxsize=1)
def _lookup() -> DictionaryLookupStrategy:
    return DictionaryLookupStrategy(factory("en"))


@lru_cache(maxsize=65536)
def lemma(word: str, language: str) -> str:
    """The case-folded lemma of ``word`` as written."""
    return lemmatizer(language).lemmatize(word, lang=language).casefold()


# Particles that German moves to the end of a clause ("wir geben das Ergebnis bekannt", "das geht auf uns zurück").
SEPARABLE_PARTICLES = frozenset([
    "ab", "an", "auf", "aus", "bei", "bekannt", "durch", "ein", "fest", "fort", "frei", "gerade", "gut", "her",
    "herum", "hin", "hinzu", "los", "mit", "nach", "nahe", "sicher", "statt", "teil", "vor", "weg", "weiter", "wieder",
    "zu", "zurück", "zusammen",
])
_MIN_HEAD = 4
_ENDINGS = ("", "n", "en", "s", "es", "e", "er", "ern")


def separable_particle(word: str) -> str:
    """The particle if ``word`` (as written) can be a separated verb particle, else an empty string."""
    return word if word in SEPARABLE_PARTICLES else ""


@lru_cache(maxsize=65536)
def compound_heads(word: str, vocabulary: frozenset[str]) -> frozenset[str]:
    """The rule words a German compound noun ends in: "Preisfehlern" gives "fehler", "Cloud-Anbieter" "anbieter".

    Only heads of at least four letters that the rules know are returned, so a compound is split exactly
    where a rule could use the split; the part before the head must be at least three letters long.
    """
    if len(word) < _MIN_HEAD + 3 or not word[:1].isupper():
        return frozenset()
    folded = word.casefold()
    found = set()
    for start in range(3, len(folded) - _MIN_HEAD + 1):
        tail = folded[start:].lstrip("-")
        if len(tail) < _MIN_HEAD:
            break
        for ending in _ENDINGS:
            if ending and not tail.endswith(ending):
                continue
            stem = tail[: len(tail) - len(ending)] if ending else tail
            if stem in vocabulary:
                found.add(stem)
                break
    return frozenset(found)
