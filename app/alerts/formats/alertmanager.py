"""Prometheus Alertmanager (webhook v4) and Grafana alerting webhooks: one AlertIn per alert in the group.

All alerts of one ``groupKey`` belong to one incident (``AlertIn.group_key``); each alert keeps its own
identity (``groupKey:fingerprint``) so that repeats of it are recognised.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

from app.alerts.formats import values as check
from app.alerts.formats.limits import DEDUP_KEY_MAX, DESCRIPTION_MAX, KIND_MAX, TITLE_MAX, URL_MAX
from app.alerts.formats.model import AlertIn, normalise_kind, validate
from app.alerts.models import AlertStatus
from app.severity import Severity

FALLBACK_KIND = "alert"

SEVERITY_WORDS = {
    "critical": Severity.CRITICAL,
    "crit": Severity.CRITICAL,
    "page": Severity.CRITICAL,
    "high": Severity.HIGH,
    "error": Severity.HIGH,
    "major": Severity.HIGH,
    "warning": Severity.MEDIUM,
    "warn": Severity.MEDIUM,
    "medium": Severity.MEDIUM,
    "info": Severity.LOW,
    "low": Severity.LOW,
    "minor": Severity.LOW,
}


def _labels(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise check.invalid("is required and must be an object of strings")
    return check.string_map(value)


def _alert_list(value: Any) -> Any:
    if not isinstance(value, list) or not value:
        raise check.invalid("must be a non-empty list of alert objects")
    return value


class AlertmanagerAlert(BaseModel):
    """One alert of the group; fields other senders add are allowed and kept."""

    model_config = ConfigDict(extra="allow")

    labels: Annotated[dict[str, str], BeforeValidator(_labels)]
    annotations: Annotated[dict[str, str], BeforeValidator(check.string_map)] = {}
    status: Annotated[str | None, BeforeValidator(check.status)] = None
    startsAt: Annotated[datetime | None, BeforeValidator(check.time)] = None  # noqa: N815 (the sender's names)
    generatorURL: Annotated[str | None, BeforeValidator(lambda v: check.lenient_url(v, URL_MAX))] = None  # noqa: N815
    fingerprint: Any = None
    values: Annotated[dict[str, float], BeforeValidator(check.lenient_metrics)] = {}  # Grafana: query ref -> number


class AlertmanagerBody(BaseModel):
    """The group; only ``alerts`` is required, the rest is read leniently."""

    model_config = ConfigDict(extra="allow")

    alerts: Annotated[list[AlertmanagerAlert], BeforeValidator(_alert_list)]
    groupKey: Any = None  # noqa: N815
    status: Any = None
    externalURL: Annotated[str | None, BeforeValidator(lambda v: check.lenient_url(v, URL_MAX))] = None  # noqa: N815
    title: Any = None


def parse_alertmanager(body: object) -> list[AlertIn]:
    """Parse an Alertmanager or Grafana webhook body into one alert per element of ``alerts``."""
    group = validate(AlertmanagerBody, body)
    assert isinstance(body, dict)  # the body is an object, or validating it failed
    source = "grafana" if is_grafana(body) else "alertmanager"
    group_key = _group_key(group.groupKey)
    pairs = zip(group.alerts, body["alerts"], strict=True)
    return [_alert(group, alert, raw, source, group_key) for alert, raw in pairs]


def is_grafana(body: dict[str, Any]) -> bool:
    """Grafana adds ``orgId`` and sends ``version: "1"`` (Alertmanager sends "4")."""
    return "orgId" in body or str(body.get("version", "")) == "1"


def map_severity(text: str | None) -> Severity | None:
    """Map the usual ``severity`` label words onto the bot's levels; unknown words give None."""
    if not text:
        return None
    return SEVERITY_WORDS.get(text.strip().lower())


def _alert(
    group: AlertmanagerBody, alert: AlertmanagerAlert, raw: dict[str, Any], source: str, group_key: str | None,
) -> AlertIn:
    labels, annotations = alert.labels, alert.annotations
    return AlertIn(
        source=source,
        kind=_kind(labels),
        title=check.clip(_title(annotations, labels.get("alertname", "").strip(), group.title), TITLE_MAX),
        description=check.shorten(annotations.get("description") or annotations.get("message") or "", DESCRIPTION_MAX),
        severity=map_severity(labels.get("severity")),
        status=alert.status or _group_status(group.status),
        dedup_key=_dedup_key(group.groupKey, alert.fingerprint, labels),
        group_key=group_key,
        labels=labels,
        url=alert.generatorURL or group.externalURL,
        metrics=alert.values,
        started_at=alert.startsAt,
        raw=raw,
    )


def _kind(labels: dict[str, str]) -> str:
    kind = normalise_kind(labels.get("kind") or labels.get("alertname") or "")
    return kind[:KIND_MAX].rstrip("-") or FALLBACK_KIND


def _title(annotations: dict[str, str], alertname: str, group_title: Any) -> str:
    for candidate in (annotations.get("summary"), annotations.get("title"), alertname, group_title):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return "Alertmanager alert"


def _group_status(value: Any) -> str:
    """The group's status stands in for an alert without one; anything unusual there counts as firing."""
    status = value.strip().lower() if isinstance(value, str) else ""
    return status if status in check.STATUSES else AlertStatus.FIRING


def _group_key(group_key: Any) -> str | None:
    """The incident key of the group: its ``groupKey``, hashed when too long to store."""
    group = group_key.strip() if isinstance(group_key, str) else ""
    if not group:
        return None
    if len(group) > DEDUP_KEY_MAX:
        return "group-" + hashlib.sha256(group.encode()).hexdigest()[:32]
    return group


def _dedup_key(group_key: Any, fingerprint: Any, labels: dict[str, str]) -> str:
    """``groupKey:fingerprint``; groupKey alone; the fingerprint alone; else a hash of the labels."""
    group = group_key.strip() if isinstance(group_key, str) else ""
    finger = fingerprint.strip() if isinstance(fingerprint, str) else ""
    if group and len(group) + len(finger) + 1 > DEDUP_KEY_MAX:
        group = "group-" + hashlib.sha256(group.encode()).hexdigest()[:32]
    if group and finger:
        return f"{group}:{finger}"[:DEDUP_KEY_MAX]
    if group or finger:
        return (group or finger)[:DEDUP_KEY_MAX]
    canonical = json.dumps(sorted(labels.items()), separators=(",", ":"))
    return "labels-" + hashlib.sha256(canonical.encode()).hexdigest()[:32]
