"""Statement linter: flags what must never be in a holding statement and what it must not lack.

Phrase rules and all messages live in ``rules/<language>.yml``; the structural checks (next update,
information source, length, private names, empty text) are implemented here.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from app.statements.channels import CHANNELS, channel_label, normalize_channel

RULES_DIR = Path(__file__).parent / "rules"
LANGUAGES = ("en", "de")
SEVERITIES = ("error", "warning")
STRUCTURAL_RULES = ("missing_next_update", "missing_info_source", "too_long", "private_name", "empty")
RULE_KEYS = {"severity", "message", "patterns", "requires_legal"}
PLACEHOLDERS = {
    "excerpt": "…x…",
    "channel": "X",
    "limit": 280,
    "length": 300,
    "over": 20,
    "term": "Name",
    "next_update": "14:30",
    "info_source": "example.com",
}

TIME = re.compile(r"(?<![\d:.])(?:[01]?\d|2[0-3]):[0-5]\d(?![\d:])|(?<![\d.])(?:[01]?\d|2[0-3])\.[0-5]\d\s*Uhr\b")
URL = re.compile(
    r"\bhttps?://\S+|\bwww\.\S+|\b(?:[a-z0-9-]+\.)+[a-z]{2,}/\S*|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|de|at|ch|eu|io|info|co\.uk)\b"
    r"|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b",
    re.IGNORECASE,
)
PHONE = re.compile(r"(?<![\w.:])(?:\+|00)?\(?\d[\d ()/-]{5,}\d(?![\w:]|\.\d)")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class RuleError(ValueError):
    """A rules file that cannot be used; the message names the file and the rule."""


@dataclass(frozen=True)
class Finding:
    """One problem in a statement. ``rule`` is a rule name from the rules file or a structural check."""

    rule: str
    severity: str
    message: str
    excerpt: str = ""
    requires_legal: bool = False
    channel: str | None = None


@dataclass(frozen=True)
class Rule:
    name: str
    severity: str
    message: str
    patterns: tuple[re.Pattern[str], ...] = ()
    requires_legal: bool = False


def load_rules(path: Path) -> dict[str, Rule]:
    """Load and validate one rules file; raises RuleError naming the file and the rule."""
    name = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RuleError(f"{name}: cannot read rules: {exc}") from None
    if not isinstance(data, dict):
        raise RuleError(f"{name}: expected a mapping of rule names to rules")
    rules = {str(key): _parse_rule(name, str(key), value) for key, value in data.items()}
    for key in STRUCTURAL_RULES:
        if key not in rules:
            raise RuleError(f"{name}: rule {key!r} is missing (it needs a severity and a message)")
        if rules[key].patterns:
            raise RuleError(f"{name}: rule {key!r} is a structural check and takes no patterns")
    return rules


def _parse_rule(file_name: str, rule_name: str, value: object) -> Rule:
    where = f"{file_name}: rule {rule_name!r}"
    if not isinstance(value, dict):
        raise RuleError(f"{where}: expected a mapping with severity and message")
    unknown = set(value) - RULE_KEYS
    if unknown:
        raise RuleError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                        f"allowed: {', '.join(sorted(RULE_KEYS))}")
    severity = value.get("severity")
    if severity not in SEVERITIES:
        raise RuleError(f"{where}: severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    message = value.get("message")
    if not isinstance(message, str) or not message.strip():
        raise RuleError(f"{where}: message must be a non-empty string")
    _check_placeholders(where, message)
    requires_legal = value.get("requires_legal", False)
    if not isinstance(requires_legal, bool):
        raise RuleError(f"{where}: requires_legal must be true or false")
    raw_patterns = value.get("patterns", [])
    if rule_name not in STRUCTURAL_RULES and (not isinstance(raw_patterns, list) or not raw_patterns):
        raise RuleError(f"{where}: patterns must be a non-empty list of regular expressions")
    patterns = []
    for raw in raw_patterns or []:
        if not isinstance(raw, str) or not raw:
            raise RuleError(f"{where}: pattern {raw!r} is not a non-empty string")
        try:
            patterns.append(re.compile(raw, re.IGNORECASE | re.UNICODE))
        except re.error as exc:
            raise RuleError(f"{where}: bad regular expression {raw!r}: {exc}") from None
    return Rule(rule_name, severity, message.strip(), tuple(patterns), requires_legal)


def _check_placeholders(where: str, message: str) -> None:
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(message) if field is not None]
    except ValueError as exc:
        raise RuleError(f"{where}: bad message template: {exc}") from None
    for field in fields:
        if field not in PLACEHOLDERS:
            raise RuleError(f"{where}: unknown placeholder {{{field}}} in message; "
                            f"allowed: {', '.join(PLACEHOLDERS)}")


@cache
def rules_for(language: str) -> dict[str, Rule]:
    """The validated rules for a language (cached); unknown languages raise ValueError."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
    return load_rules(RULES_DIR / f"{language}.yml")


