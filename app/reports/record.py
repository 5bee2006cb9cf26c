"""An incident's full record (alerts, roles, tasks, decisions, facts, timeline, statements with approvals)
as plain data, for ``warroom export`` and the post-incident report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.alerts.models import Alert
from app.decisions import service as decisions
from app.incidents import service, timeline
from app.roles.models import RoleAssignment
from app.statements.models import Approval, Statement, StatementVersion
from app.tasks import service as tasks


def _row(obj, *skip: str) -> dict[str, Any]:
    data = obj.model_dump()
    for key in skip:
        data.pop(key, None)
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items()}


def statements_of(session: Session, incident_id: int) -> list[dict[str, Any]]:
    result = []
    query = select(Statement).where(Statement.incident_id == incident_id).order_by(col(Statement.id))
    for statement in session.exec(query):
        versions = []
        vquery = select(StatementVersion).where(StatementVersion.statement_id == statement.id)
        for version in session.exec(vquery.order_by(col(StatementVersion.number))):
            approvals = session.exec(select(Approval).where(Approval.version_id == version.id)
                                     .order_by(col(Approval.id))).all()
            versions.append({**_row(version), "approvals": [_row(a) for a in approvals]})
        result.append({**_row(statement), "versions": versions})
    return result


def incident_record(session: Session, incident_id: int) -> dict[str, Any]:
    incident = service.get(session, incident_id)
    alerts = session.exec(select(Alert).where(Alert.incident_id == incident_id).order_by(col(Alert.id))).all()
    assignments = session.exec(select(RoleAssignment).where(RoleAssignment.incident_id == incident_id)
                               .order_by(col(RoleAssignment.id))).all()
    return {
        "incident": _row(incident),
        "alerts": [_row(a) for a in alerts],
        "roles": [_row(a) for a in assignments],
        "tasks": [_row(t) for t in tasks.for_incident(session, incident_id)],
        "decisions": [_row(d) for d in decisions.decisions(session, incident_id)],
        "facts": [_row(f) for f in decisions.facts(session, incident_id)],
        "statements": statements_of(session, incident_id),
        "timeline": [_row(e) for e in timeline.all_events(session, incident_id)],
    }
