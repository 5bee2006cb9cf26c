"""Statement linter: flags what must never be in a holding statement and what it must not lack.

All rules and messages live in ``rules/<language>.yml`` (see the README's linter section). Phrase rules
match words by lemma within a sentence, in any order, and skip negated and quoted uses; the structural
checks (next update, information source, length, private names, a reply's next step, empty text) are
in ``app.statements.checks``. Severity means something: errors block the final approval unless an
approver overrides them with a reason (``blocking`` and ``override``); warnings never block.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from app.statements.channels import CHANNELS, channel_label, normalize_channel
from app.statements.checks import model as second_opinions
from app.statements.checks import names, phrases
from app.statements.checks.model import merge
from app.statements.checks.rules import (
    PLACEHOLDERS,
    SEVERITIES,
    STRUCTURAL_RULES,
    Rule,
    RuleError,
    RuleSet,
    load_rules,
    load_ruleset,
)
from app.statements.checks.sources import has_contact, names_source
from app.statements.checks.steps import offers_next_step
from app.statements.checks.text import split_sentences
from app.statements.checks.updates import has_time, names_next_update

RULES_DIR = Path(__file__).parent / "rules"
LANGUAGES = ("en", "de")
MODES = ("statement", "reply")
REPLY_LIMIT = 280

__all__ = [
    "LANGUAGES", "MODES", "PLACEHOLDERS", "RULES_DIR", "SEVERITIES", "STRUCTURAL_RULES", "Finding", "Rule",
    "RuleError", "blocking", "has_contact", "has_time", "lint", "lint_variants", "load_rules", "merge", "override",
    "requires_legal", "rules_for", "ruleset_for", "second_opinion",
]
SECOND_OPINION_LABEL = {"en": "Second opinion", "de": "Zweite Meinung"}


@dataclass(frozen=True)
class Finding:
    """One problem in a statement. ``rule`` is a rule name from the rules file or a structural check.

    ``sentence`` is the sentence the finding is in (empty for whole-text checks); ``source`` says who
    found it: ``rules`` or ``model`` (a second opinion, never a replacement for the rules).
    """

    rule: str
    severity: str
    message: str
    excerpt: str = ""
    requires_legal: bool = False
    channel: str | None = None
    sentence: str = ""
    source: str = "rules"


@cache
def ruleset_for(language: str) -> RuleSet:
    """The validated rules of a language (cached); unknown languages raise ValueError."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
    return load_ruleset(RULES_DIR / f"{language}.yml", language)


def rules_for(language: str) -> dict[str, Rule]:
    """The validated rules for a language (cached); unknown languages raise ValueError."""
    return ruleset_for(language).rules


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
    mode: str = "statement",
    approved_domains: Sequence[str] = (),
    now: datetime | None = None,
) -> list[Finding]:
    """Check one text; findings come in text order, structural findings last.

    ``private_terms`` are the incident's private facts (names are taken from them); ``mode`` is
    ``statement`` or ``reply`` (a short social reply: no next-update time or source required, but a next
    step, and at most 280 characters); ``now`` lets the next-update check reject a date already past.
    """
    ruleset = ruleset_for(language)
    rules = ruleset.rules
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
    if channel is not None:
        channel = normalize_channel(channel)

    def finding(rule: Rule, excerpt: str = "", sentence: str = "", **values: object) -> Finding:
        message = rule.message.format(**{**PLACEHOLDERS, "excerpt": excerpt, **values})
        return Finding(rule.name, rule.severity, message, excerpt, rule.requires_legal, channel, sentence)

    if not text or not text.strip():
        return [finding(rules["empty"])]

    sentences = split_sentences(text, ruleset.abbreviations, ruleset.abbreviations_before_numbers) \
        if ruleset.abbreviations is not None else split_sentences(text)
    analysed = phrases.analyse(sentences, ruleset)
    found = [(hit.start, finding(rules[hit.rule], _excerpt(text, hit.start, hit.end), hit.sentence.text))
             for hit in phrases.rule_hits(analysed, rules.values(), mode, text)]

    private = rules["private_name"]
    for term, start, end in names.find(text, names.private_terms(private_terms, private.titles), private.titles,
                                          language):
        sentence = next((item.sentence.text for item in analysed
                         if item.sentence.start <= start < item.sentence.end), "")
        found.append((start, finding(private, _excerpt(text, start, end), sentence, term=term.label)))
    findings = [item for _, item in sorted(found, key=lambda pair: pair[0])]

    if mode == "statement":
        wanted = (next_update or "").strip().casefold()
        configured = bool(wanted) and wanted in text.casefold()
        if not configured and not names_next_update(analysed, rules["missing_next_update"], now=now):
            findings.append(finding(rules["missing_next_update"], next_update=next_update or "HH:MM"))
        if not names_source(analysed, rules["missing_info_source"], text, info_source=info_source,
                            approved_domains=approved_domains):
            findings.append(finding(rules["missing_info_source"], info_source=info_source or ""))
    elif "missing_next_step" in rules:
        step = rules["missing_next_step"]
        if not offers_next_step(analysed, step, rules["missing_next_update"], text, now=now):
            findings.append(finding(step))

    limit = CHANNELS[channel] if channel else None
    if mode == "reply":
        limit = min(limit or REPLY_LIMIT, REPLY_LIMIT)
    if limit is not None and len(text) > limit:
        label = channel_label(channel, language) if channel else ("reply" if language == "en" else "Antwort")
        findings.append(finding(rules["too_long"], channel=label, limit=limit, length=len(text),
                                over=len(text) - limit))
    return findings


