"""Checks of single alert fields, shared by the formats' pydantic models.

Each check returns the clean value or raises ``PydanticCustomError`` whose message is the one a sender
reads in the 422 answer, next to the field's path (see ``model.format_error``).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from pydantic_core import PydanticCustomError

from app.alerts.formats.limits import DESCRIPTION_MAX, TITLE_MAX
from app.alerts.models import AlertStatus
from app.severity import Severity

ZERO_TIME_PREFIX = "0001-01-01"
STATUSES = tuple(AlertStatus)
TIME_EXAMPLE = "must be an ISO-8601 time such as 2026-01-31T09:30:00Z"


def invalid(message: str) -> PydanticCustomError:
    return PydanticCustomError("alert_field", "{reason}", {"reason": message})


def optional_text(value: Any, limit: int | None = None) -> str | None:
    """A string or None; longer than ``limit`` is refused."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid("must be a string")
    if limit is not None and len(value) > limit:
        raise invalid(f"must be at most {limit:,} characters (got {len(value):,})")
    return value


def required_text(value: Any, limit: int | None = None) -> str:
    """A non-blank string, stripped; longer than ``limit`` is refused."""
    text = optional_text(value, limit)
    if text is None or not text.strip():
        raise invalid("is required and must be a non-empty string")
    return text.strip()


def title_text(value: Any) -> str:
    """A required title, shortened (never refused) beyond ``TITLE_MAX``."""
    return clip(required_text(value), TITLE_MAX)


def description_text(value: Any) -> str:
    """An optional description, shortened visibly (never refused) beyond ``DESCRIPTION_MAX``."""
    return shorten(optional_text(value) or "", DESCRIPTION_MAX)


def string_map(value: Any, max_entries: int | None = None) -> dict[str, str]:
    """An object whose values are all strings (as labels and annotations are); None is empty."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid("must be an object of strings")
    for key, item in value.items():
        if not isinstance(item, str):
            raise invalid(f"must be an object of strings ({key!r} is {_json_type(item)})")
    if max_entries is not None and len(value) > max_entries:
        raise invalid(f"must have at most {max_entries} entries (got {len(value)})")
    return {str(key): item for key, item in value.items()}


def metrics(value: Any) -> dict[str, float]:
    """An object of name -> finite number."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid("must be an object of name -> number")
    result = {}
    for name, number in value.items():
        finite = as_finite(number)
        if finite is None:
            raise invalid(f"must be an object of name -> number ({name!r} is not a number in range)")
        result[str(name)] = finite
    return result


def lenient_metrics(value: Any) -> dict[str, float]:
    """Grafana's per-alert ``values``: anything that is not a finite number is skipped."""
    if not isinstance(value, dict):
        return {}
    numbers = {str(name): as_finite(number) for name, number in value.items()}
    return {name: number for name, number in numbers.items() if number is not None}


def as_finite(value: Any) -> float | None:
    """The value as a finite float; None for bools, non-numbers, NaN, infinities and out-of-range integers."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def severity(value: Any) -> Severity | None:
    text = optional_text(value)
    if text is None:
        return None
    try:
        return Severity.parse(text)
    except ValueError as exc:
        raise invalid(str(exc)) from None


def status(value: Any) -> str | None:
    """firing or resolved (any case); None when absent."""
    text = optional_text(value)
    if text is None:
        return None
    lowered = text.strip().lower()
    if lowered not in STATUSES:
        raise invalid(f"must be firing or resolved (got {text!r})")
    return lowered


def http_url(value: Any, limit: int) -> str | None:
    text = optional_text(value, limit)
    if text is None:
        return None
    if not is_http_url(text):
        raise invalid("must be an http:// or https:// URL")
    return text.strip()


def lenient_url(value: Any, limit: int) -> str | None:
    """An http(s) URL from a sender that may put anything there: anything else is dropped."""
    return value.strip() if is_http_url(value) and len(value) <= limit else None


def is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parsed = urlparse(value.strip())
    except ValueError:  # e.g. an unbalanced [ in the host part
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def is_zero_time(value: Any) -> bool:
    """Alertmanager and Grafana send ``0001-01-01T00:00:00Z`` for "no time" (a still-firing alert's end)."""
    return isinstance(value, str) and value.startswith(ZERO_TIME_PREFIX)


def time(value: Any) -> datetime | None:
    """An ISO-8601 / RFC 3339 time as a UTC datetime; naive times are taken as UTC; None and zero -> None."""
    if value is None or is_zero_time(value):
        return None
    if not isinstance(value, str) or not value.strip():
        raise invalid(TIME_EXAMPLE)
    try:
        parsed = datetime.fromisoformat(value.strip())
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: an offset that moves the time out of years 1-9999
        raise invalid(TIME_EXAMPLE) from None


def clip(text: str, limit: int) -> str:
    """Shorten text from a sender we do not control, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, saying so when shortened; the full text stays in the raw payload."""
    if len(text) <= limit:
        return text
    note = f"… [shortened from {len(text):,} characters; the full text is kept with the alert]"
    return text[: limit - len(note)] + note


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
