"""The statement linter on its labelled corpus: precision and recall floors per language and category."""

from __future__ import annotations

import pytest

from benchmarks.lint import LANGUAGES, label_counts, load_corpus, report, score

FLOOR_LANGUAGE = 0.9
FLOOR_CATEGORY = 0.75
MIN_ITEMS_PER_CATEGORY = 8


@pytest.fixture(scope="module")
def corpora():
    return {language: load_corpus(language) for language in LANGUAGES}


def test_corpus_shape(corpora):
    sizes = {language: len(items) for language, items in corpora.items()}
    assert sum(sizes.values()) >= 200
    assert abs(sizes["en"] - sizes["de"]) <= 0.1 * sum(sizes.values())
    for language, items in corpora.items():
        clean = sum(1 for item in items if not item["labels"])
        assert clean / len(items) >= 0.4, f"{language}: only {clean} of {len(items)} items are clean"
        for rule, counts in label_counts(items).items():
            assert counts["items"] >= MIN_ITEMS_PER_CATEGORY, f"{language}: {rule} has {counts['items']} items"
            assert counts["varied"] * 2 >= counts["items"] - 1, f"{language}: {rule} has too few paraphrases/traps"


def test_corpus_labels_name_real_rules(corpora):
    from app.statements.lint import rules_for

    for language, items in corpora.items():
        known = set(rules_for(language))
        for item in items:
            assert set(item["labels"]) <= known, item["id"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_precision_and_recall_floors(corpora, language, capsys):
    result = score(language, corpora[language])
    with capsys.disabled():
        print("\n" + report([result], None))
    assert result.overall.precision >= FLOOR_LANGUAGE, result.misses
    assert result.overall.recall >= FLOOR_LANGUAGE, result.misses
    for rule, counts in result.categories.items():
        assert counts.precision >= FLOOR_CATEGORY, (rule, result.misses)
        assert counts.recall >= FLOOR_CATEGORY, (rule, result.misses)
