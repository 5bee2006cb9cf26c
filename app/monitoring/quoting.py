"""Posts quoted as received, except that authors' handles are masked: handles never travel into alerts, rooms
or statements."""

from __future__ import annotations

import re

from app import i18n

QUOTE_MAX = 280
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_.]+(?:@[A-Za-z0-9.-]+)?")


def mask_handles(text: str) -> str:
    """``@ann`` and ``@ann@x.social`` become ``@…``."""
    return _HANDLE.sub("@…", text)


def quote(text: str, platform: str, followers: int, engagement: int, limit: int = QUOTE_MAX, *,
          language: str | None = "en") -> str:
    """The post on one line, handles masked, shortened to ``limit``, with where it was and how far it reached,
    in ``language`` (not escaped for Slack: the caller escapes when it shows it)."""
    line = mask_handles(" ".join(text.split()))
    line = line if len(line) <= limit else line[:limit - 1] + "…"
    return i18n.say(language, "trend.post", post=line, platform=platform, followers=i18n.number(followers, language),
                    engagement=i18n.number(engagement, language))
