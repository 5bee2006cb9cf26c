"""Model drafting: build the prompts, call an OpenAI-compatible chat API and parse its JSON reply."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import openai

from app.statements.channels import CHANNELS, channel_label, normalize_channel

if TYPE_CHECKING:
    from app.statements.drafting import DraftContext

PROMPTS_DIR = Path(__file__).parent / "prompts"
MAX_SITUATION_CHARS = 4000
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
_TAG = re.compile(r"<(?=\s*/?\s*(?:situation|facts))", re.IGNORECASE)
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)

_PROMPTS = jinja2.Environment(
    loader=jinja2.FileSystemLoader(PROMPTS_DIR),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    autoescape=False,
)


@dataclass
class LLMSettings:
    """How to reach an OpenAI-compatible chat completions API."""

    api_key: str
    model: str
    base_url: str | None = None
    timeout: float = 20.0
    max_retries: int = 1


class ModelError(Exception):
    """The model gave no usable draft; the message is the reason, worded for the draft's note."""


def neutralise(text: str) -> str:
    """Defuse <situation> and <facts> tags inside untrusted text so it cannot leave its block."""
    return _TAG.sub("‹", text)


def build_messages(ctx: DraftContext, channels: list[str], reference: dict[str, str]) -> list[dict[str, str]]:
    """The system and user messages for a draft; untrusted text only ever lands inside <situation>."""
    rows = [
        {"key": key, "label": channel_label(key, "en"), "limit": CHANNELS[key], "style": CHANNEL_STYLES[key]}
        for key in channels
    ]
    situation = ctx.situation.strip()
    if len(situation) > MAX_SITUATION_CHARS:
        situation = situation[:MAX_SITUATION_CHARS] + " […]"
    system = _PROMPTS.get_template("system.j2").render(
        company=ctx.company,
        channels=channels,
        channel_rows=rows,
        language_name=LANGUAGE_NAMES.get(ctx.language, ctx.language),
    )
    user = _PROMPTS.get_template("user.j2").render(
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
    )
    return [{"role": "system", "content": system.strip()}, {"role": "user", "content": user.strip()}]


def request_draft(settings: LLMSettings, messages: list[dict[str, str]]) -> str:
    """Ask the model and return its reply text; every failure becomes a ModelError with a short reason."""
    try:
        client = openai.OpenAI(
            api_key=settings.api_key,
            base_url=settings.base_url,
            timeout=settings.timeout,
            max_retries=settings.max_retries,
        )
        response = client.chat.completions.create(
            model=settings.model,
            messages=messages,  # type: ignore[arg-type]
            temperature=0.2,
            response_format={"type": "json_object"},
        )
    except openai.APITimeoutError:
        raise ModelError(f"the model timed out after {settings.timeout:g} s") from None
    except openai.APIStatusError as exc:
        raise ModelError(f"the model answered HTTP {exc.status_code}") from None
    except openai.APIConnectionError:
        raise ModelError("the model could not be reached") from None
    except Exception as exc:  # any other client failure must not break drafting
        raise ModelError(f"the model call failed ({type(exc).__name__})") from None
    if not response.choices:
        raise ModelError("the model's reply had no choices")
    content = response.choices[0].message.content
    if not content or not content.strip():
        raise ModelError("the model's reply was empty")
    return content


def parse_reply(content: str, channels: list[str]) -> dict[str, str]:
    """The requested channels' texts from a JSON reply; channels missing or empty are left out."""
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except ValueError:
        raise ModelError("the model's reply was not valid JSON") from None
    if not isinstance(data, dict):
        raise ModelError("the model's reply was not a JSON object")
    found: dict[str, str] = {}
    for key, value in data.items():
        try:
            channel = normalize_channel(str(key))
        except ValueError:
            continue
        if channel in channels and isinstance(value, str) and value.strip():
            found.setdefault(channel, value.strip())
    if not found:
        raise ModelError("the model's reply had none of the requested channels")
    return found
