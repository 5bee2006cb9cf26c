"""``python -m benchmarks.lint``: the statement linter's precision and recall on the labelled corpus, and its speed.

The training corpus lives in ``tests/data/statement_corpus/<language>.yml`` (see its README); the held-out
rounds, written fresh to estimate how the linter does on wording it was not tuned with, in
``tests/data/statement_heldout/<round>.<language>.yml``. An item counts for a category when the linter
reports at least one finding of that rule; a finding on a clean item is a false alarm. Figures are printed
per corpus, language and category; the speed figure is the median time to lint a 3,000-character statement.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.statements.lint import lint

CORPUS_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "statement_corpus"
HELDOUT_DIR = CORPUS_DIR.parent / "statement_heldout"
LANGUAGES = ("en", "de")
ITEM_KEYS = {"id", "text", "labels", "mode", "channel", "private", "info_source", "approved_domains", "next_update",
             "note"}
SPEED_TARGET_MS = 20.0


@dataclass
class Counts:
    """True positives, false positives and false negatives of one category or language."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Score:
    """The figures of one language: overall, per category, and the items it got wrong."""

    language: str
    items: int = 0
    clean: int = 0
    overall: Counts = field(default_factory=Counts)
    categories: dict[str, Counts] = field(default_factory=dict)
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (id, "missed"|"false alarm", rule)


def load_corpus(language: str, directory: Path = CORPUS_DIR, prefix: str = "") -> list[dict[str, Any]]:
    """The corpus items of a language with the defaults applied; bad items raise ValueError naming them.

    ``prefix`` names a held-out round: ``load_corpus("en", HELDOUT_DIR, "round1.")`` reads ``round1.en.yml``.
    """
    path = directory / f"{prefix}{language}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    defaults = data.get("defaults") or {}
    items = []
    seen = set()
    for raw in data["items"]:
        unknown = set(raw) - ITEM_KEYS
        if unknown or "id" not in raw or "text" not in raw or not isinstance(raw.get("labels"), list):
            raise ValueError(f"{path.name}: item {raw.get('id')!r} needs id, text and labels "
                             f"(unknown keys: {sorted(unknown)})")
        if raw["id"] in seen:
            raise ValueError(f"{path.name}: duplicate id {raw['id']!r}")
        seen.add(raw["id"])
        items.append({**defaults, **raw})
    return items


def heldout_rounds(directory: Path = HELDOUT_DIR) -> list[str]:
    """The names of the held-out rounds that have a file for every language, in order."""
    names = {path.name.split(".")[0] for path in directory.glob("*.yml")}
    return sorted(name for name in names if all((directory / f"{name}.{lang}.yml").exists() for lang in LANGUAGES))


def predict(item: dict[str, Any], language: str) -> set[str]:
    """The rule names the linter reports for one corpus item."""
    findings = lint(
        item["text"], language=language, channel=item.get("channel"), next_update=item.get("next_update"),
        info_source=item.get("info_source"), private_terms=item.get("private", []),
        mode=item.get("mode", "statement"), approved_domains=item.get("approved_domains", []),
    )
    return {finding.rule for finding in findings}


def score(language: str, items: list[dict[str, Any]] | None = None, directory: Path = CORPUS_DIR,
          prefix: str = "") -> Score:
    """Precision and recall of the linter on a language's corpus."""
    items = load_corpus(language, directory, prefix) if items is None else items
    result = Score(language, items=len(items))
    for item in items:
        labels = set(item["labels"])
        predicted = predict(item, language)
        result.clean += not labels
        for rule in labels | predicted:
            counts = result.categories.setdefault(rule, Counts())
            if rule in labels and rule in predicted:
                counts.tp += 1
                result.overall.tp += 1
            elif rule in predicted:
                counts.fp += 1
                result.overall.fp += 1
                result.misses.append((item["id"], "false alarm", rule))
            else:
                counts.fn += 1
                result.overall.fn += 1
                result.misses.append((item["id"], "missed", rule))
    return result


