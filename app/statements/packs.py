"""The packs a comms lead expects beside the holding statement: a press Q&A, a stakeholder map and reply macros.

Each is drafted from the playbook's pack (``press_qa``, ``stakeholders``, ``replies``; a playbook without one
uses the fallback playbook's), rendered with the same record variables as statements, and then checked,
versioned and approved exactly like a statement. A pack's texts are its items, keyed like a statement's
channels: one per question, audience or reply theme.

With a model configured, the model drafts the pack from the record (app.statements.pack_model) and its answer
is merged onto the template pack, which is the skeleton: every playbook item stays, an audience keeps the
playbook's channels, owner and approval chain, and the model's text replaces the template's only when it passes
the item's checks (no error of the statement rules, no handle or private name, within the item's length; an
added audience names only the playbook's roles). Added items that fail are left out. A failed call or an answer
that does not fit the schema leaves the template pack; the note says why, in the incident's language.

Checks: the answers and audience messages go through the statement rules (their first line, the question or
the audience's header, is not ours to check); the Q&A pack as a whole must name the next update and the
source; reply macros are checked in the linter's reply mode (a next step, at most 280 characters). With a model
configured, it gives its second opinion on the pack's texts in one call, as on a holding statement: each of its
findings quotes a sentence of one item and is a warning on that item, merged with the rules' and never replacing
them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from app.i18n import say
from app.llm import LLMSettings, ModelError
from app.llm import client as llm_client
from app.playbooks.playbook_set import PlaybookSet
from app.playbooks.schema import AUDIENCE_CHANNELS, AUDIENCES, Playbook
from app.playbooks.templates import StatementTemplateError, render
from app.roles.keys import role_title
from app.statements import chain as chains
from app.statements import kinds, pack_model, service
from app.statements.drafting import DraftContext, DraftResult, model_reason
from app.statements.lint import Finding, lint, second_opinion
from app.statements.lint import merge as merge_findings
from app.statements.models import StatementKind
from app.timeutil import utcnow

PACK_FIELDS = {StatementKind.QA: "press_qa", StatementKind.STAKEHOLDERS: "stakeholders",
               StatementKind.REPLIES: "replies"}
KEY_FIELDS = {StatementKind.QA: "key", StatementKind.STAKEHOLDERS: "audience", StatementKind.REPLIES: "theme"}
WHOLE_PACK_RULES = ("missing_next_update", "missing_info_source")
REVIEWED = {  # what the model is told it reviews, per pack
    StatementKind.QA: "answers prepared for journalists' questions",
    StatementKind.STAKEHOLDERS: "messages to stakeholder groups (staff, customers, partners, authorities)",
    StatementKind.REPLIES: "short replies to social-media posts",
}
LABELS = {
    "en": {"q": "Q", "a": "A", "via": "via", "owner": "owner", "approval": "approval"},
    "de": {"q": "F", "a": "A", "via": "über", "owner": "verantwortlich", "approval": "Freigabe"},
}


def items(playbooks: PlaybookSet, playbook_id: str, kind: str) -> tuple[Playbook, list[Any]]:
    """The pack's items for ``kind``: the playbook's own, else the fallback playbook's (with that playbook)."""
    field = PACK_FIELDS[StatementKind(kind)]
    playbook = playbooks.get(playbook_id)
    found = getattr(playbook, field)
    if found:
        return playbook, list(found)
    fallback = playbooks.fallback
    return fallback, list(getattr(fallback, field) or [])


def _key(kind: str, item: Any) -> str:
    field = KEY_FIELDS[StatementKind(kind)]
    return str(item[field] if isinstance(item, Mapping) else getattr(item, field))


def item_keys(playbooks: PlaybookSet, playbook_id: str, kind: str) -> list[str]:
    """The keys of the pack's items, in playbook order (they key the statement's texts)."""
    _, found = items(playbooks, playbook_id, kind)
    if not found:
        raise service.StatementError(f"the playbook has no {PACK_FIELDS[StatementKind(kind)]} pack, and neither "
                                     "has the fallback playbook")
    return [_key(kind, item) for item in found]


def values(ctx: DraftContext) -> dict[str, Any]:
    """The record variables a pack text is rendered with (the same as a statement's)."""
    return {"company": ctx.company, "facts": list(ctx.facts), "severity": ctx.severity,
            "next_update": ctx.next_update, "info_source": ctx.info_source, "channel": "press",
            "language": ctx.language, "issue": ctx.issue, "affected": ctx.affected,
            "actions_done": list(ctx.actions_done), "open_questions": list(ctx.open_questions),
            "staff_address": ctx.staff_address}


def _render(source: str, ctx: DraftContext, where: str) -> str:
    try:
        return render(source, values(ctx))
    except StatementTemplateError as exc:
        raise ValueError(f"playbook pack error ({where}): {exc}") from None


