"""Field checks shared by the alert formats; each failure raises AlertFormatError naming the field."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from app.alerts.formats.model import AlertFormatError

ZERO_TIME_PREFIX = "0001-01-01"


def require_object(value: Any, field: str) -> dict:
    if not isinstance(value, dict):
        raise AlertFormatError(field, "must be an object")
    return value


def optional_string(body: dict, key: str, field: str, *, max_length: int | None = None) -> str | None:
    """The string at ``body[key]``, or None when absent or null."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise AlertFormatError(field, "must be a string")
    if max_length is not None and len(value) > max_length:
        raise AlertFormatError(field, f"must be at most {max_length:,} characters (got {len(value):,})")
    return value


def required_string(body: dict, key: str, field: str, *, max_length: int | None = None) -> str:
    value = optional_string(body, key, field, max_length=max_length)
    if value is None or not value.strip():
        raise AlertFormatError(field, "is required and must be a non-empty string")
    return value.strip()


def string_map(value: Any, field: str, *, max_entries: int | None = None) -> dict[str, str]:
    """An object whose values are all strings (as labels and annotations are)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise AlertFormatError(field, "must be an object of strings")
    for key, item in value.items():
        if not isinstance(item, str):
            raise AlertFormatError(field, f"must be an object of strings ({key!r} is {type(item).__name__})")
    if max_entries is not None and len(value) > max_entries:
        raise AlertFormatError(field, f"must have at most {max_entries} entries (got {len(value)})")
    return {str(key): item for key, item in value.items()}


def is_number(value: Any) -> bool:
    """True for finite ints and floats; bools are not numbers here."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parsed = urlparse(value.strip())
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def is_zero_time(value: Any) -> bool:
    """Alertmanager and Grafana send ``0001-01-01T00:00:00Z`` for "no time" (a still-firing alert's end)."""
    return isinstance(value, str) and value.startswith(ZERO_TIME_PREFIX)


def parse_time(value: Any, field: str) -> datetime | None:
    """An ISO-8601 / RFC 3339 time as a UTC datetime; naive times are taken as UTC; None and zero -> None."""
    if value is None or is_zero_time(value):
        return None
    if not isinstance(value, str) or not value.strip():
        raise AlertFormatError(field, "must be an ISO-8601 time such as 2026-01-31T09:30:00Z")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise AlertFormatError(field, "must be an ISO-8601 time such as 2026-01-31T09:30:00Z") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def clip(text: str, limit: int) -> str:
    """Shorten text from a sender we do not control, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
