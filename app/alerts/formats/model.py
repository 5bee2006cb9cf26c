"""The normalised alert every format is parsed into, and the errors raised for a body that does not fit."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.alerts.formats.limits import KIND_MAX
from app.alerts.models import AlertStatus
from app.severity import Severity

__all__ = ["KIND_MAX", "AlertFormatError", "AlertIgnored", "AlertIn", "normalise_kind", "validate"]


@dataclass
class AlertIn:
    """One alert, whatever format it arrived in."""

    source: str
    kind: str
    title: str
    description: str = ""
    severity: Severity | None = None
    status: str = AlertStatus.FIRING
    dedup_key: str | None = None  # the alert's own identity (repeats of one alert share it)
    labels: dict[str, str] = field(default_factory=dict)
    url: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    started_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    group_key: str | None = None  # alerts sharing it share one incident (an Alertmanager/Grafana group)
    delivery_id: str | None = None  # the sender's id of this delivery: a redelivery is recognised by it


class AlertFormatError(ValueError):
    """A body that does not match its format; ``field`` is a dotted path such as ``alerts[0].labels``.

    ``errors`` lists every problem found as ``{"field", "message"}``, the first one being this one's.
    """

    def __init__(self, field: str, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.errors = errors or [{"field": field, "message": message}]


class AlertIgnored(Exception):
    """A well-formed delivery that carries no alert (e.g. a PagerDuty event about something else)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_GENERIC_MESSAGES = {
    "missing": "is required",
    "model_type": "must be an object",
    "dict_type": "must be an object",
    "model_attributes_type": "must be an object",
    "list_type": "must be a list",
}


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], body: Any) -> M:
    """``model`` validated from ``body``; any problem raises AlertFormatError naming the field."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise format_error(exc) from None


def format_error(exc: ValidationError) -> AlertFormatError:
    """The pydantic errors as one AlertFormatError, with every problem listed."""
    errors = [{"field": field_path(error["loc"]), "message": _GENERIC_MESSAGES.get(error["type"], error["msg"])}
              for error in exc.errors(include_url=False)]
    first = errors[0]
    return AlertFormatError(first["field"], first["message"], errors)


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("alerts", 1, "labels")`` -> ``alerts[1].labels``; the empty path is the whole ``body``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def normalise_kind(text: str) -> str:
    """``"Social Spike"`` / ``social_spike`` -> ``social-spike``: lowercase kebab-case, [a-z0-9-] only."""
    value = re.sub(r"[\s_]+", "-", str(text).strip().lower())
    value = re.sub(r"[^a-z0-9-]", "", value)
    return re.sub(r"-{2,}", "-", value).strip("-")
