"""Model drafting of a holding statement: the prompts, the strict JSON schema of the answer (one text per
requested channel, every one required, no others) and the answer validated against it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from pydantic import BaseModel, ConfigDict, create_model

from app.llm import LLMSettings, complete, strict_format, strict_object, structured
from app.statements.channels import CHANNELS, channel_label

if TYPE_CHECKING:
    from app.statements.drafting import DraftContext

PROMPTS_DIR = Path(__file__).parent / "prompts"
MAX_SITUATION_CHARS = 300
LANGUAGE_NAMES = {"en": "English", "de": "German"}
CHANNEL_STYLES = {
    "press": "a short statement for journalists, three to six sentences, attributable to the company",
    "x": "one post, plain sentences, no hashtags or emoji, keep the next update time and the source",
    "linkedin": "a calm post for a professional audience, a few short paragraphs",
    "website": "a notice for the website or dark site, headline-free, easy to update",
    "staff": "an internal memo to employees; ask staff not to comment publicly and to refer enquiries "
    "to the communications team",
    "email": "an e-mail to customers with a greeting and a sign-off from the company",
}
_TAG = re.compile(r"<(?=\s*/?\s*(?:situation|facts|record|skeleton))", re.IGNORECASE)
SCHEMA_NAME = "holding_statement"

PROMPTS = jinja2.Environment(
    loader=jinja2.FileSystemLoader(PROMPTS_DIR),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    autoescape=False,
)


def neutralise(text: str) -> str:
    """Defuse <situation>, <facts>, <record> and <skeleton> tags inside untrusted text so it cannot leave its
    block."""
    return _TAG.sub("‹", text)


def build_messages(ctx: DraftContext, channels: list[str], reference: dict[str, str]) -> list[dict[str, str]]:
    """The system and user messages for a draft, from the record: the public facts, the slots and the reference
    draft. Of the alert text only the headline (the first line of ``situation``) is quoted, inside <situation>;
    every quoted text is neutralised so it cannot leave its block."""
    rows = [
        {"key": key, "label": channel_label(key, "en"), "limit": CHANNELS[key], "style": CHANNEL_STYLES[key]}
        for key in channels
    ]
    situation = next((line.strip() for line in ctx.situation.splitlines() if line.strip()), "")
    if len(situation) > MAX_SITUATION_CHARS:
        situation = situation[:MAX_SITUATION_CHARS] + " […]"
    system = PROMPTS.get_template("system.j2").render(
        company=ctx.company,
        channels=channels,
        channel_rows=rows,
        language_name=LANGUAGE_NAMES.get(ctx.language, ctx.language),
    )
    user = PROMPTS.get_template("user.j2").render(
        company=ctx.company,
        playbook_title=ctx.playbook_title,
        severity=ctx.severity,
        language=ctx.language,
        channels=channels,
        next_update=ctx.next_update,
        info_source=ctx.info_source,
        facts=[neutralise(" ".join(fact.split())) for fact in ctx.facts if fact.strip()],
        reference={key: neutralise(text) for key, text in reference.items()},
        situation=neutralise(situation),
        issue=_line(ctx.issue),
        affected=_line(ctx.affected),
        actions_done=[_line(action) for action in ctx.actions_done if action.strip()],
        open_questions=[_line(question) for question in ctx.open_questions if question.strip()],
    )
    return [{"role": "system", "content": system.strip()}, {"role": "user", "content": user.strip()}]


def _line(text: str) -> str:
    return neutralise(" ".join(text.split()))


def schema(channels: Sequence[str]) -> dict[str, Any]:
    """The strict JSON schema of the answer: the plain text per requested channel, in the requested order."""
    properties: dict[str, Any] = {}
    for key in channels:
        limit = CHANNELS[key]
        description = f"the {channel_label(key, 'en')} text: {CHANNEL_STYLES[key]}"
        if limit:
            description += f"; at most {limit} characters"
        properties[key] = {"type": "string", "description": description}
    return strict_object(properties, "the holding statement, one plain-text variant per requested channel")


def response_format(channels: Sequence[str]) -> dict[str, Any]:
    return strict_format(SCHEMA_NAME, schema(channels))


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


@lru_cache(maxsize=64)
def answer_model(channels: tuple[str, ...]) -> type[BaseModel]:
    """The pydantic twin of :func:`schema`: each requested channel a string, nothing else."""
    fields: dict[str, Any] = {key: (str, ...) for key in channels}
    return create_model("HoldingStatementAnswer", __base__=_Answer, **fields)


def request_draft(settings: LLMSettings, messages: list[dict[str, str]], channels: Sequence[str]) -> str:
    """The model's reply, asked for in the strict schema of ``channels`` (see :func:`parse_reply`)."""
    return complete(settings, messages, response_format=response_format(channels))


def parse_reply(content: str, channels: Sequence[str]) -> dict[str, str]:
    """The channels' texts of a reply validated against the schema; a blank text is left out (the template's
    stands in). ModelError when the reply is not JSON or does not fit the schema."""
    answer = structured(content, answer_model(tuple(channels)), key="statement_invalid",
                        what="the statement's schema")
    found = {key: str(getattr(answer, key)).strip() for key in channels}
    return {key: text for key, text in found.items() if text}
