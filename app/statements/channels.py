"""Publication channels for statements: their keys, character limits and labels."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.errors import UserError


class ChannelError(UserError, ValueError):
    """An unknown or missing statement channel."""


# Character limit per channel; None means no hard limit.
CHANNELS: dict[str, int | None] = {
    "press": None,
    "x": 280,
    "linkedin": 3000,
    "website": None,
    "staff": None,
    "email": None,
}

LABELS: dict[str, dict[str, str]] = {
    "press": {"en": "Press statement", "de": "Pressemitteilung"},
    "x": {"en": "X (Twitter)", "de": "X (Twitter)"},
    "linkedin": {"en": "LinkedIn", "de": "LinkedIn"},
    "website": {"en": "Website / dark site", "de": "Website / Dark Site"},
    "staff": {"en": "Staff memo", "de": "Mitarbeiterinformation"},
    "email": {"en": "Customer e-mail", "de": "Kunden-E-Mail"},
}

ALIASES: dict[str, str] = {
    "twitter": "x",
    "tweet": "x",
    "memo": "staff",
    "mail": "email",
    "e-mail": "email",
    "web": "website",
    "darksite": "website",
    "dark-site": "website",
}


def normalize_channel(name: str) -> str:
    """Return the channel key for a name or alias; the error names the channel and lists the valid ones."""
    key = str(name).strip().lower()
    key = ALIASES.get(key, key)
    if key not in CHANNELS:
        raise ChannelError(key="channel.error.unknown", quoted=repr(name), channels=", ".join(CHANNELS))
    return key


def parse_channels(text_or_list: str | Iterable[str]) -> list[str]:
    """Parse ``"press, x web"`` or a list of names into channel keys, in order, without duplicates."""
    if isinstance(text_or_list, str):
        names = [part for part in re.split(r"[\s,;]+", text_or_list) if part]
    else:
        names = [str(part) for part in text_or_list if str(part).strip()]
    if not names:
        raise ChannelError(key="channel.error.none", channels=", ".join(CHANNELS))
    keys: list[str] = []
    for name in names:
        key = normalize_channel(name)
        if key not in keys:
            keys.append(key)
    return keys


def channel_limit(channel: str) -> int | None:
    """The channel's character limit, or None when it has no hard limit."""
    return CHANNELS[normalize_channel(channel)]


def channel_label(channel: str, language: str = "en") -> str:
    """The channel's human-readable name in ``language`` (English when the language is unknown)."""
    labels = LABELS[normalize_channel(channel)]
    return labels.get(language, labels["en"])