def header(audience: str, via: Sequence[str], owner: str, approvers: Sequence[Any], language: str) -> str:
    """An audience's first line: who, through which channels, whose job, who approves."""
    words = LABELS.get(language, LABELS["en"])
    german = language == "de"
    steps = " → ".join(chains.label(step, lambda role: role_title(role, language)) for step in chains.steps(approvers))
    channels = ", ".join(AUDIENCE_CHANNELS[key][1 if german else 0] for key in via)
    return (f"{AUDIENCES[audience][1 if german else 0]} · {words['via']}: {channels} · "
            f"{words['owner']}: {role_title(owner, language)} · {words['approval']}: {steps}")


def audience_header(item: Any, language: str) -> str:
    """A playbook audience's first line (see :func:`header`)."""
    return header(item.audience, item.via, item.owner, item.approvers, language)


def filled(kind: str, item: Any, ctx: DraftContext) -> dict[str, Any]:
    """A playbook item rendered from the record, in the shape the model answers in (app.statements.pack_model)."""
    kind = StatementKind(kind)
    key = _key(kind, item)
    language = ctx.language
    if kind == StatementKind.QA:
        return {"key": key, "question": _render(item.question.in_language(language), ctx, f"press_qa {key}"),
                "answer": _render(item.answer.in_language(language), ctx, f"press_qa {key}")}
    if kind == StatementKind.STAKEHOLDERS:
        return {"audience": key, "via": list(item.via), "owner": item.owner,
                "approvers": [list(step) for step in chains.steps(item.approvers)],
                "message": _render(item.message.in_language(language), ctx, f"stakeholders {key}")}
    return {"theme": key, "reply": _render(item.in_language(language), ctx, f"replies {key}")}


def compose(kind: str, entry: Mapping[str, Any], language: str) -> str:
    """An item's text as the pack shows it: "Q: …\nA: …", an audience's header and message, or the reply."""
    kind = StatementKind(kind)
    words = LABELS.get(language, LABELS["en"])
    if kind == StatementKind.QA:
        return f"{words['q']}: {entry['question']}\n{words['a']}: {entry['answer']}"
    if kind == StatementKind.STAKEHOLDERS:
        head = header(entry["audience"], entry["via"], entry["owner"], chains.stored(entry["approvers"]), language)
        return f"{head}\n{entry['message']}"
    return str(entry["reply"])


def _pack_word(kind: str, language: str) -> str:
    return PACK_FIELDS[StatementKind(kind)] if language == "en" else kinds.name(kind, language)


def draft_pack(playbooks: PlaybookSet, playbook_id: str, kind: str, ctx: DraftContext, *,
               llm: LLMSettings | None = None, private: Sequence[str] = ()) -> DraftResult:
    """The pack's texts, one per item keyed by the item's key: from the playbook's pack, or drafted by the model
    and merged onto it (see the module docstring)."""
    kind = StatementKind(kind)
    playbook, found = items(playbooks, playbook_id, kind)
    language = ctx.language
    skeleton = [filled(kind, item, ctx) for item in found]
    template = {_key(kind, entry): compose(kind, entry, language) for entry in skeleton}
    source = (say(language, "note.pack_source") if playbook.id == playbook_id
              else say(language, "note.pack_source_other", playbook=playbook.id))
    note = say(language, "note.pack_template", source=source, field=_pack_word(kind, language))
    if llm is None or not llm.api_key or not llm.model:
        return DraftResult(template, "template", None, note)
    roles = playbooks.get(playbook_id).own_roles()
    try:
        answer = pack_model.ask(llm, kind, ctx, skeleton, roles)
    except ModelError as exc:
        return DraftResult(template, "template", None, note + say(language, "note.because",
                                                                  reason=model_reason(exc, language)))
    variants, taken, added, problems = merge(kind, ctx, skeleton, answer, private=private, roles=roles)
    if not taken and not added:
        reason = "; ".join(problems) if problems else say(language, "note.pack_nothing")
        return DraftResult(template, "template", None, note + say(language, "note.because", reason=reason))
    note = say(language, "note.pack_model", model=llm.model, source=source, field=_pack_word(kind, language))
    if problems:
        note += say(language, "note.pack_kept", problems="; ".join(problems))
    if added:
        note += say(language, "note.pack_added", count=added)
    return DraftResult(variants, "model", llm.model, note)


_HANDLE = re.compile(r"(?<![\w.@/])@[A-Za-z0-9_][A-Za-z0-9_.]*|<[@!#]")


