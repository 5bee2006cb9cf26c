"""Incident lifecycle as pure domain logic over the database: open, change severity, close, look up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table
from sqlmodel import Session, col, select

from app.batching import insert_ids
from app.errors import UserError
from app.i18n import say
from app.incidents import timeline
from app.incidents.kinds import TimelineKind
from app.incidents.models import Incident, IncidentStatus, Phase, SetupStep, StepStatus
from app.severity import Severity
from app.tasks import service as tasks
from app.timeutil import parse_duration, utcnow

if TYPE_CHECKING:
    from app.playbooks.schema import Playbook

# Core statements (no ORM objects): built once, run with one row per incident.
_INCIDENTS = cast(Table, Incident.__table__)  # type: ignore[attr-defined]  # set by SQLModel, unknown to mypy
_INSERT_STEPS = cast(Table, SetupStep.__table__).insert()  # type: ignore[attr-defined]  # set by SQLModel

SETUP_STEPS = [
    "create_channel", "resolve_roles", "invite", "set_topic", "post_briefing", "pin_briefing", "bookmark", "announce",
]


class IncidentError(UserError):
    """An incident operation that is not allowed in the incident's current state."""


def as_timedelta(value: Any) -> timedelta:
    """Playbook durations may arrive parsed or as their YAML strings."""
    return value if isinstance(value, timedelta) else parse_duration(str(value))


@dataclass
class Opening:
    """One incident to open: its row (built by ``opening``) and its playbook; ``open_many`` sets ``id``."""

    playbook: Playbook
    row: dict[str, Any]
    id: int | None = None

    @property
    def severity(self) -> str:
        return str(self.row["severity"])


def opening(
    playbook: Playbook, *, title: str, kind: str, severity: Severity | str | None = None, source: str = "manual",
    description: str = "", url: str | None = None, dedup_key: str | None = None, declared_by: str | None = None,
    language: str = "en", now: datetime | None = None,
) -> Opening:
    """What opening an incident will store (nothing is written yet)."""
    now = now or utcnow()
    level = Severity.parse(severity) if severity else Severity.parse(playbook.default_severity)
    language = getattr(playbook, "language", None) or language
    return Opening(playbook, {
        "title": title.strip()[:500] or say(language, "incident.untitled"), "kind": kind,
        "description": description[:10000], "source": source, "url": url, "status": IncidentStatus.OPEN.value,
        "phase": Phase.SETUP.value, "severity": level.value, "playbook_id": playbook.id, "language": language,
        "confidential": playbook.confidential, "private": playbook.private or playbook.confidential,
        "dedup_key": dedup_key, "declared_by": declared_by, "alert_count": 0, "created_at": now,
        "next_update_at": now + as_timedelta(playbook.cadence_for(level)),
    })


def open_many(session: Session, openings: Sequence[Opening]) -> None:
    """Store the incidents, their pending set-up steps, first-hour tasks and "opened" timeline events in the
    caller's transaction: one statement per table for all of them (a storm's batch opens several at once)."""
    if not openings:
        return
    for item, incident_id in zip(openings, insert_ids(session, _INCIDENTS, [item.row for item in openings]),
                                 strict=True):
        item.id = incident_id
    session.execute(_INSERT_STEPS, [{"incident_id": item.id, "step": step, "position": position,
                                     "status": StepStatus.PENDING.value, "attempts": 0, "detail": {}}
                                    for item in openings for position, step in enumerate(SETUP_STEPS)])
    timeline.record_many(session, [{
        "incident_id": item.id, "kind": TimelineKind.OPENED, "text": item.row["title"],
        "actor": item.row["declared_by"] or item.row["source"], "at": item.row["created_at"],
        "data": {"playbook": item.playbook.id, "severity": item.row["severity"], "source": item.row["source"]},
    } for item in openings])
    tasks.add_for_incidents(session, [(item.id, [
        {"title": spec["title"], "role": spec["role"], "due_at": item.row["created_at"] + as_timedelta(spec["due"])}
        for spec in item.playbook.tasks_in(item.row["language"])]) for item in openings if item.id is not None])


def open_incident(
    session: Session, playbook: Playbook, *, title: str, kind: str, severity: Severity | str | None = None,
    source: str = "manual", description: str = "", url: str | None = None, dedup_key: str | None = None,
    declared_by: str | None = None, language: str = "en", now: datetime | None = None,
) -> Incident:
    """Create the incident, its first-hour tasks and its pending set-up steps in the caller's transaction."""
    item = opening(playbook, title=title, kind=kind, severity=severity, source=source, description=description,
                   url=url, dedup_key=dedup_key, declared_by=declared_by, language=language, now=now)
    open_many(session, [item])
    incident = session.get(Incident, item.id)
    assert incident is not None  # stored just above
    return incident


def get(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise IncidentError(key="incident.error.unknown", id=incident_id)
    return incident


def by_channel(session: Session, channel_id: str | None) -> Incident | None:
    if not channel_id:
        return None
    return session.exec(select(Incident).where(Incident.channel_id == channel_id)).first()


def pending_setups(session: Session) -> list[int]:
    query = select(col(Incident.id)).where(Incident.phase == Phase.SETUP, Incident.status == IncidentStatus.OPEN)
    return [incident_id for incident_id in session.exec(query.order_by(col(Incident.id))) if incident_id is not None]


def change_severity(session: Session, incident: Incident, level: str, *, by: str, playbook: Playbook) -> bool:
    assert incident.id is not None  # a stored incident
    new = Severity.parse(level)
    if incident.status != IncidentStatus.OPEN:
        raise IncidentError(key="incident.error.closed_severity")
    if new.value == incident.severity:
        return False
    old = incident.severity
    incident.severity = new.value
    incident.next_update_at = min(
        incident.next_update_at or utcnow(), utcnow() + as_timedelta(playbook.cadence_for(new))
    )
    session.add(incident)
    timeline.record(session, incident.id, TimelineKind.SEVERITY,
                    f"{old} -> {new.value}", actor=by, old=old, new=new.value)
    return True


def close(session: Session, incident: Incident, summary: str, *, by: str) -> Incident:
    assert incident.id is not None  # a stored incident
    if incident.status == IncidentStatus.CLOSED:
        raise IncidentError(key="incident.error.already_closed", id=incident.id)
    if not summary.strip():
        raise IncidentError(key="incident.error.summary")
    incident.status, incident.phase = IncidentStatus.CLOSED, Phase.CLOSED
    incident.closed_at, incident.closed_by, incident.summary = utcnow(), by, summary.strip()[:3000]
    session.add(incident)
    timeline.record(session, incident.id, TimelineKind.CLOSED, incident.summary, actor=by)
    return incident


def reopen(session: Session, incident: Incident, *, by: str, reason: str = "") -> Incident:
    """Open a closed incident again; refused while another open incident holds its dedup key."""
    assert incident.id is not None  # a stored incident
    if incident.status != IncidentStatus.CLOSED:
        raise IncidentError(key="incident.error.not_closed", id=incident.id)
    if incident.dedup_key and session.exec(select(Incident.id).where(
            Incident.dedup_key == incident.dedup_key, Incident.status == IncidentStatus.OPEN)).first() is not None:
        raise IncidentError(key="incident.error.reopen_taken", id=incident.id)
    incident.status, incident.phase = IncidentStatus.OPEN, Phase.ACTIVE
    incident.closed_at = incident.closed_by = None
    session.add(incident)
    timeline.record(session, incident.id, TimelineKind.REOPENED, reason.strip()[:3000], actor=by)
    return incident

