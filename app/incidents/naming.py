"""Channel names that Slack accepts and that stay unique and readable for any title.

``{prefix}-{yyyymmdd}-{slug}``, lowercase, at most 80 characters. Titles in any script are transliterated
(anyascii), and when the name is taken the incident's number makes it unique. Confidential incidents get a
code name that never says what the incident is about.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from anyascii import anyascii

MAX_NAME = 80
CODE_PREFIX = "confidential"
# German umlauts read better spelled out than stripped (anyascii turns "ä" into "a").
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def slugify(text: str) -> str:
    """Lowercase ASCII letters and digits joined by single dashes; empty when nothing readable is left."""
    ascii_text = anyascii(text.translate(_GERMAN))
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]+", "-", ascii_text.lower())).strip("-")


def _join(head: str, slug: str, tail: str) -> str:
    room = MAX_NAME - len(head) - len(tail) - 1
    slug = slug[:room].strip("-")
    return f"{head}-{slug}{tail}" if slug else f"{head}{tail}"


def channel_name(prefix: str, day: datetime, title: str, attempt: int = 1, *, number: int | None = None) -> str:
    """The room's channel name for the given attempt (1 = the plain name).

    With the incident ``number``, a taken name is retried as ``...-{number}``, then ``...-{number}-2`` and
    so on, and a title with nothing readable in it becomes ``{prefix}-{yyyymmdd}-{number}``. Without it
    (older callers), attempts append ``-2``, ``-3``.
    """
    head = f"{slugify(prefix) or 'incident'}-{day:%Y%m%d}"
    slug = slugify(title)
    if number is None:
        return _join(head, slug, f"-{attempt}" if attempt > 1 else "")
    if not slug:
        return _join(head, str(number), f"-{attempt}" if attempt > 1 else "")
    if attempt == 1:
        return _join(head, slug, "")
    return _join(head, slug, f"-{number}" + (f"-{attempt - 1}" if attempt > 2 else ""))


def code_name(day: datetime) -> str:
    """A name that says nothing about the incident: ``confidential-20261130-7f3a``."""
    return f"{CODE_PREFIX}-{day:%Y%m%d}-{secrets.token_hex(2)}"
