"""Channel names that Slack accepts: ``{prefix}-{yyyymmdd}-{slug}``, lowercase, at most 80 characters."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

MAX_NAME = 80
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLIT)).encode("ascii", "ignore").decode()
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]+", "-", text.lower())).strip("-")


def channel_name(prefix: str, day: datetime, title: str, suffix: int = 1) -> str:
    """The room's channel name; ``suffix`` > 1 appends ``-2``, ``-3`` after a name_taken."""
    head = f"{slugify(prefix) or 'incident'}-{day:%Y%m%d}"
    tail = f"-{suffix}" if suffix > 1 else ""
    slug = slugify(title)[: MAX_NAME - len(head) - len(tail) - 1].strip("-")
    return f"{head}-{slug}{tail}" if slug else f"{head}{tail}"
