"""Legal and regulatory clocks of an incident (e.g. GDPR Art. 33: 72 hours from awareness)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.alerts.models import Alert
from app.incidents.models import Incident
from app.timeutil import as_utc, parse_duration


@dataclass(frozen=True)
class Clock:
    key: str
    title: str
    role: str | None
    due_at: datetime
    remind_before: tuple[timedelta, ...]


def _td(value) -> timedelta:
    return value if isinstance(value, timedelta) else parse_duration(str(value))


def first_labels(session: Session, incident_id: int) -> dict[str, str]:
    query = select(Alert.labels).where(Alert.incident_id == incident_id).order_by(col(Alert.id)).limit(1)
    return session.exec(query).first() or {}


def clocks_for(incident: Incident, playbook, labels: dict[str, str]) -> list[Clock]:
    """The playbook's deadlines that apply to this incident, due from its start (awareness)."""
    result = []
    for spec in getattr(playbook, "deadlines", []) or []:
        wanted = getattr(spec, "when_labels", None) or {}
        if any(labels.get(k) != v for k, v in wanted.items()):
            continue
        result.append(Clock(
            key=spec.key, title=spec.title, role=spec.role,
            due_at=as_utc(incident.created_at) + _td(spec.after),
            remind_before=tuple(_td(r) for r in (spec.remind_before or [])),
        ))
    return result
