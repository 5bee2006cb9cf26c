"""Statement templates: a sandboxed Jinja2 environment, rendering to plain text, and template checks.

Jinja2 is imported on first use: a process that renders no statement (the web role, which loads the playbooks
with ``unchecked()`` and leaves the template checks to the workers) never loads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Template
    from jinja2.sandbox import SandboxedEnvironment

CHANNELS: tuple[str, ...] = ("press", "x", "linkedin", "website", "staff", "email")
LANGUAGES: tuple[str, ...] = ("en", "de")
CONTEXT_VARIABLES: tuple[str, ...] = (
    "company",
    "facts",
    "severity",
    "next_update",
    "info_source",
    "channel",
    "language",
    "issue",
    "affected",
    "actions_done",
    "open_questions",
    "staff_address",
)
# The slots filled from the record, and their values in a context without any record yet.
RECORD_SLOTS: dict[str, Any] = {"issue": "", "affected": "", "actions_done": [], "open_questions": []}
X_LIMIT = 280

SAMPLE_CONTEXT: dict[str, Any] = {
    "company": "Northwind Foods",
    "facts": [
        "We became aware of the issue at 09:10 CET today.",
        "Our response team has been working on it since 09:25 CET.",
    ],
    "severity": "high",
    "next_update": "14:30 CET",
    "info_source": "https://northwind.example/news",
    "channel": "press",
    "language": "en",
    "issue": "Unavailable online shop",
    "affected": "Customers who ordered online on Tuesday",
    "actions_done": ["Paused all scheduled posts", "Switched orders to the backup system"],
    "open_questions": ["How long will the repair take?"],
}

SAMPLE_CONTEXT_DE: dict[str, Any] = {
    "company": "Nordwind Lebensmittel",
    "facts": [
        "Der Vorfall ist uns seit heute 09:10 Uhr bekannt.",
        "Unser Krisenteam arbeitet seit 09:25 Uhr daran.",
    ],
    "severity": "high",
    "next_update": "14:30 CET",
    "info_source": "https://nordwind.example/aktuell",
    "channel": "press",
    "language": "de",
    "issue": "Nicht erreichbarer Onlineshop",
    "affected": "Kundinnen und Kunden, die am Dienstag online bestellt haben",
    "actions_done": ["Alle geplanten Beiträge pausiert", "Bestellungen auf das Ersatzsystem umgestellt"],
    "open_questions": ["Wie lange dauert die Reparatur?"],
}


class StatementTemplateError(ValueError):
    """A statement template that does not compile or does not render with the given context."""


_unchecked: ContextVar[bool] = ContextVar("templates_unchecked", default=False)


@contextmanager
def unchecked() -> Iterator[None]:
    """Within it, ``template_problems`` and ``check_renders`` find nothing and load no Jinja2: for a process that
    renders no statement (the web role), whose playbooks the worker processes check when they start."""
    token = _unchecked.set(True)
    try:
        yield
    finally:
        _unchecked.reset(token)


def sample_context(language: str = "en", channel: str = "press", with_facts: bool = True) -> dict[str, Any]:
    """Realistic values for checking a template, in ``language``, for ``channel``; optionally with nothing
    recorded yet (no facts and empty record slots)."""
    base = SAMPLE_CONTEXT_DE if language == "de" else SAMPLE_CONTEXT
    context = {**base, "channel": channel, "language": language}
    if with_facts:
        context.update({key: list(value) if isinstance(value, list) else value for key, value in base.items()
                        if key == "facts" or key in RECORD_SLOTS})
    else:
        context.update({"facts": [], **{key: type(value)() for key, value in RECORD_SLOTS.items()}})
    return context


def sentence(value: Any) -> str:
    """Jinja filter: the text stripped and ending with a full stop (unless it already ends a sentence)."""
    text = str(value).strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    """The shared environment: plain text, strict about unknown variables, tidy whitespace."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["sentence"] = sentence
    return env


@lru_cache(maxsize=256)
def compile_template(source: str) -> Template:
    """Compile ``source`` once; raises StatementTemplateError naming the line of a syntax error."""
    from jinja2 import TemplateSyntaxError

    try:
        return environment().from_string(source)
    except TemplateSyntaxError as exc:
        raise StatementTemplateError(f"template syntax error at line {exc.lineno}: {exc.message}") from exc


def tidy(text: str) -> str:
    """Strip trailing spaces, collapse runs of blank lines to one empty line, strip the whole text."""
    lines = [line.rstrip() for line in text.splitlines()]
    collapsed = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return collapsed.strip()


def render(source: str, context: dict[str, Any]) -> str:
    """Render a statement template with ``context``; raises StatementTemplateError with a clear reason."""
    from jinja2 import TemplateError, UndefinedError

    template = compile_template(source)
    try:
        return tidy(template.render(**context))
    except UndefinedError as exc:
        message = exc.message or "undefined value"
        if "is undefined" in message:
            hint = f"templates can use {', '.join(CONTEXT_VARIABLES)}"
        else:
            hint = "guard it, e.g. {% if facts %}{{ facts[0] }}{% endif %}"
        raise StatementTemplateError(f"{message}: {hint}") from exc
    except TemplateError as exc:
        raise StatementTemplateError(f"template error: {exc.message}") from exc
    except Exception as exc:  # an expression inside a template can raise anything
        raise StatementTemplateError(f"template error: {type(exc).__name__}: {exc}") from exc


def template_problems(source: str, language: str) -> list[str]:
    """Check a template against the sample context for every channel, with and without facts.

    Returns messages for: syntax errors, render failures (e.g. unknown variables, ``facts[0]`` without a
    guard), an ``x`` variant longer than 280 characters, and a variant that leaves out a part every
    holding statement needs: the confirmed facts (except on ``x``), the next update time, the source.
    Nothing within ``unchecked()``.
    """
    if _unchecked.get():
        return []
    try:
        compile_template(source)
    except StatementTemplateError as exc:
        return [str(exc)]
    rendered: list[tuple[str, bool, dict[str, Any], str]] = []
    for channel in CHANNELS:
        for with_facts in (True, False):
            context = sample_context(language, channel, with_facts)
            try:
                text = render(source, context)
            except StatementTemplateError as exc:
                facts_note = "" if with_facts else " and no facts"
                return [f"fails for channel {channel!r}{facts_note}: {exc}"]
            if channel == "x" and len(text) > X_LIMIT:
                return [f"the x variant has {len(text)} characters with the sample values (limit {X_LIMIT})"]
            if not text:
                return [f"renders empty text for channel {channel!r}"]
            rendered.append((channel, with_facts, context, text))
    for channel, with_facts, context, text in rendered:
        missing = missing_parts(text, context)
        if missing:
            facts_note = "" if with_facts else " without facts"
            return [f"the {channel} variant{facts_note} leaves out {' and '.join(missing)}"]
    return []


def check_renders(source: str, context: dict[str, Any]) -> None:
    """Raise StatementTemplateError when ``source`` does not render with ``context``; nothing within ``unchecked()``."""
    if not _unchecked.get():
        render(source, context)


def missing_parts(text: str, context: dict[str, Any]) -> list[str]:
    """The parts of a holding statement a rendered text lacks: facts (not on x), next update, source."""
    missing = []
    if context["channel"] != "x" and any(fact not in text for fact in context["facts"]):
        missing.append("the confirmed facts ({{ facts }})")
    if context["next_update"] not in text:
        missing.append("the time of the next update ({{ next_update }})")
    if context["info_source"] not in text:
        missing.append("the source of more information ({{ info_source }})")
    return missing
