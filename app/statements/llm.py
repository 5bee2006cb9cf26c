"""Model drafting: build the prompts, call an OpenAI-compatible chat API and parse its JSON reply."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from app.llm import LLMSettings, ModelError, complete, json_object
from app.statements.channels import CHANNELS, channel_label, normalize_channel

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
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)

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


def request_draft(settings: LLMSettings, messages: list[dict[str, str]]) -> str:
    """The model's reply (a JSON object of channel texts, see parse_reply)."""
    return complete(settings, messages, json_reply=True)


def parse_reply(content: str, channels: list[str]) -> dict[str, str]:
    """The requested channels' texts from a JSON reply; channels missing or empty are left out."""
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    data = json_object(text)
    found: dict[str, str] = {}
    for key, value in data.items():
        try:
            channel = normalize_channel(str(key))
        except ValueError:
            continue
        if channel in channels and isinstance(value, str) and value.strip():
            found.setdefault(channel, value.strip())
    if not found:
        raise ModelError("the model's reply had none of the requested channels", key="no_channels")
    return found