def label_counts(items: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per category: how many items carry it and how many of those are paraphrases or traps."""
    total: Counter[str] = Counter()
    varied: Counter[str] = Counter()
    for item in items:
        for rule in item["labels"]:
            total[rule] += 1
            varied[rule] += item.get("note") in ("paraphrase", "trap")
    return {rule: {"items": total[rule], "varied": varied[rule]} for rule in sorted(total)}


def speed_ms(repeats: int = 50) -> dict[str, dict[str, float]]:
    """Milliseconds to lint a 3,000-character statement, per language: CPU time and wall time.

    On a shared machine the wall time includes waiting for a core, so the CPU time (median) is the
    figure held to the target; the fastest wall time is printed beside it.
    """
    figures = {}
    for language in LANGUAGES:
        texts = [item["text"] for item in load_corpus(language) if item.get("mode", "statement") == "statement"]
        text = " ".join(texts)
        cut = text.rfind(" ", 0, 3000)
        text = text[:cut] if cut > 0 else text[:3000]
        lint(text, language=language, private_terms=["First report by customer Jane Doe"])  # warm the caches
        gc.collect()  # the scoring before leaves garbage whose collection is not the linter's cost
        cpu, wall = [], []
        for _ in range(repeats):
            start, start_cpu = time.perf_counter(), time.process_time()
            lint(text, language=language, private_terms=["First report by customer Jane Doe"])
            cpu.append((time.process_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
        figures[language] = {"cpu": statistics.median(cpu), "wall": statistics.median(wall), "wall_min": min(wall),
                             "chars": len(text)}
    return figures


def report(scores: list[Score], speed: dict[str, float] | None, *, show_misses: bool = False) -> str:
    lines = []
    for result in scores:
        share = result.clean / result.items if result.items else 0
        lines.append(f"{result.language}: {result.items} items, {result.clean} clean ({share:.0%}); "
                     f"precision {result.overall.precision:.2f} recall {result.overall.recall:.2f}")
        lines.append(f"  {'category':<22}{'P':>6}{'R':>6}{'tp':>5}{'fp':>5}{'fn':>5}")
        for rule, counts in sorted(result.categories.items()):
            lines.append(f"  {rule:<22}{counts.precision:>6.2f}{counts.recall:>6.2f}"
                         f"{counts.tp:>5}{counts.fp:>5}{counts.fn:>5}")
        if show_misses:
            lines.extend(f"    {item_id}: {kind} {rule}" for item_id, kind, rule in result.misses)
    if speed:
        for language, ms in speed.items():
            verdict = "ok" if ms["cpu"] < SPEED_TARGET_MS else "OVER TARGET"
            lines.append(f"speed {language}: {ms['cpu']:.1f} ms CPU (median) for {ms['chars']:.0f} characters, "
                         f"wall {ms['wall']:.1f} ms median / {ms['wall_min']:.1f} ms fastest "
                         f"(target < {SPEED_TARGET_MS:g} ms: {verdict})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.lint", description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every missed finding and false alarm")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed measurement")
    parser.add_argument("--language", choices=LANGUAGES, action="append", help="only this language")
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR,
                        help="folder with en.yml and de.yml in the corpus format (default: the tests' corpus)")
    parser.add_argument("--no-heldout", action="store_true", help="skip the held-out rounds")
    args = parser.parse_args(argv)
    languages = [lang for lang in (args.language or LANGUAGES) if (args.corpus / f"{lang}.yml").exists()]
    if not languages:
        parser.error(f"no en.yml or de.yml in {args.corpus}")
    sections = [(f"corpus {args.corpus.name}", [score(language, directory=args.corpus) for language in languages])]
    if not args.no_heldout and args.corpus == CORPUS_DIR:
        for name in heldout_rounds():
            sections.append((f"held-out {name}",
                             [score(language, directory=HELDOUT_DIR, prefix=f"{name}.")
                              for language in (args.language or LANGUAGES)]))
    for title, scores in sections:
        print(f"== {title}")
        print(report(scores, None, show_misses=args.misses))
    if not args.no_speed:
        print(report([], speed_ms()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
