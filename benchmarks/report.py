"""The results: a table for the terminal, a Markdown table for the README, and the JSON file."""

from __future__ import annotations

import json
import math
from pathlib import Path

from benchmarks.stats import Figure


def number(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "x":
        return f"{value:.2f}"
    if unit in ("calls", "incidents", "channels", "requests") or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"


def verdict(fig: Figure) -> str:
    return {True: "pass", False: "MISS", None: ""}[fig.passed]


def rows(figures: list[Figure]) -> list[tuple[str, str, str, str, str]]:
    out = []
    for fig in figures:
        spread = (f"{number(fig.low, fig.unit)}-{number(fig.high, fig.unit)}, n={fig.runs}" if fig.runs > 1
                  else f"n={fig.runs}")
        unit = fig.unit[:-1] if fig.unit.endswith("s") and fig.median == 1 else fig.unit  # 1 incident, 2 incidents
        out.append((fig.label, f"{number(fig.median, fig.unit)} {unit}", spread, fig.target, verdict(fig)))
    return out


def table(figures: list[Figure]) -> str:
    """A plain text table: figure, median, spread (min-max over runs), target, result."""
    header = ("figure", "median", "spread (min-max)", "target", "result")
    body = rows(figures)
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(figures: list[Figure]) -> str:
    """The same table in Markdown, for the README."""
    lines = ["| Figure | Median | Spread (min-max, runs) | Target | Result |", "|---|---|---|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in rows(figures)]
    return "\n".join(lines)


def write(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")


def load_figures(path: Path) -> list[Figure]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [Figure(**fig) for fig in data["figures"]]


if __name__ == "__main__":
    import sys

    print(markdown(load_figures(Path(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results.json"))))