def lint_variants(variants: dict[str, str], **same_kwargs: Any) -> list[Finding]:
    """Lint each channel's text with the same options; every finding carries its channel."""
    findings: list[Finding] = []
    for channel, text in variants.items():
        findings.extend(lint(text, channel=channel, **same_kwargs))
    return findings


def second_opinion(client: Any, text: str, language: str, *, model: str, channel: str | None = None,
                   timeout: float | None = None, what: str = second_opinions.HOLDING_STATEMENTS) -> list[Finding]:
    """A model's findings on ``text`` (an ``openai.OpenAI`` client; structured output), to ``merge`` with lint's;
    ``what`` names the kind of text for the model ("holding statements", "short replies to social-media posts").

    Each finding quotes a sentence that really occurs in the text; anything else the model says is dropped,
    and a failed call gives no findings. Model findings are warnings: they inform, they never block.
    """
    rules = rules_for(language)
    if channel is not None:
        channel = normalize_channel(channel)
    if not text or not text.strip():
        return []
    descriptions = {name: _describe(rule) for name, rule in rules.items() if not rule.structural}
    content = second_opinions.ask(client, text, language, model=model, descriptions=descriptions, timeout=timeout,
                                  what=what)
    findings = []
    for name, sentence, reason in second_opinions.parse(content, text, list(descriptions)):
        rule = rules[name]
        message = rule.message.format(**{**PLACEHOLDERS, "excerpt": sentence})
        if reason:
            message += f" {SECOND_OPINION_LABEL[language]}: {reason}"
        findings.append(Finding(rule.name, "warning", message, sentence, False, channel, sentence, "model"))
    return findings


def _describe(rule: Rule) -> str:
    return rule.message.replace(" ({excerpt})", "").replace("({excerpt})", "").format(**PLACEHOLDERS)


def _field(item: Finding | Mapping[str, Any], name: str) -> Any:
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def requires_legal(findings: Sequence[Finding | Mapping[str, Any]]) -> bool:
    """True if any finding means legal must approve the wording."""
    return any(_field(item, "requires_legal") for item in findings)


def blocking(findings: Sequence[Finding | Mapping[str, Any]]) -> list[Finding | Mapping[str, Any]]:
    """The findings that block the final approval (severity ``error``); warnings never block."""
    return [item for item in findings if _field(item, "severity") == "error"]


def override(findings: Sequence[Finding | Mapping[str, Any]], *, reason: str, by: str) -> dict[str, Any]:
    """The record of an approver overriding the blocking findings; a missing reason is a ValueError."""
    blockers = blocking(findings)
    if not blockers:
        raise ValueError("nothing to override: the statement has no blocking findings")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValueError("an override needs a reason: say why the flagged wording may be published")
    if not by or not str(by).strip():
        raise ValueError("an override needs the approver who gives it")
    return {
        "by": str(by).strip(),
        "reason": reason[:500],
        "overridden": [{"rule": _field(item, "rule"), "excerpt": _field(item, "excerpt") or "",
                        "channel": _field(item, "channel")} for item in blockers],
    }
