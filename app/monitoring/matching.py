"""Which monitors a post belongs to, and whether it carries risk terms: whole words, case-insensitive."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.monitoring.definitions import Monitor


def _pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    words = sorted({t.strip().lower() for t in terms if t.strip()}, key=len, reverse=True)
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in words)
    # A term is a whole word (or hashtag): "acme" matches "#acme" and "ACME's", not "acmes".
    return re.compile(rf"(?<![\w])(?:{alternatives})(?![\w])", re.IGNORECASE)


class Matcher:
    """The monitors' terms and risk terms, compiled once."""

    def __init__(self, monitors: Iterable[Monitor]) -> None:
        self.monitors = list(monitors)
        self._terms = [(m, _pattern(m.terms.all()), {p.lower() for p in m.platforms}) for m in self.monitors]
        self._risk = {m.id: _pattern(t for terms in m.risk_terms.terms.values() for t in terms) for m in self.monitors}

    def monitors_for(self, platform: str, text: str) -> list[Monitor]:
        return [monitor for monitor, pattern, platforms in self._terms
                if (not platforms or platform in platforms) and pattern is not None and pattern.search(text)]

    def risky(self, monitor: Monitor, text: str) -> bool:
        pattern = self._risk.get(monitor.id)
        return bool(pattern and pattern.search(text))
