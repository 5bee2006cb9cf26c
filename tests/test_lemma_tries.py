"""The statement checks read simplemma's word lists as tries built once on disk in a child process: the same
lemmas as simplemma's own dicts, a fraction of the memory, and the dicts as a fallback when no trie can be had."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import simplemma

from app.statements.checks import dictionaries

ROOT = Path(__file__).resolve().parent.parent
WORDS = {
    "de": ["gingen", "Häuser", "Datenlecks", "informierten", "Kundinnen", "bedauern", "entschuldigen", "haften",
           "Spekulationen", "gegeben", "Mitarbeitenden", "zurückgerufen", "Preisfehler", "Betroffenen", "Uhr",
           "übernehmen", "Verantwortung", "vollständig", "ausgeschlossen", "wir", "unseren", "Gewinnspiel"],
    "en": ["went", "houses", "leaks", "apologised", "customers", "liable", "guaranteed", "speculating", "recalled",
           "were", "compensated", "rumours", "affected", "us", "better", "teams"],
}


def run(code: str, cache: Path) -> dict:
    """``code`` in a fresh interpreter with its own cache folder; what it printed last, as JSON."""
    env = {**os.environ, "WARROOM_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


LINT_GERMAN = """
import json
from app.statements.checks import dictionaries
from app.statements.lint import lint
found = lint("Für diesen Mangel haften wir. Wir bedauern die Unannehmlichkeiten sehr.", language="de")
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
print(json.dumps({"rules": sorted({f.rule for f in found}), "backing": dictionaries.backing("de"),
                  "peak_mb": int(status["VmHWM"].split()[0]) / 1024}))
"""


def test_the_lemmas_are_those_of_simplemmas_own_dicts():
    for language, words in WORDS.items():
        lemmatizer = dictionaries.lemmatizer(language)
        assert dictionaries.backing(language) == "trie"
        for word in words:
            assert lemmatizer.lemmatize(word, lang=language) == simplemma.lemmatize(word, lang=language), word


def test_a_process_checking_german_builds_the_trie_in_a_child_and_never_holds_the_dict(tmp_path):
    first = run(LINT_GERMAN, tmp_path)
    assert first["backing"] == "trie" and "liability" in first["rules"]
    [trie] = (tmp_path / "lemmas").glob("simplemma-*/de.dic")
    assert not [p for p in trie.parent.iterdir() if p.name.startswith(".")]  # no half-written file left
    # The German dict alone is about 130 MB; the process that checked German stayed far below that.
    assert first["peak_mb"] < 110, first
    again = run(LINT_GERMAN, tmp_path)  # the next process reads the trie as built
    assert again["rules"] == first["rules"] and again["backing"] == "trie"
    assert trie.stat().st_mtime_ns == next((tmp_path / "lemmas").glob("simplemma-*/de.dic")).stat().st_mtime_ns


def test_without_a_writable_folder_the_dicts_are_used_and_the_lemmas_are_the_same(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    found = run(LINT_GERMAN, blocked / "cache")
    assert found["backing"] == "dict" and "liability" in found["rules"]
