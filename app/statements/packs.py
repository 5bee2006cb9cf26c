"""The packs a comms lead expects beside the holding statement: a press Q&A, a stakeholder map and reply macros.

Each is drafted from the playbook's pack (``press_qa``, ``stakeholders``, ``replies``; a playbook without one
uses the fallback playbook's), rendered with the same record variables as statements, and then checked,
versioned and approved exactly like a statement. A pack's texts are its items, keyed like a statement's
channels: one per question, audience or reply theme.

Checks: the answers and audience messages go through the statement rules (their first line, the question or
the audience's header, is not ours to check); the Q&A pack as a whole must name the next update and the
source; reply macros are checked in the linter's reply mode (a next step, at most 280 characters).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from app.playbooks.playbook_set import PlaybookSet
from app.playbooks.schema import Playbook
from app.playbooks.templates import StatementTemplateError, render
from app.roles.keys import role_title
from app.statements import chain as chains
from app.statements import service
from app.statements.drafting import DraftContext, DraftResult
from app.statements.lint import Finding, lint
from app.statements.models import StatementKind
from app.timeutil import utcnow

PACK_FIELDS = {StatementKind.QA: "press_qa", StatementKind.STAKEHOLDERS: "stakeholders",
               StatementKind.REPLIES: "replies"}
KEY_FIELDS = {StatementKind.QA: "key", StatementKind.STAKEHOLDERS: "audience", StatementKind.REPLIES: "theme"}
WHOLE_PACK_RULES = ("missing_next_update", "missing_info_source")
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
    return str(getattr(item, KEY_FIELDS[StatementKind(kind)]))


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


def audience_header(item: Any, language: str) -> str:
    """An audience's first line: who, through which channels, whose job, who approves."""
    words = LABELS.get(language, LABELS["en"])
    steps = " → ".join(chains.label(step, lambda role: role_title(role, language))
                       for step in chains.steps(item.approvers))
    return (f"{item.title_in(language)} · {words['via']}: {', '.join(item.via_in(language))} · "
            f"{words['owner']}: {role_title(item.owner, language)} · {words['approval']}: {steps}")


def draft_pack(playbooks: PlaybookSet, playbook_id: str, kind: str, ctx: DraftContext) -> DraftResult:
    """The pack's texts, rendered from the record; one per item, keyed by the item's key."""
    kind = StatementKind(kind)
    playbook, found = items(playbooks, playbook_id, kind)
    language = ctx.language
    words = LABELS.get(language, LABELS["en"])
    variants: dict[str, str] = {}
    for item in found:
        key = _key(kind, item)
        if kind == StatementKind.QA:
            question = _render(item.question.in_language(language), ctx, f"press_qa {key}")
            answer = _render(item.answer.in_language(language), ctx, f"press_qa {key}")
            variants[key] = f"{words['q']}: {question}\n{words['a']}: {answer}"
        elif kind == StatementKind.STAKEHOLDERS:
            message = _render(item.message.in_language(language), ctx, f"stakeholders {key}")
            variants[key] = f"{audience_header(item, language)}\n{message}"
        else:
            variants[key] = _render(item.in_language(language), ctx, f"replies {key}")
    source = "the playbook's" if playbook.id == playbook_id else f"the {playbook.id} playbook's"
    return DraftResult(variants, "template", None, f"Filled from {source} {PACK_FIELDS[kind]} pack")


def _ours(kind: str, text: str) -> str:
    """The part of an item the team wrote for the audience: a Q&A item's answer, an audience's message."""
    if StatementKind(kind) == StatementKind.REPLIES:
        return text
    _, _, rest = text.partition("\n")
    return rest if rest.strip() else text


def check_pack(kind: str, ctx: DraftContext, variants: Mapping[str, str], private: Sequence[str]) -> list[dict]:
    """The statement checks on a pack (see the module docstring); every finding carries its item's key."""
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
    return service.findings_as_dicts(findings)
