"""Prometheus Alertmanager (webhook v4) and Grafana alerting webhooks: one AlertIn per alert in the group."""

from __future__ import annotations

import hashlib
import json

from app.alerts.formats.model import KIND_MAX, AlertFormatError, AlertIn, normalise_kind
from app.alerts.formats.values import clip, is_http_url, is_number, parse_time, require_object, string_map
from app.severity import Severity

TITLE_MAX = 500
DESCRIPTION_MAX = 10_000
DEDUP_KEY_MAX = 255
URL_MAX = 3_000
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


def parse_alertmanager(body: object) -> list[AlertIn]:
    """Parse an Alertmanager or Grafana webhook body into one alert per element of ``alerts``."""
    body = require_object(body, "body")
    alerts = body.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise AlertFormatError("alerts", "must be a non-empty list of alert objects")
    source = "grafana" if is_grafana(body) else "alertmanager"
    return [_parse_alert(body, alert, f"alerts[{index}]", source) for index, alert in enumerate(alerts)]


def is_grafana(body: dict) -> bool:
    """Grafana adds ``orgId`` and sends ``version: "1"`` (Alertmanager sends "4")."""
    return "orgId" in body or str(body.get("version", "")) == "1"


def map_severity(text: str | None) -> Severity | None:
    """Map the usual ``severity`` label words onto the bot's levels; unknown words give None."""
    if not text:
        return None
    return SEVERITY_WORDS.get(text.strip().lower())


def _parse_alert(body: dict, alert: object, path: str, source: str) -> AlertIn:
    alert = require_object(alert, path)
    if not isinstance(alert.get("labels"), dict):
        raise AlertFormatError(f"{path}.labels", "is required and must be an object of strings")
    labels = string_map(alert["labels"], f"{path}.labels")
    annotations = string_map(alert.get("annotations"), f"{path}.annotations")
    alertname = labels.get("alertname", "").strip()
    return AlertIn(
        source=source,
        kind=_kind(labels),
        title=clip(_title(annotations, alertname, body), TITLE_MAX),
        description=clip(annotations.get("description") or annotations.get("message") or "", DESCRIPTION_MAX),
        severity=map_severity(labels.get("severity")),
        status=_status(alert, body, path),
        dedup_key=_dedup_key(body.get("groupKey"), alert.get("fingerprint"), labels),
        labels=labels,
        url=_url(alert, body),
        metrics=_metrics(alert.get("values")),
        started_at=parse_time(alert.get("startsAt"), f"{path}.startsAt"),
        raw=alert,
    )


def _kind(labels: dict[str, str]) -> str:
    kind = normalise_kind(labels.get("kind") or labels.get("alertname") or "")
    return kind[:KIND_MAX].rstrip("-") or FALLBACK_KIND


def _title(annotations: dict[str, str], alertname: str, body: dict) -> str:
    for candidate in (annotations.get("summary"), annotations.get("title"), alertname):
        if candidate and candidate.strip():
            return candidate.strip()
    group_title = body.get("title")
    if isinstance(group_title, str) and group_title.strip():
        return group_title.strip()
    return "Alertmanager alert"


def _status(alert: dict, body: dict, path: str) -> str:
    value = alert.get("status", body.get("status", "firing"))
    status = value.strip().lower() if isinstance(value, str) else value
    if status not in ("firing", "resolved"):
        raise AlertFormatError(f"{path}.status", f"must be firing or resolved (got {value!r})")
    return status


def _dedup_key(group_key: object, fingerprint: object, labels: dict[str, str]) -> str:
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


def _url(alert: dict, body: dict) -> str | None:
    for candidate in (alert.get("generatorURL"), body.get("externalURL")):
        if is_http_url(candidate) and len(candidate) <= URL_MAX:
            return candidate.strip()
    return None


def _metrics(values: object) -> dict[str, float]:
    """Grafana's per-alert ``values`` (query ref -> number); anything that is not a number is skipped."""
    if not isinstance(values, dict):
        return {}
    return {str(name): float(number) for name, number in values.items() if is_number(number)}
