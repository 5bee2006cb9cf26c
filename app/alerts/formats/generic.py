"""The generic JSON alert webhook: one alert per request, in the bot's own field names."""

from __future__ import annotations

from app.alerts.formats.model import KIND_MAX, AlertFormatError, AlertIn, normalise_kind
from app.alerts.formats.values import (
    is_http_url,
    is_number,
    optional_string,
    parse_time,
    require_object,
    required_string,
    string_map,
)
from app.severity import Severity

TITLE_MAX = 500
DESCRIPTION_MAX = 10_000
DEDUP_KEY_MAX = 255
LABELS_MAX = 64
URL_MAX = 3_000
STATUSES = ("firing", "resolved")


def parse_generic(body: object) -> AlertIn:
    """Check and normalise a generic alert body; unknown top-level fields are kept in ``raw``."""
    body = require_object(body, "body")
    source = required_string(body, "source", "source", max_length=KIND_MAX)
    kind_text = required_string(body, "kind", "kind", max_length=KIND_MAX)
    kind = normalise_kind(kind_text)
    if not kind:
        raise AlertFormatError("kind", "must contain letters or digits, e.g. social-spike")
    return AlertIn(
        source=source,
        kind=kind,
        title=required_string(body, "title", "title", max_length=TITLE_MAX),
        description=optional_string(body, "description", "description", max_length=DESCRIPTION_MAX) or "",
        severity=_severity(body),
        status=_status(body),
        dedup_key=_dedup_key(body),
        labels=string_map(body.get("labels"), "labels", max_entries=LABELS_MAX),
        url=_url(body),
        metrics=_metrics(body.get("metrics")),
        started_at=parse_time(body.get("started_at"), "started_at"),
        raw=dict(body),
    )


def _severity(body: dict) -> Severity | None:
    text = optional_string(body, "severity", "severity")
    if text is None:
        return None
    try:
        return Severity.parse(text)
    except ValueError as exc:
        raise AlertFormatError("severity", str(exc)) from None


def _status(body: dict) -> str:
    text = optional_string(body, "status", "status")
    if text is None:
        return "firing"
    status = text.strip().lower()
    if status not in STATUSES:
        raise AlertFormatError("status", f"must be firing or resolved (got {text!r})")
    return status


def _dedup_key(body: dict) -> str | None:
    text = optional_string(body, "dedup_key", "dedup_key", max_length=DEDUP_KEY_MAX)
    if text is not None and not text.strip():
        raise AlertFormatError("dedup_key", "must be a non-empty string when given")
    return text.strip() if text is not None else None


def _url(body: dict) -> str | None:
    text = optional_string(body, "url", "url", max_length=URL_MAX)
    if text is None:
        return None
    if not is_http_url(text):
        raise AlertFormatError("url", "must be an http:// or https:// URL")
    return text.strip()


def _metrics(value: object) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise AlertFormatError("metrics", "must be an object of name -> number")
    for name, number in value.items():
        if not is_number(number):
            raise AlertFormatError("metrics", f"must be an object of name -> number ({name!r} is not a number)")
    return {str(name): float(number) for name, number in value.items()}
