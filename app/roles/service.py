"""Who holds which role in an incident; assignments are kept as history."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.incidents import timeline
from app.incidents.kinds import TimelineKind
from app.roles.models import RoleAssignment
from app.tasks.models import Task


def holders(session: Session, incident_id: int) -> dict[str, str]:
    """role -> user id of the current holder."""
    query = select(RoleAssignment).where(RoleAssignment.incident_id == incident_id, RoleAssignment.active)
    return {a.role: a.user_id for a in session.exec(query.order_by(col(RoleAssignment.id)))}


def holder(session: Session, incident_id: int, role: str) -> str | None:
    return holders(session, incident_id).get(role)


def assign(session: Session, incident_id: int, role: str, user_id: str, *, by: str | None = None) -> bool:
    """Make ``user_id`` the holder of ``role``; returns False when they already hold it."""
    current = session.exec(
        select(RoleAssignment).where(
            RoleAssignment.incident_id == incident_id, RoleAssignment.role == role, RoleAssignment.active
        )
    ).all()
    if any(a.user_id == user_id for a in current):
        return False
    for previous in current:
        previous.active = False
        session.add(previous)
    session.add(RoleAssignment(incident_id=incident_id, role=role, user_id=user_id, assigned_by=by))
    # Open tasks of the role follow the new holder.
    tasks = session.exec(
        select(Task).where(Task.incident_id == incident_id, Task.role == role, col(Task.done_at).is_(None))
    ).all()
    for task in tasks:
        task.owner_id = user_id
        session.add(task)
    timeline.record(session, incident_id, TimelineKind.ROLE_ASSIGNED,
                    f"{role} -> {user_id}", actor=by, role=role, user=user_id)
    return True


def assign_many(session: Session, incident_id: int, assignments: dict[str, str], *, by: str | None = None) -> None:
    """``assign`` for several roles at once (a room's first staffing), with one query per table."""
    if not assignments:
        return
    current: dict[str, list[RoleAssignment]] = {}
    for held in session.exec(select(RoleAssignment).where(
            RoleAssignment.incident_id == incident_id, col(RoleAssignment.role).in_(assignments),
            RoleAssignment.active)):
        current.setdefault(held.role, []).append(held)
    tasks = session.exec(select(Task).where(Task.incident_id == incident_id, col(Task.role).in_(assignments),
                                            col(Task.done_at).is_(None))).all()
    for role, user_id in assignments.items():
        if any(a.user_id == user_id for a in current.get(role, [])):
            continue
        for previous in current.get(role, []):
            previous.active = False
            session.add(previous)
        session.add(RoleAssignment(incident_id=incident_id, role=role, user_id=user_id, assigned_by=by))
        for task in tasks:
            if task.role == role:
                task.owner_id = user_id
                session.add(task)
        timeline.record(session, incident_id, TimelineKind.ROLE_ASSIGNED, f"{role} -> {user_id}", actor=by, role=role,
                        user=user_id)