def merge(kind: str, ctx: DraftContext, skeleton: list[dict[str, Any]], answer: list[dict[str, Any]], *,
          private: Sequence[str], roles: Sequence[str]) -> tuple[dict[str, str], int, int, list[str]]:
    """The model's items merged onto the skeleton: (texts by key, playbook items the model's text replaced,
    items the model added, why the model's text was not taken, per item)."""
    kind = StatementKind(kind)
    language = ctx.language
    theirs: dict[str, dict[str, Any]] = {}
    for entry in answer:
        theirs.setdefault(_key(kind, entry), entry)
    variants: dict[str, str] = {}
    problems: list[str] = []
    taken = added = 0
    for entry in skeleton:
        key = _key(kind, entry)
        label = kinds.item_label(kind, key, language)
        mine = theirs.pop(key, None)
        variants[key] = compose(kind, entry, language)
        if mine is None:
            problems.append(say(language, "note.pack_left_out", items=label))
            continue
        if kind == StatementKind.STAKEHOLDERS:  # the playbook decides who owns and approves what an audience hears
            mine = {**mine, "via": entry["via"], "owner": entry["owner"], "approvers": entry["approvers"]}
        text = compose(kind, mine, language)
        problem = item_problem(kind, key, mine, text, ctx, private=private, roles=None)
        if problem:
            problems.append(problem)
            continue
        variants[key] = text
        taken += 1
    for key, mine in theirs.items():
        label = kinds.item_label(kind, key, language)
        if added >= pack_model.MAX_ADDED:
            problems.append(say(language, "note.pack_over", item=label, limit=pack_model.MAX_ADDED))
            continue
        text = compose(kind, mine, language)
        problem = item_problem(kind, key, mine, text, ctx, private=private, roles=roles)
        if problem:
            problems.append(problem)
            continue
        variants[key] = text
        added += 1
    return variants, taken, added, problems


def item_problem(kind: str, key: str, entry: Mapping[str, Any], text: str, ctx: DraftContext, *,
                 private: Sequence[str], roles: Sequence[str] | None) -> str | None:
    """Why a model's item may not stand in the pack, in the incident's language; None when it may. ``roles`` are
    the roles an added audience may name (None for a playbook audience, which keeps the playbook's own)."""
    language = ctx.language
    label = kinds.item_label(kind, key, language)
    limit = kinds.item_limit(kind, key)
    if limit is not None and len(text) > limit:
        return say(language, "note.pack_too_long", item=label, length=len(text), limit=limit)
    if StatementKind(kind) == StatementKind.STAKEHOLDERS and roles is not None:
        strangers = [role for role in [entry["owner"], *chains.roles(entry["approvers"])] if role not in roles]
        if strangers:
            return say(language, "note.pack_roles", item=label, roles=", ".join(dict.fromkeys(strangers)))
    ours = _ours(kind, text)
    mode = "reply" if StatementKind(kind) == StatementKind.REPLIES else "statement"
    found = lint(ours, language=language, next_update=ctx.next_update, info_source=ctx.info_source,
                 private_terms=private, mode=mode, now=utcnow())
    if _HANDLE.search(ours) or any(item.rule == "private_name" for item in found):
        return say(language, "note.pack_handle", item=label)
    errors = sorted({item.rule for item in found if item.severity == "error"
                     and (mode == "reply" or item.rule not in WHOLE_PACK_RULES)})
    if errors:
        return say(language, "note.pack_failed_checks", item=label, rules=", ".join(errors))
    return None


def _ours(kind: str, text: str) -> str:
    """The part of an item the team wrote for the audience: a Q&A item's answer, an audience's message."""
    if StatementKind(kind) == StatementKind.REPLIES:
        return text
    _, _, rest = text.partition("\n")
    return rest if rest.strip() else text


def check_pack(kind: str, ctx: DraftContext, variants: Mapping[str, str], private: Sequence[str], *,
               llm: LLMSettings | None = None) -> list[dict]:
    """The statement checks on a pack (see the module docstring); every finding carries its item's key. With
    ``llm``, the model's second opinion is merged in."""
    kind = StatementKind(kind)
    mode = "reply" if kind == StatementKind.REPLIES else "statement"
    now = utcnow()
    findings: list[Finding] = []
    for key, text in variants.items():
        found = lint(_ours(kind, text), language=ctx.language, next_update=ctx.next_update,
                     info_source=ctx.info_source, private_terms=private, mode=mode, now=now)
        findings += [replace(item, channel=key) for item in found
                     if mode == "reply" or item.rule not in WHOLE_PACK_RULES]
    if kind == StatementKind.QA:
        whole = "\n".join(_ours(kind, text) for text in variants.values())
        findings += [item for item in lint(whole, language=ctx.language, next_update=ctx.next_update,
                                           info_source=ctx.info_source, now=now)
                     if item.rule in WHOLE_PACK_RULES]
    if llm is not None:
        findings = merge_findings(findings, _second_opinion(kind, ctx.language, variants, llm))
    return service.findings_as_dicts(findings)


def _second_opinion(kind: StatementKind, language: str, variants: Mapping[str, str],
                    llm: LLMSettings) -> list[Finding]:
    """The model's findings on all of a pack's texts at once (one call), each on the item whose text it quotes."""
    ours = {key: _ours(kind, text) for key, text in variants.items()}
    found = second_opinion(llm_client(llm), "\n\n".join(ours.values()), language, model=llm.model,
                           timeout=llm.timeout, what=REVIEWED[kind])
    placed = []
    for item in found:
        key = next((key for key, text in ours.items() if item.sentence and item.sentence in text), None)
        if key is not None:  # a quote that runs across two items belongs to neither
            placed.append(replace(item, channel=key))
    return placed
