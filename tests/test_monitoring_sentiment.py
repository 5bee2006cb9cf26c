"""Sentiment scorers measured on the project's labelled posts (English: VADER; German: the own lexicon)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.monitoring import sentiment

CORPUS = yaml.safe_load((Path(sentiment.__file__).with_name("sentiment_corpus.yml")).read_text(encoding="utf-8"))


def measure(items: list[list[str]], language: str) -> dict[str, float]:
    hits = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for label, text in items:
        negative = sentiment.is_negative(sentiment.score(text, language))
        key = ("tp" if label == "negative" else "fp") if negative else ("fn" if label == "negative" else "tn")
        hits[key] += 1
    return {"accuracy": (hits["tp"] + hits["tn"]) / len(items), "precision": hits["tp"] / (hits["tp"] + hits["fp"]),
            "recall": hits["tp"] / (hits["tp"] + hits["fn"])}


# The figures the README reports; a change to the scorers that makes them worse fails here.
@pytest.mark.parametrize(("part", "language", "accuracy", "precision", "recall"), [
    ("en", "en", 0.90, 0.94, 0.85),
    ("de", "de", 0.875, 1.0, 0.75),
    ("de_held_out", "de", 0.90, 1.0, 0.80),
])
def test_scorers_on_the_labelled_posts(part, language, accuracy, precision, recall):
    figures = measure(CORPUS[part], language)
    assert figures["accuracy"] >= accuracy
    assert figures["precision"] >= precision
    assert figures["recall"] >= recall


def test_the_corpus_is_balanced_enough_to_mean_something():
    for part in ("en", "de", "de_held_out"):
        labels = [label for label, _ in CORPUS[part]]
        assert set(labels) == {"negative", "other"} and labels.count("negative") == labels.count("other")


@pytest.mark.parametrize(("text", "negative"), [
    ("Das ist gut", False),
    ("Das ist nicht gut", True),
    ("Kein schlechter Service", False),
    ("Das gefällt mir nicht", True),
    ("Der Support war unfreundlich", True),
    ("Der schlechteste Kauf", True),
    ("Gut, aber am Ende eine Katastrophe", True),
])
def test_german_rules(text, negative):
    assert sentiment.is_negative(sentiment.score_german(text)) is negative


def test_language_is_guessed_when_not_given_and_others_are_not_scored():
    assert sentiment.guess_language("Das ist nicht gut und der Support ist schlecht") == "de"
    assert sentiment.guess_language("This is not good and the support is bad") == "en"
    assert sentiment.score("Northwind", None) is None
    assert sentiment.score("C'est nul", "fr") is None
    assert sentiment.score("Terrible service", "en-GB") < 0
