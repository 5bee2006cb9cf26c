"""Draft holding statements per channel: by a model when one is configured, else from the playbook template.

The template draft is always rendered: it is the reference the model improves on and the fallback
whenever the model fails. Model failures never raise; the draft's note says what happened.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.playbooks.templates import StatementTemplateError, tidy
from app.playbooks.templates import render as render_template
from app.statements.channels import CHANNELS, channel_label, parse_channels
from app.statements.lint import LANGUAGES, has_contact, has_time
from app.statements.llm import LLMSettings, ModelError, build_messages, parse_reply, request_draft

TemplateSource = Callable[[str, dict[str, Any]], str] | str

_SENTENCE_BREAK = re.compile(r"((?<=[.!?])\s+|\n+)")

__all__ = ["DraftContext", "DraftResult", "LLMSettings", "draft_statement"]


@dataclass
class DraftContext:
    """What a statement is drafted from. ``situation`` is untrusted and only ever shown to the model."""

    company: str
    facts: list[str]
    severity: str
    next_update: str
    info_source: str
    language: str
    playbook_title: str
    situation: str = ""


@dataclass
class DraftResult:
    """The drafted text per channel (in the requested order) and how it was made."""

    variants: dict[str, str]
    method: str
    model: str | None
    note: str


def draft_statement(
    ctx: DraftContext,
    *,
    template: TemplateSource,
    channels: list[str],
    llm: LLMSettings | None,
) -> DraftResult:
    """Draft one text per channel; see the module docstring for the model/template choice."""
    if ctx.language not in LANGUAGES:
        raise ValueError(f"unknown language {ctx.language!r}: use one of {', '.join(LANGUAGES)}")
    channels = parse_channels(channels)
    render = _renderer(template)
    reference: dict[str, str] = {}
    shortened: list[str] = []
    for channel in channels:
        text, was_shortened = _fit(channel, ctx, render)
        reference[channel] = text
        if was_shortened:
            shortened.append(channel)

    def from_template(reason: str) -> DraftResult:
        note = f"Filled from the playbook template{reason}"
        if shortened:
            note += "; " + ", ".join(f"{_short_name(ch)} variant shortened to {CHANNELS[ch]} characters"
                                     for ch in shortened)
        return DraftResult(dict(reference), "template", None, note)

    if llm is None or not llm.api_key or not llm.model:
        return from_template(" (no model configured)")
    try:
        replied = parse_reply(request_draft(llm, build_messages(ctx, channels, reference)), channels)
    except ModelError as exc:
        return from_template(f": {exc}")

    variants: dict[str, str] = {}
    replaced: list[str] = []
    problems: list[str] = []
    for channel in channels:
        text = replied.get(channel)
        limit = CHANNELS[channel]
        name = _short_name(channel)
        if text is None:
            problems.append(f"the model left out the {name} variant")
        elif limit is not None and len(text) > limit:
            problems.append(f"the model's {name} variant was {len(text)} characters, over {name}'s {limit}")
        else:
            variants[channel] = text
            continue
        variants[channel] = reference[channel]
        replaced.append(name)
    note = f"Drafted by {llm.model}"
    if problems:
        note += f"; {', '.join(replaced)} filled from the playbook template: " + "; ".join(problems)
    return DraftResult(variants, "model", llm.model, note)


def _short_name(channel: str) -> str:
    return "X" if channel == "x" else channel_label(channel, "en")


def _renderer(template: TemplateSource) -> Callable[[str, dict[str, Any]], str]:
    """A playbook template source is rendered by the playbooks' own (sandboxed, strict) environment."""
    if not isinstance(template, str):
        return template

    def render(channel: str, context: dict[str, Any]) -> str:
        try:
            return render_template(template, context)
        except StatementTemplateError as exc:
            raise ValueError(f"playbook template error ({channel}): {exc}") from None

    return render


def _context(ctx: DraftContext, channel: str, facts: list[str]) -> dict[str, Any]:
    return {
        "company": ctx.company,
        "facts": facts,
        "severity": ctx.severity,
        "next_update": ctx.next_update,
        "info_source": ctx.info_source,
        "channel": channel,
        "language": ctx.language,
    }


def _fit(channel: str, ctx: DraftContext, render: Callable[[str, dict[str, Any]], str]) -> tuple[str, bool]:
    """Render a channel's text within its limit: drop facts from the end, then cut whole sentences."""
    facts = [fact.strip() for fact in ctx.facts if fact.strip()]
    text = tidy(render(channel, _context(ctx, channel, facts)))
    limit = CHANNELS[channel]
    if limit is None or len(text) <= limit:
        return text, False
    for count in range(len(facts) - 1, -1, -1):
        shorter = tidy(render(channel, _context(ctx, channel, facts[:count])))
        if len(shorter) <= limit:
            return shorter, True
        text = shorter
    return _cut_sentences(text, limit, (ctx.next_update, ctx.info_source)), True


def _cut_sentences(text: str, limit: int, keep_terms: tuple[str, ...]) -> str:
    """Keep the sentences naming the next update and the source, then as many others as fit, in order."""
    parts = _SENTENCE_BREAK.split(text)
    sentences = parts[0::2]
    breaks = parts[1::2] + [""]
    terms = [term.casefold() for term in keep_terms if term and term.strip()]
    keep = {i for i, s in enumerate(sentences) if any(term in s.casefold() for term in terms)}
    if not keep:
        keep = {i for i, s in enumerate(sentences) if has_time(s) or has_contact(s)}

    def join(indexes: set[int]) -> str:
        ordered = sorted(indexes)
        return "".join(sentences[i] + (breaks[i] if i != ordered[-1] else "") for i in ordered).strip()

    if keep and len(join(keep)) > limit:
        return _hard_cut(join(keep), limit)
    chosen = set(keep)
    for index in range(len(sentences)):
        if index not in chosen and len(join(chosen | {index})) <= limit:
            chosen.add(index)
    return join(chosen) if chosen else _hard_cut(text, limit)


def _hard_cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + "…"
