"""Asking a model for a pack: the strict JSON schema of each pack, the prompt, and the answer validated.

The model gets the record (public facts, the issue, who is affected, actions done, open questions) and the
playbook's items already filled from its template (the skeleton), all as delimited data; never alert text.
It answers in the pack's schema (structured output, ``strict``), and the answer is validated again here
(pydantic, through app.llm.structured, as the holding statement's is): a reply that is not JSON or does not
fit raises :class:`ModelError` with the reason. What the answer's texts say is checked where it is merged
with the template pack (app.statements.packs).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from app.llm import LLMSettings, ModelError, complete, strict_format, strict_object, structured
from app.playbooks.schema import AUDIENCE_CHANNELS, AUDIENCES, SLUG
from app.roles.keys import ROLE_KEYS
from app.statements.drafting import DraftContext
from app.statements.llm import LANGUAGE_NAMES, PROMPTS, neutralise
from app.statements.models import StatementKind

SCHEMA_NAMES = {StatementKind.QA: "press_qa_pack", StatementKind.STAKEHOLDERS: "stakeholder_map",
                StatementKind.REPLIES: "reply_macros"}
KEY_FIELDS = {StatementKind.QA: "key", StatementKind.STAKEHOLDERS: "audience", StatementKind.REPLIES: "theme"}
MAX_ADDED = 3  # items the model may add to the playbook's
PURPOSES = {
    StatementKind.QA: "A press Q&A pack lists the questions journalists are likely to ask, each with a short "
                      "holding line the spokesperson can say now.",
    StatementKind.STAKEHOLDERS: "A stakeholder map says, per audience, through which channels it hears from the "
                                "company, whose job that is, who approves it, and the message it gets.",
    StatementKind.REPLIES: "Reply macros are short approved replies community managers post under the main "
                           "themes of comments.",
}
ADDING = {
    StatementKind.QA: f"You may add up to {MAX_ADDED} further questions this incident makes likely, each with a "
                      "new short lowercase key (letters, digits and hyphens).",
    StatementKind.STAKEHOLDERS: f"You may add up to {MAX_ADDED} further audiences from the allowed list that "
                                "this incident concerns.",
    StatementKind.REPLIES: f"You may add up to {MAX_ADDED} further themes this incident makes likely, each with "
                           "a new short lowercase theme key (letters, digits and hyphens).",
}
NAMES = {StatementKind.QA: "press Q&A pack", StatementKind.STAKEHOLDERS: "stakeholder map",
         StatementKind.REPLIES: "set of reply macros"}


def _string(description: str, enum: Sequence[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "description": description}
    if enum is not None:
        schema["enum"] = list(enum)
    return schema


def item_schema(kind: str, roles: Sequence[str]) -> dict[str, Any]:
    """One item of the pack, as structured output allows it with ``strict``: every field required, no others."""
    kind = StatementKind(kind)
    if kind == StatementKind.QA:
        return strict_object({"key": _string("the item's key: the skeleton's, or a new lowercase slug"),
                        "question": _string("the likely question"),
                        "answer": _string("the holding line that answers it")})
    if kind == StatementKind.STAKEHOLDERS:
        role = _string("a role of the playbook", roles)
        return strict_object({"audience": _string("the audience", list(AUDIENCES)),
                        "via": {"type": "array", "items": _string("a channel", list(AUDIENCE_CHANNELS))},
                        "owner": role,
                        "approvers": {"type": "array", "description": "the approval chain: steps in order, each "
                                      "a list of the roles that sign it together",
                                      "items": {"type": "array", "items": role}},
                        "message": _string("what this audience is told")})
    return strict_object({"theme": _string("the theme's key: the skeleton's, or a new lowercase slug"),
                    "reply": _string("the short reply, at most 280 characters")})


def schema(kind: str, roles: Sequence[str]) -> dict[str, Any]:
    """The strict JSON schema of the whole answer: ``{"items": [...]}``."""
    return strict_object({"items": {"type": "array", "items": item_schema(kind, roles)}})


def response_format(kind: str, roles: Sequence[str]) -> dict[str, Any]:
    return strict_format(SCHEMA_NAMES[StatementKind(kind)], schema(kind, roles))


# --- the answer, validated ------------------------------------------------------------------------------

def _slug(value: str) -> str:
    if not SLUG.match(value):
        raise ValueError(f"{value!r} is not a lowercase slug")
    return value


def _one_of(known: Sequence[str], what: str):
    def check(value: str) -> str:
        if value not in known:
            raise ValueError(f"unknown {what} {value!r}")
        return value
    return check


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Key = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_slug)]
Role = Annotated[str, AfterValidator(_one_of(ROLE_KEYS, "role"))]


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Question(_Item):
    key: Key
    question: Text
    answer: Text


class AudienceItem(_Item):
    audience: Annotated[str, AfterValidator(_one_of(tuple(AUDIENCES), "audience"))]
    via: list[Annotated[str, AfterValidator(_one_of(tuple(AUDIENCE_CHANNELS), "channel"))]]
    owner: Role
    approvers: list[list[Role]]
    message: Text


class Reply(_Item):
    theme: Key
    reply: Text


class QAAnswer(_Item):
    items: list[Question]


class StakeholdersAnswer(_Item):
    items: list[AudienceItem]


class RepliesAnswer(_Item):
    items: list[Reply]


ANSWER_MODELS: dict[StatementKind, type[QAAnswer | StakeholdersAnswer | RepliesAnswer]] = {
    StatementKind.QA: QAAnswer, StatementKind.STAKEHOLDERS: StakeholdersAnswer, StatementKind.REPLIES: RepliesAnswer}


def validate(kind: str, content: str) -> list[dict[str, Any]]:
    """The answer's items as plain mappings, or ModelError saying where it does not fit the pack's schema."""
    kind = StatementKind(kind)
    answer = structured(content, ANSWER_MODELS[kind], key="pack_invalid", what="the pack's schema")
    found = []
    for index, item in enumerate(answer.items):
        values = item.model_dump()
        if kind == StatementKind.STAKEHOLDERS:
            if not values["via"] or not any(values["approvers"]):
                where = f"items.{index}.{'via' if not values['via'] else 'approvers'}"
                raise ModelError(f"the model's reply did not fit the pack's schema ({where})", key="pack_invalid",
                                 where=where)
            values["approvers"] = [step for step in values["approvers"] if step]
        found.append(values)
    return found


# --- the prompt -----------------------------------------------------------------------------------------

def _line(text: str) -> str:
    return neutralise(" ".join(text.split()))


def build_messages(kind: str, ctx: DraftContext, skeleton: list[dict[str, Any]],
                   roles: Sequence[str]) -> list[dict[str, str]]:
    """The system and user messages: the record and the skeleton as delimited, neutralised data."""
    kind = StatementKind(kind)
    system = PROMPTS.get_template("pack_system.j2").render(
        kind=kind.value, pack_name=NAMES[kind], company=ctx.company, pack_purpose=PURPOSES[kind],
        key_field=KEY_FIELDS[kind], adding=ADDING[kind], roles=list(roles),
        language_name=LANGUAGE_NAMES.get(ctx.language, ctx.language))
    user = PROMPTS.get_template("pack_user.j2").render(
        kind=kind.value, pack_name=NAMES[kind], company=ctx.company, playbook_title=ctx.playbook_title,
        severity=ctx.severity, language=ctx.language, next_update=ctx.next_update, info_source=ctx.info_source,
        issue=_line(ctx.issue), affected=_line(ctx.affected),
        actions_done=[_line(action) for action in ctx.actions_done if action.strip()],
        open_questions=[_line(question) for question in ctx.open_questions if question.strip()],
        facts=[_line(fact) for fact in ctx.facts if fact.strip()],
        skeleton=neutralise(json.dumps({"items": skeleton}, ensure_ascii=False, indent=1)))
    return [{"role": "system", "content": system.strip()}, {"role": "user", "content": user.strip()}]


def ask(settings: LLMSettings, kind: str, ctx: DraftContext, skeleton: list[dict[str, Any]],
        roles: Sequence[str]) -> list[dict[str, Any]]:
    """The model's items for the pack; ModelError (with the reason) when there is no valid answer."""
    content = complete(settings, build_messages(kind, ctx, skeleton, roles),
                       response_format=response_format(kind, roles))
    return validate(kind, content)
