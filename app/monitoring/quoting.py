"""Posts quoted as received, except that authors' handles are masked: handles never travel into alerts, rooms
or statements."""

from __future__ import annotations

import re

QUOTE_MAX = 280
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_.]+(?:@[A-Za-z0-9.-]+)?")


def mask_handles(text: str) -> str:
    """``@ann`` and ``@ann@x.social`` become ``@…``."""
    return _HANDLE.sub("@…", text)


def quote(text: str, platform: str, followers: int, engagement: int, limit: int = QUOTE_MAX) -> str:
    """The post on one line, handles masked, shortened to ``limit``, with where it was and how far it reached
    (not escaped for Slack: the caller escapes when it shows it)."""
    line = mask_handles(" ".join(text.split()))
    line = line if len(line) <= limit else line[:limit - 1] + "…"
    return f"“{line}” ({platform}, {followers:,} followers, {engagement:,} engagements)"
