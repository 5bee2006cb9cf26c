"""The generic JSON alert webhook: one alert per request, in the bot's own field names."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

from app.alerts.formats import values as check
from app.alerts.formats.limits import DEDUP_KEY_MAX, KIND_MAX, LABELS_MAX, URL_MAX
from app.alerts.formats.model import AlertIn, normalise_kind, validate
from app.alerts.models import AlertStatus
from app.severity import Severity


def _kind(value: Any) -> str:
    kind = normalise_kind(check.required_text(value, KIND_MAX))
    if not kind:
        raise check.invalid("must contain letters or digits, e.g. social-spike")
    return kind


def _dedup_key(value: Any) -> str | None:
    text = check.optional_text(value, DEDUP_KEY_MAX)
    if text is not None and not text.strip():
        raise check.invalid("must be a non-empty string when given")
    return text.strip() if text is not None else None


class GenericAlertBody(BaseModel):
    """A generic alert; unknown top-level fields are allowed (they are kept in the raw payload)."""

    model_config = ConfigDict(extra="allow")

    source: Annotated[str, BeforeValidator(lambda v: check.required_text(v, KIND_MAX))]
    kind: Annotated[str, BeforeValidator(_kind)]
    title: Annotated[str, BeforeValidator(check.title_text)]
    description: Annotated[str, BeforeValidator(check.description_text)] = ""
    severity: Annotated[Severity | None, BeforeValidator(check.severity)] = None
    status: Annotated[str | None, BeforeValidator(check.status)] = None
    dedup_key: Annotated[str | None, BeforeValidator(_dedup_key)] = None
    labels: Annotated[dict[str, str], BeforeValidator(lambda v: check.string_map(v, LABELS_MAX))] = {}
    url: Annotated[str | None, BeforeValidator(lambda v: check.http_url(v, URL_MAX))] = None
    metrics: Annotated[dict[str, float], BeforeValidator(check.metrics)] = {}
    started_at: Annotated[datetime | None, BeforeValidator(check.time)] = None


def parse_generic(body: object) -> AlertIn:
    """Check and normalise a generic alert body; raises AlertFormatError naming the field."""
    alert = validate(GenericAlertBody, body)
    assert isinstance(body, dict)  # the body is an object, or validating it failed
    return AlertIn(
        source=alert.source,
        kind=alert.kind,
        title=alert.title,
        description=alert.description,
        severity=alert.severity,
        status=alert.status or AlertStatus.FIRING,
        dedup_key=alert.dedup_key,
        labels=alert.labels,
        url=alert.url,
        metrics=alert.metrics,
        started_at=alert.started_at,
        raw=dict(body),
    )
