"""Alert intake: store every alert, open an incident or attach to the open one with the same dedup key.

"One incident per dedup key" is enforced by a partial unique index on open incidents, so two identical
alerts arriving at the same instant (in threads or in separate processes) still make one incident.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, insert, select

from app import metrics
from app.alerts.models import Alert
from app.alerts.parsers import AlertIn
from app.core import Core
from app.db import transaction
from app.incidents import service as incidents
from app.incidents.models import Incident, TimelineEvent
from app.timeutil import utcnow


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


def _alert_row(alert: AlertIn, key: str, incident_id: int | None, *, posted: bool = False) -> dict:
    return {"incident_id": incident_id, "source": alert.source, "kind": alert.kind, "title": alert.title[:500],
            "description": alert.description, "severity": alert.severity.value if alert.severity else None,
            "status": alert.status, "dedup_key": key, "url": alert.url, "labels": alert.labels,
            "metrics": alert.metrics, "raw": alert.raw, "posted": posted, "received_at": utcnow()}


# Built once: the storm's hot path then skips building and caching a statement per batch.
_OPEN_BY_KEY = select(Incident.dedup_key, Incident.id).where(
    col(Incident.dedup_key).in_(bindparam("keys", expanding=True)), Incident.status == "open")
_INSERT_ALERTS = insert(Alert).returning(Alert.id, sort_by_parameter_order=True)
_INSERT_EVENTS = insert(TimelineEvent)
_COUNT = Incident.__table__.update().where(Incident.__table__.c.id == bindparam("counted_id")).values(
    alert_count=Incident.__table__.c.alert_count + bindparam("added"))


def _open_incidents_for(session: Session, keys: set[str]) -> dict[str, int]:
    """The id of the open incident of each dedup key that has one, in one query."""
    return dict(session.execute(_OPEN_BY_KEY, {"keys": sorted(keys)}).all())


@dataclass
class _Staged:
    alert: AlertIn
    row: dict
    incident_id: int | None
    status: str
    playbook_id: str | None = None
    alert_id: int = 0


def _stage(core: Core, session: Session, alerts: list[AlertIn]) -> list[_Staged]:
    """Store every alert (and each new incident); alerts with one key share one incident.

    Attaching is the hot path of a storm: plain bulk statements (alerts, their timeline entries, the
    incidents' counters), not one ORM object per alert.
    """
    open_by_key: dict[str, int | None] = dict.fromkeys({dedup_key_for(alert) for alert in alerts})
    open_by_key.update(_open_incidents_for(session, set(open_by_key)))
    staged = [_stage_one(core, session, alert, open_by_key) for alert in alerts]
    ids = session.execute(_INSERT_ALERTS, [item.row for item in staged]).scalars().all()
    attached = [item for item in staged if item.incident_id is not None]
    for item, alert_id in zip(staged, ids, strict=True):
        item.alert_id = alert_id
    if attached:
        session.execute(_INSERT_EVENTS, [
            {"incident_id": item.incident_id, "kind": "alert", "text": item.alert.title[:500],
             "actor": item.alert.source, "at": item.row["received_at"],
             "data": {"alert_id": item.alert_id, "status": item.alert.status, "metrics": item.alert.metrics}}
            for item in attached])
        added = Counter(item.incident_id for item in attached)
        session.execute(_COUNT, [{"counted_id": incident_id, "added": n} for incident_id, n in added.items()])
    return staged


def _stage_one(core: Core, session: Session, alert: AlertIn, open_by_key: dict[str, int | None]) -> _Staged:
    key = dedup_key_for(alert)
    incident_id = open_by_key[key]
    if incident_id is None and alert.status == "resolved":
        return _Staged(alert, _alert_row(alert, key, None), None, "recorded")
    if incident_id is not None:
        return _Staged(alert, _alert_row(alert, key, incident_id), incident_id, "attached")
    playbook = core.playbooks.match(alert.kind, alert.labels, alert.severity)
    incident = incidents.open_incident(
        session, playbook, title=alert.title, kind=alert.kind, severity=alert.severity, source=alert.source,
        description=alert.description, url=alert.url, dedup_key=key, language=core.settings.warroom_language,
    )
    open_by_key[key] = incident.id
    # The briefing tells the room about the first alert.
    return _Staged(alert, _alert_row(alert, key, incident.id, posted=True), incident.id, "opened", playbook.id)


def ingest_many(core: Core, alerts: list[AlertIn]) -> list[IntakeResult]:
    """Commit the alerts (and any new incidents) in one transaction before returning, in order."""
    for _attempt in range(3):
        try:
            with transaction(core.engine, urgent=True) as session:
                staged = _stage(core, session, alerts)
        except IntegrityError:
            continue  # a concurrent alert (another process) opened an incident first: attach to it
        results = []
        for item in staged:
            results.append(IntakeResult(item.alert_id, item.incident_id, item.status))
            metrics.ALERTS_RECEIVED.labels(source=item.alert.source, outcome=item.status).inc()
            if item.playbook_id:
                metrics.INCIDENTS_OPENED.labels(playbook=item.playbook_id).inc()
        return results
    keys = sorted({dedup_key_for(alert) for alert in alerts})
    raise RuntimeError(f"could not store the alerts with dedup keys {keys!r} after 3 attempts")


def ingest(core: Core, alert: AlertIn) -> IntakeResult:
    """Commit the alert (and a new incident if needed) before returning."""
    return ingest_many(core, [alert])[0]
