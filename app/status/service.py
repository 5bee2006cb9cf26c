"""Gathers what `/warroom status` and the executive digests show, with bounded queries only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case
from sqlmodel import Session, col, func, select

from app.access.caller import executives  # noqa: F401  (re-exported for digests and briefs)
from app.alerts.models import Alert
from app.decisions import service as decisions
from app.decisions.models import Decision
from app.incidents import timeline
from app.incidents.clocks import Clock, clocks
from app.incidents.models import Incident
from app.roles import service as roles
from app.statements.chain import waiting as waiting_step
from app.statements.models import Approval, Statement, StatementKind, StatementVersion
from app.tasks.models import Task
from app.timeutil import utcnow

LATEST_DECISIONS = 3
OVERDUE_TITLES = 3


@dataclass
class StatementState:
    """Where the incident's newest holding statement stands."""

    status: str = "none"  # none | drafting | pending | changes_requested | approved
    version: int = 0
    waiting_role: str | None = None
    waiting_user: str | None = None
    # Every role the waiting step still needs (two or more while a group step signs in any order).
    waiting_roles: list[str] = field(default_factory=list)
    waiting_users: list[str | None] = field(default_factory=list)  # their holders, in the same order
    since: datetime | None = None
    approved_at: datetime | None = None


@dataclass
class TaskCounts:
    total: int = 0
    done: int = 0
    overdue: int = 0
    overdue_titles: list[str] = field(default_factory=list)

    @property
    def open(self) -> int:
        return self.total - self.done


@dataclass
class IncidentStatus:
    """Everything one incident's status shows, gathered at ``now``."""

    incident: Incident
    playbook_title: str
    holders: dict[str, str]
    latest_alert_at: datetime | None
    latest_metrics: dict[str, float]
    tasks: TaskCounts
    decisions: list[Decision]
    statement: StatementState
    clocks: list[Clock]
    events: int
    now: datetime

    @property
    def lead(self) -> str | None:
        return self.holders.get("lead")

    @property
    def comms(self) -> str | None:
        return self.holders.get("comms")


def statement_state(session: Session, incident_id: int, holders: dict[str, str]) -> StatementState:
    """The newest statement's state; for one awaiting approval, whose step it is and since when."""
    statement = session.exec(select(Statement).where(Statement.incident_id == incident_id,
                                                     Statement.kind == StatementKind.HOLDING)
                             .order_by(col(Statement.id).desc()).limit(1)).first()
    if statement is None:
        return StatementState()
    state = StatementState(status=statement.status, version=statement.current_version,
                           since=statement.step_started_at, approved_at=statement.approved_at)
    if statement.status != "pending":
        return state
    version = session.exec(select(StatementVersion).where(StatementVersion.statement_id == statement.id,
                                                          StatementVersion.number == statement.current_version)
                           ).first()
    if version is None or not version.approvers:
        return state
    signed = session.exec(select(Approval.step, Approval.role).where(Approval.version_id == version.id,
                                                                     Approval.decision == "approved")).all()
    waiting = waiting_step(version.approvers, [(step, role) for step, role in signed])
    if waiting is not None:
        state.waiting_roles = list(waiting.roles)
        state.waiting_role = waiting.roles[0]
        state.waiting_user = holders.get(state.waiting_role)
        state.waiting_users = [holders.get(role) for role in waiting.roles]
    return state


def task_counts(session: Session, incident_id: int, now: datetime) -> TaskCounts:
    done = case((col(Task.done_at).is_not(None), 1), else_=0)
    late = case((and_(col(Task.done_at).is_(None), col(Task.due_at).is_not(None), col(Task.due_at) < now), 1),
                else_=0)
    total, done_count, overdue = session.exec(
        select(func.count(), func.sum(done), func.sum(late)).where(Task.incident_id == incident_id)).one()
    titles: list[str] = []
    if overdue:
        titles = list(session.exec(select(Task.title).where(
            Task.incident_id == incident_id, col(Task.done_at).is_(None), col(Task.due_at).is_not(None),
            col(Task.due_at) < now).order_by(col(Task.due_at), col(Task.id)).limit(OVERDUE_TITLES)))
    return TaskCounts(total or 0, done_count or 0, overdue or 0, titles)


def latest_alert(session: Session, incident_id: int) -> tuple[datetime | None, dict[str, float]]:
    row = session.exec(select(Alert.received_at, Alert.metrics).where(Alert.incident_id == incident_id)
                       .order_by(col(Alert.received_at).desc(), col(Alert.id).desc()).limit(1)).first()
    return (row[0], dict(row[1] or {})) if row else (None, {})


def gather(core, session: Session, incident: Incident, now: datetime | None = None) -> IncidentStatus:
    """One incident's status: a fixed number of indexed, bounded queries whatever its size."""
    assert incident.id is not None  # a stored incident
    now = now or utcnow()
    playbook = core.playbooks.get(incident.playbook_id)
    holders = roles.holders(session, incident.id)
    alert_at, metrics = latest_alert(session, incident.id)
    return IncidentStatus(
        incident=incident,
        playbook_title=playbook.title,
        holders=holders,
        latest_alert_at=alert_at,
        latest_metrics=metrics,
        tasks=task_counts(session, incident.id, now),
        decisions=decisions.decisions(session, incident.id, limit=LATEST_DECISIONS),
        statement=statement_state(session, incident.id, holders),
        clocks=clocks(session, incident, playbook),
        events=timeline.count(session, incident.id),
        now=now,
    )
