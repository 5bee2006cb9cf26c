"""PagerDuty V3 webhooks: one incident event per request becomes one alert."""

from __future__ import annotations

from app.alerts.formats.model import AlertFormatError, AlertIn
from app.alerts.formats.values import clip, is_http_url, parse_time, require_object
from app.severity import Severity

KIND = "service-outage"
TITLE_MAX = 500
URL_MAX = 3_000

PRIORITIES = {
    "P1": Severity.CRITICAL,
    "P2": Severity.HIGH,
    "P3": Severity.MEDIUM,
    "P4": Severity.LOW,
    "P5": Severity.LOW,
}
URGENCIES = {"high": Severity.HIGH, "low": Severity.MEDIUM}


def parse_pagerduty(body: object) -> AlertIn:
    """Parse ``{"event": {...}}``; only ``incident.*`` events are accepted."""
    body = require_object(body, "body")
    event = require_object(body.get("event"), "event")
    event_type = event.get("event_type")
    if not isinstance(event_type, str) or not event_type.strip():
        raise AlertFormatError("event.event_type", "is required and must be a string")
    if not event_type.startswith("incident."):
        raise AlertFormatError("event.event_type", "only incident events are handled")
    data = require_object(event.get("data"), "event.data")
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
    labels = {"service": service, "urgency": urgency, "priority": priority, "event_type": event_type}
    started = data.get("created_at") or event.get("occurred_at")
    return AlertIn(
        source="pagerduty",
        kind=KIND,
        title=clip(title, TITLE_MAX),
        severity=PRIORITIES.get(priority.upper()) or URGENCIES.get(urgency),
        status="resolved" if event_type == "incident.resolved" else "firing",
        dedup_key=f"pagerduty:{incident_id}",
        labels={key: value for key, value in labels.items() if value},
        url=_url(incident.get("html_url")),
        started_at=parse_time(started, "event.data.created_at" if data.get("created_at") else "event.occurred_at"),
        raw=body,
    )


def _incident(data: dict) -> dict:
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


def _url(value: object) -> str | None:
    return value.strip() if is_http_url(value) and len(value) <= URL_MAX else None
