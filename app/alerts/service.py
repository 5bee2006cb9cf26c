"""Alert intake: store every alert, open an incident or attach to the open one with the same dedup key.

"One incident per dedup key" is enforced by a partial unique index on open incidents, so two identical
alerts arriving at the same instant (in threads or in separate processes) still make one incident.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app import metrics
from app.alerts.models import Alert
from app.alerts.parsers import AlertIn
from app.core import Core
from app.db import transaction
from app.incidents import service as incidents
from app.incidents import timeline
from app.incidents.models import Incident


@dataclass(frozen=True)
class IntakeResult:
    alert_id: int
    incident_id: int | None
    status: str  # opened | attached | recorded

    def as_dict(self) -> dict:
        return {"alert_id": self.alert_id, "incident_id": self.incident_id, "status": self.status}


def dedup_key_for(alert: AlertIn) -> str:
    """The alert's own key, else one derived from what identifies the situation."""
    if alert.dedup_key:
        return alert.dedup_key
    basis = "\x1f".join([alert.source, alert.kind, alert.title.strip().lower()])
    return "derived:" + hashlib.sha256(basis.encode()).hexdigest()[:32]


def _alert_row(alert: AlertIn, key: str, incident_id: int | None) -> Alert:
    return Alert(incident_id=incident_id, source=alert.source, kind=alert.kind, title=alert.title[:500],
                 description=alert.description, severity=alert.severity.value if alert.severity else None,
                 status=alert.status, dedup_key=key, url=alert.url, labels=alert.labels, metrics=alert.metrics,
                 raw=alert.raw)


def _attach(session: Session, incident: Incident, alert: AlertIn, key: str) -> Alert:
    row = _alert_row(alert, key, incident.id)
    session.add(row)
    incident.alert_count += 1
    session.add(incident)
    session.flush()
    timeline.record(session, incident.id, "alert", alert.title[:500], actor=alert.source, alert_id=row.id,
                    status=alert.status, metrics=alert.metrics)
    return row


def _open_incident_for(session: Session, key: str) -> Incident | None:
    return session.exec(select(Incident).where(Incident.dedup_key == key, Incident.status == "open")).first()


def ingest(core: Core, alert: AlertIn) -> IntakeResult:
    """Commit the alert (and a new incident if needed) before returning."""
    key = dedup_key_for(alert)
    for _attempt in range(3):
        try:
            with transaction(core.engine) as session:
                incident = _open_incident_for(session, key)
                if incident is not None:
                    row = _attach(session, incident, alert, key)
                    result = IntakeResult(row.id, incident.id, "attached")
                elif alert.status == "resolved":
                    row = _alert_row(alert, key, None)
                    session.add(row)
                    session.flush()
                    result = IntakeResult(row.id, None, "recorded")
                else:
                    playbook = core.playbooks.match(alert.kind, alert.labels, alert.severity)
                    incident = incidents.open_incident(
                        session, playbook, title=alert.title, kind=alert.kind, severity=alert.severity,
                        source=alert.source, description=alert.description, url=alert.url, dedup_key=key,
                        language=core.settings.warroom_language,
                    )
                    row = _attach(session, incident, alert, key)
                    row.posted = True  # the briefing tells the room about the first alert
                    result = IntakeResult(row.id, incident.id, "opened")
        except IntegrityError:
            continue  # a concurrent alert opened the incident first: attach to it
        metrics.ALERTS_RECEIVED.labels(source=alert.source, outcome=result.status).inc()
        if result.status == "opened":
            metrics.INCIDENTS_OPENED.labels(playbook=playbook.id).inc()
        return result
    raise RuntimeError(f"could not store the alert with dedup key {key!r} after 3 attempts")
