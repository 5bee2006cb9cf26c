"""Which playbook an alert picks: kind, labels and severity rules, specificity, and ambiguity between rules."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from app.severity import Severity

if TYPE_CHECKING:
    from app.playbooks.schema import MatchRule, Playbook


def normalize_kind(kind: str) -> str:
    """Compare kinds case-insensitively, with ``_`` and spaces read as ``-``: ``Data_Leak`` -> ``data-leak``."""
    return re.sub(r"[\s_]+", "-", str(kind).strip().lower())


def same_value(first: object, second: object) -> bool:
    """Label values compare case-insensitively, ignoring surrounding spaces: ``Yes`` equals ``yes``."""
    return str(first).strip().casefold() == str(second).strip().casefold()


def labels_match(required: Mapping[str, str], labels: Mapping[str, object] | None) -> bool:
    """True if every required label is present in ``labels`` with the required value (any case)."""
    labels = labels or {}
    return all(key in labels and same_value(labels[key], value) for key, value in required.items())


def rule_matches(
    rule: MatchRule, kind: str, labels: Mapping[str, object] | None, severity: Severity | None
) -> bool:
    """True if an alert of ``kind`` with ``labels`` (and ``severity``, when known) satisfies ``rule``."""
    if normalize_kind(kind) not in rule.kinds:
        return False
    if not labels_match(rule.labels, labels):
        return False
    return severity is None or rule.severity.contains(severity)


def specificity(rule: MatchRule) -> tuple[int, int]:
    """More label constraints first, then a narrower severity range."""
    return (len(rule.labels), -rule.severity.width)


def preference(playbook: Playbook) -> tuple[int, int, int]:
    """Sort key among matching playbooks (higher wins).

    Specificity decides; for alerts without a severity, equally specific rules with disjoint ranges are
    told apart by the higher top of the range (the more cautious choice).
    """
    return (*specificity(playbook.match), playbook.match.severity.max.rank)


def best_match(
    playbooks: Iterable[Playbook],
    kind: str,
    labels: Mapping[str, object] | None = None,
    severity: Severity | None = None,
) -> Playbook | None:
    """The most specific non-fallback playbook whose rule matches, or None."""
    candidates = [p for p in playbooks if not p.fallback and rule_matches(p.match, kind, labels, severity)]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (tuple(-value for value in preference(p)), p.id))


def ambiguous_kinds(first: MatchRule, second: MatchRule) -> list[str]:
    """Kinds for which one alert could match both rules with equal specificity (empty if none)."""
    shared = sorted(set(first.kinds) & set(second.kinds))
    if not shared or specificity(first) != specificity(second):
        return []
    common = set(first.labels) & set(second.labels)
    if any(not same_value(first.labels[key], second.labels[key]) for key in common):
        return []
    if not first.severity.overlaps(second.severity):
        return []
    return shared