def has_time(text: str) -> bool:
    """True if the text contains a clock time such as 14:30 (or 14.30 Uhr)."""
    return TIME.search(text) is not None


def has_contact(text: str) -> bool:
    """True if the text contains a URL, e-mail address or phone number."""
    if URL.search(text):
        return True
    return any(_is_phone(match.group()) for match in PHONE.finditer(text))


def _is_phone(candidate: str) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    return 7 <= digits <= 15 and not ISO_DATE.fullmatch(candidate.strip())


def _contains(text: str, needle: str | None) -> bool:
    return bool(needle and needle.strip()) and needle.strip().casefold() in text.casefold()


def _excerpt(text: str, start: int, end: int) -> str:
    before = "…" if text[:start].strip() else ""
    after = "…" if text[end:].strip() else ""
    return f"{before}{text[start:end]}{after}"


def lint(
    text: str,
    *,
    language: str,
    channel: str | None = None,
    next_update: str | None = None,
    info_source: str | None = None,
    private_terms: Sequence[str] = (),
) -> list[Finding]:
    """Check one statement; findings come in text order, structural findings last."""
    rules = rules_for(language)
    if channel is not None:
        channel = normalize_channel(channel)

    def finding(rule: Rule, excerpt: str = "", **values: object) -> Finding:
        message = rule.message.format(**{**PLACEHOLDERS, "excerpt": excerpt, **values})
        return Finding(rule.name, rule.severity, message, excerpt, rule.requires_legal, channel)

    if not text or not text.strip():
        return [finding(rules["empty"])]

    findings = [finding(rules[name], _excerpt(text, start, end)) for start, end, name in _phrase_matches(text, rules)]

    for term in private_terms:
        term = term.strip()
        if not term:
            continue
        match = re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.IGNORECASE)
        if match:
            findings.append(finding(rules["private_name"], _excerpt(text, *match.span()), term=term))

    if not _contains(text, next_update) and not has_time(text):
        findings.append(finding(rules["missing_next_update"], next_update=next_update or "HH:MM"))
    if not _contains(text, info_source) and not has_contact(text):
        findings.append(finding(rules["missing_info_source"], info_source=info_source or ""))

    limit = CHANNELS[channel] if channel else None
    if limit is not None and len(text) > limit:
        findings.append(finding(rules["too_long"], channel=channel_label(channel, language), limit=limit,
                                length=len(text), over=len(text) - limit))
    return findings


def _phrase_matches(text: str, rules: dict[str, Rule]) -> list[tuple[int, int, str]]:
    """All pattern matches; where matches overlap, the longest (then the earliest rule) wins."""
    candidates = []
    for order, rule in enumerate(rules.values()):
        for pattern in rule.patterns:
            for match in pattern.finditer(text):
                if match.end() > match.start():
                    candidates.append((match.start(), match.end(), order, rule.name))
    candidates.sort(key=lambda item: (-(item[1] - item[0]), item[2], item[0]))
    kept: list[tuple[int, int, str]] = []
    for start, end, _, name in candidates:
        if all(end <= s or start >= e for s, e, _ in kept):
            kept.append((start, end, name))
    return sorted(kept)


def lint_variants(variants: dict[str, str], **same_kwargs: Any) -> list[Finding]:
    """Lint each channel's text with the same options; every finding carries its channel."""
    findings: list[Finding] = []
    for channel, text in variants.items():
        findings.extend(lint(text, channel=channel, **same_kwargs))
    return findings


def requires_legal(findings: Sequence[Finding]) -> bool:
    """True if any finding means legal must approve the wording."""
    return any(item.requires_legal for item in findings)
