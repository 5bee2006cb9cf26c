"""What each kind of statement is called, how its items are labelled and how long an item may be."""

from __future__ import annotations

from app.i18n import pack_topic
from app.playbooks.schema import AUDIENCES
from app.statements.channels import channel_label, channel_limit
from app.statements.lint import REPLY_LIMIT
from app.statements.models import StatementKind

NAMES: dict[str, dict[str, str]] = {
    StatementKind.HOLDING: {"en": "holding statement", "de": "erste Stellungnahme"},
    StatementKind.QA: {"en": "press Q&A pack", "de": "Presse-Q&A"},
    StatementKind.STAKEHOLDERS: {"en": "stakeholder map", "de": "Stakeholder-Übersicht"},
    StatementKind.REPLIES: {"en": "set of reply macros", "de": "Antwortbausteine"},
}
PLURALS: dict[str, str] = {
    StatementKind.HOLDING: "holding statements",
    StatementKind.QA: "press Q&A packs",
    StatementKind.STAKEHOLDERS: "stakeholder maps",
    StatementKind.REPLIES: "reply macros",
}
COMMANDS: dict[str, str] = {
    StatementKind.HOLDING: "statement",
    StatementKind.QA: "qa",
    StatementKind.STAKEHOLDERS: "stakeholders",
    StatementKind.REPLIES: "replies",
}
ITEM_WORDS: dict[str, dict[str, str]] = {
    StatementKind.QA: {"en": "Question", "de": "Frage"},
    StatementKind.STAKEHOLDERS: {"en": "Audience", "de": "Zielgruppe"},
    StatementKind.REPLIES: {"en": "Reply", "de": "Antwortbaustein"},
}
# A pack item is short: one answer, one audience's message, one reply.
ITEM_LIMITS: dict[str, int] = {
    StatementKind.QA: 1_200,
    StatementKind.STAKEHOLDERS: 1_200,
    StatementKind.REPLIES: REPLY_LIMIT,
}


def name(kind: str, language: str = "en") -> str:
    """The kind as a phrase, e.g. "press Q&A pack"."""
    names = NAMES[StatementKind(kind)]
    return names.get(language, names["en"])


def title(kind: str, language: str = "en") -> str:
    """The kind as a heading, e.g. "Press Q&A pack"."""
    text = name(kind, language)
    return text[:1].upper() + text[1:]


def plural(kind: str) -> str:
    return PLURALS[StatementKind(kind)]


def command(kind: str) -> str:
    """The ``/warroom`` subcommand that drafts this kind."""
    return COMMANDS[StatementKind(kind)]


def humanize(key: str) -> str:
    """An item key as people read it: ``data-safety`` -> ``data safety``."""
    return key.replace("-", " ").replace("_", " ")


def item_label(kind: str, key: str, language: str = "en") -> str:
    """The label of one text of a statement: its channel for a holding statement, else the pack item."""
    if StatementKind(kind) == StatementKind.HOLDING:
        return channel_label(key, language)
    words = ITEM_WORDS[StatementKind(kind)]
    return f"{words.get(language, words['en'])}: {topic(kind, key, language)}"


def topic(kind: str, key: str, language: str = "en") -> str:
    """A pack item's topic: in German the audience's or the topic's German name where there is one."""
    if language == "de":
        if StatementKind(kind) == StatementKind.STAKEHOLDERS and key in AUDIENCES:
            return AUDIENCES[key][1]
        german = pack_topic(key, language)
        if german:
            return german
    return humanize(key)


def item_limit(kind: str, key: str) -> int | None:
    """How many characters one text may have: its channel's limit, or the pack item's."""
    if StatementKind(kind) == StatementKind.HOLDING:
        return channel_limit(key)
    return ITEM_LIMITS[StatementKind(kind)]
