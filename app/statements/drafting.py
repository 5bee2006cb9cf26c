"""Draft holding statements per channel: by a model when one is configured, else from the playbook template.

The template draft is always rendered: it is the reference the model improves on and the fallback
whenever the model fails. The model answers in a strict JSON schema (app.statements.llm); an answer that is
not JSON or does not fit it, an HTTP error or a timeout leaves the template draft. Model failures never raise;
the draft's note says what happened, in the incident's language (app.i18n, keys ``note.*`` and ``model_error.*``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from app.i18n import say
from app.llm import LLMSettings, ModelError
from app.playbooks.templates import StatementTemplateError, tidy
from app.playbooks.templates import render as render_template
from app.statements.channels import CHANNELS, channel_label, parse_channels
from app.statements.lint import LANGUAGES, has_contact, has_time
from app.statements.llm import build_messages, parse_reply, request_draft

TemplateSource = Callable[[str, dict[str, Any]], str] | str

_SENTENCE_BREAK = re.compile(r"((?<=[.!?])\s+|\n+)")

__all__ = ["DraftContext", "DraftResult", "LLMSettings", "draft_statement", "model_reason"]


@dataclass
class DraftContext:
    """What a statement is drafted from (built from the record by app.statements.record.draft_context).

    ``facts`` are the public facts, the most important first. ``issue``, ``affected``, ``actions_done`` and
    ``open_questions`` are the template slots filled from the record. ``situation`` is alert text: untrusted,
    never a template value, and only its first line (the headline) is quoted to the model, as data.
    """

    company: str
    facts: list[str]
    severity: str
    next_update: str
    info_source: str
    language: str
    playbook_title: str
    situation: str = ""
    issue: str = ""
    affected: str = ""
    actions_done: list[str] = field(default_factory=list)
    open_questions: list[str] = field(default_factory=list)
    staff_address: str = "sie"  # German staff memos: "sie" or "du" (WARROOM_STAFF_ADDRESS)


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
    language = ctx.language
    render = _renderer(template)
    reference: dict[str, str] = {}
    cuts: dict[str, str] = {}
    for channel in channels:
        text, cut = _fit(channel, ctx, render)
        reference[channel] = text
        if cut:
            cuts[channel] = say(language, "note.cut", name=_short_name(channel, language), limit=CHANNELS[channel],
                                parts=_and(cut, language))

    def from_template(reason: str) -> DraftResult:
        note = say(language, "note.template") + reason
        if cuts:
            note += "; " + "; ".join(cuts.values())
        return DraftResult(dict(reference), "template", None, note)

    if llm is None or not llm.api_key or not llm.model:
        return from_template(say(language, "note.no_model"))
    try:
        replied = parse_reply(request_draft(llm, build_messages(ctx, channels, reference), channels), channels)
    except ModelError as exc:
        return from_template(say(language, "note.because", reason=model_reason(exc, language)))

    variants: dict[str, str] = {}
    replaced: list[str] = []
    problems: list[str] = []
    for channel in channels:
        answer = replied.get(channel)
        limit = CHANNELS[channel]
        name = _short_name(channel, language)
        if answer is None:
            problems.append(say(language, "note.left_out_variant", name=name))
        elif limit is not None and len(answer) > limit:
            problems.append(say(language, "note.variant_too_long", name=name, length=len(answer), limit=limit))
        else:
            variants[channel] = answer
            continue
        variants[channel] = reference[channel]
        replaced.append(name)
    note = say(language, "note.model", model=llm.model)
    if problems:
        note += say(language, "note.replaced", names=", ".join(replaced), problems="; ".join(problems))
        note += "".join(f"; {cuts[channel]}" for channel in channels
                        if channel in cuts and variants[channel] == reference[channel])
    return DraftResult(variants, "model", llm.model, note)


def model_reason(exc: ModelError, language: str) -> str:
    """Why the model gave no usable answer, in ``language`` (the English message when the reason has no key)."""
    key = getattr(exc, "key", "")
    return say(language, f"model_error.{key}", **exc.values) if key else str(exc)


def _short_name(channel: str, language: str = "en") -> str:
    return "X" if channel == "x" else channel_label(channel, language)


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


def _and(parts: list[str], language: str = "en") -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + say(language, "note.and") + parts[-1]


def _context(ctx: DraftContext, channel: str) -> dict[str, Any]:
    return {
        "company": ctx.company,
        "facts": ctx.facts,
        "severity": ctx.severity,
        "next_update": ctx.next_update,
        "info_source": ctx.info_source,
        "channel": channel,
        "language": ctx.language,
        "issue": ctx.issue,
        "affected": ctx.affected,
        "actions_done": ctx.actions_done,
        "open_questions": ctx.open_questions,
        "staff_address": ctx.staff_address,
    }


# What gives way, in this order, when a channel's text is over its limit (slot, and its phrase in the note).
_CUTTABLE = (("open_questions", "note.cut.open_questions"), ("actions_done", "note.cut.actions_done"),
             ("affected", "note.cut.affected"))


def _fit(channel: str, ctx: DraftContext, render: Callable[[str, dict[str, Any]], str]) -> tuple[str, list[str]]:
    """Render a channel's text within its limit; returns the text and what was left out to fit.

    The most important public fact (the first) is kept: first the open questions, actions and who is
    affected give way, then the other facts; if the first fact alone is still too long, the shortest fact
    that fits stands in; failing that, whole sentences are cut, keeping the fact, next update and source.
    """
    facts = [fact.strip() for fact in ctx.facts if fact.strip()]
    ctx = replace(ctx, facts=facts, actions_done=list(ctx.actions_done), open_questions=list(ctx.open_questions))
    limit = CHANNELS[channel]

    def attempt(candidate: DraftContext) -> str:
        return tidy(render(channel, _context(candidate, channel)))

    text = attempt(ctx)
    if limit is None or len(text) <= limit:
        return text, []
    language = ctx.language
    cut: list[str] = []
    for slot, key in _CUTTABLE:
        if getattr(ctx, slot):
            ctx = replace(ctx, **{slot: type(getattr(ctx, slot))()})
            cut.append(say(language, key))
            text = attempt(ctx)
            if len(text) <= limit:
                return text, cut
    for count in range(len(facts) - 1, 0, -1):
        text = attempt(replace(ctx, facts=facts[:count]))
        if len(text) <= limit:
            return text, [*cut, _facts_left_out(len(facts) - count, len(facts), language)]
    if len(facts) > 1:
        for fact in sorted(facts[1:], key=len):
            text = attempt(replace(ctx, facts=[fact]))
            if len(text) <= limit:
                return text, [*cut, _facts_left_out(len(facts) - 1, len(facts), language)
                              + say(language, "note.cut.first_did_not_fit")]
    kept = facts[:1]
    text = attempt(replace(ctx, facts=kept))
    if kept:
        cut.append(_facts_left_out(len(facts) - 1, len(facts), language) if len(facts) > 1 else "")
    cut = [part for part in cut if part] + [say(language, "note.cut.sentences")]
    return _cut_sentences(text, limit, (ctx.next_update, ctx.info_source, *(f[:60] for f in kept))), cut


def _facts_left_out(count: int, total: int, language: str = "en") -> str:
    return say(language, "note.cut.facts", count=count, total=total)


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
