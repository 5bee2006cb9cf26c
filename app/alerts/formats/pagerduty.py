"""PagerDuty V3 webhooks: one event per request; an incident event becomes one alert, others are ignored.

PagerDuty disables a subscription that keeps getting 4xx answers, so events about anything but
incidents (``service.updated``, ``pagey.ping``, ...) are accepted and ignored rather than refused.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from app.alerts.formats import values as check
from app.alerts.formats.limits import DEDUP_KEY_MAX, TITLE_MAX, URL_MAX
from app.alerts.formats.model import AlertFormatError, AlertIgnored, AlertIn, validate
from app.alerts.models import AlertStatus
from app.severity import Severity

KIND = "service-outage"
PREFIX = "pagerduty:"

PRIORITIES = {
    "P1": Severity.CRITICAL,
    "P2": Severity.HIGH,
    "P3": Severity.MEDIUM,
    "P4": Severity.LOW,
    "P5": Severity.LOW,
}
URGENCIES = {"high": Severity.HIGH, "low": Severity.MEDIUM}


def _object(value: Any) -> Any:
    if not isinstance(value, dict):
        raise check.invalid("must be an object")
    return value


class EventHead(BaseModel):
    """What every event has: its type decides whether the rest is read."""

    model_config = ConfigDict(extra="allow")

    event_type: Annotated[str, BeforeValidator(check.required_text)]
    id: Any = None


_Event = Annotated[EventHead, BeforeValidator(_object), Field(validate_default=True)]


class Envelope(BaseModel):
    model_config = ConfigDict(extra="allow")

    event: _Event = None  # type: ignore[assignment]  # validated, None is refused by _object as a wrong event is


class IncidentEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    event_type: str
    occurred_at: Any = None
    data: Annotated[dict[str, Any], BeforeValidator(_object)]


class IncidentEnvelope(BaseModel):
    model_config = ConfigDict(extra="allow")

    event: IncidentEvent


def parse_pagerduty(body: object) -> AlertIn:
    """Parse ``{"event": {...}}``; raises AlertIgnored for events that are not about an incident."""
    head = validate(Envelope, body).event
    assert isinstance(body, dict)  # the envelope is an object, or validating it failed
    if not head.event_type.startswith("incident."):
        raise AlertIgnored(f"{head.event_type} events are not about an incident")
    event = validate(IncidentEnvelope, body).event
    data = event.data
    incident = _incident(data)
    incident_id = _text(incident.get("id"))
    if not incident_id:
        raise AlertFormatError("event.data.id", "is required and must be a non-empty string")
    title = _text(incident.get("title")) or _text(incident.get("summary"))
    if not title:
        raise AlertFormatError("event.data.title", "is required and must be a non-empty string")
    priority = _summary(data.get("priority"))
    urgency = _text(data.get("urgency")).lower()
    service = _summary(data.get("service"))
    labels = {"service": service, "urgency": urgency, "priority": priority, "event_type": event.event_type}
    started_field = "event.data.created_at" if data.get("created_at") else "event.occurred_at"
    try:
        started = check.time(data.get("created_at") or event.occurred_at)
    except PydanticCustomError as exc:  # name the field the time came from
        raise AlertFormatError(started_field, check.TIME_EXAMPLE) from exc
    return AlertIn(
        source="pagerduty",
        kind=KIND,
        title=check.clip(title, TITLE_MAX),
        severity=PRIORITIES.get(priority.upper()) or URGENCIES.get(urgency),
        status=AlertStatus.RESOLVED if event.event_type == "incident.resolved" else AlertStatus.FIRING,
        dedup_key=(PREFIX + incident_id)[:DEDUP_KEY_MAX],
        labels={key: value for key, value in labels.items() if value},
        url=check.lenient_url(incident.get("html_url"), URL_MAX),
        started_at=started,
        raw=body,
    )


def _incident(data: dict[str, Any]) -> dict[str, Any]:
    """The incident itself: ``data`` for incident resources, ``data.incident`` for notes and the like."""
    reference = data.get("incident")
    if data.get("type") != "incident" and isinstance(reference, dict) and reference.get("id"):
        return reference
    return data


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _summary(value: object) -> str:
    """``priority`` and ``service`` are references whose readable name is ``summary``."""
    return _text(value.get("summary")) if isinstance(value, dict) else ""
