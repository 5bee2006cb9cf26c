"""The normalised alert every format is parsed into, and the error raised for a malformed body."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from app.severity import Severity

KIND_MAX = 64


@dataclass
class AlertIn:
    """One alert, whatever format it arrived in."""

    source: str
    kind: str
    title: str
    description: str = ""
    severity: Severity | None = None
    status: str = "firing"
    dedup_key: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    url: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    started_at: datetime | None = None
    raw: dict = field(default_factory=dict)


class AlertFormatError(ValueError):
    """A body that does not match its format; ``field`` is a dotted path such as ``alerts[0].labels``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def normalise_kind(text: str) -> str:
    """``"Social Spike"`` / ``social_spike`` -> ``social-spike``: lowercase kebab-case, [a-z0-9-] only."""
    value = re.sub(r"[\s_]+", "-", str(text).strip().lower())
    value = re.sub(r"[^a-z0-9-]", "", value)
    return re.sub(r"-{2,}", "-", value).strip("-")
