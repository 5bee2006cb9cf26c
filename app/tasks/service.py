"""Tasks of an incident: created from the playbook or in the room, completed with a button."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlmodel import Session, col, select

from app.batching import insert_ids
from app.errors import UserError
from app.incidents import timeline
from app.incidents.kinds import TimelineKind
from app.tasks.models import Task
from app.timeutil import utcnow

# A Core statement (no ORM objects), built once: a storm's openings add dozens of tasks per batch.
_TASKS = cast(Table, Task.__table__)  # type: ignore[attr-defined]  # set by SQLModel, unknown to mypy


class TaskError(UserError):
    """A task that does not exist or cannot change as asked."""


def add(
    session: Session, incident_id: int, title: str, *, owner_id: str | None = None, role: str | None = None,
    due_at: datetime | None = None, by: str | None = None, source: str = "manual",
) -> Task:
    title = title.strip()
    if not title:
        raise TaskError(key="task.error.title")
    task = Task(incident_id=incident_id, title=title[:500], owner_id=owner_id, role=role, due_at=due_at,
                created_by=by, source=source)
    session.add(task)
    session.flush()
    timeline.record(session, incident_id, TimelineKind.TASK_ADDED, title, actor=by, task_id=task.id, owner=owner_id,
                    due_at=due_at.isoformat() if due_at else None)
    return task


def add_many(session: Session, incident_id: int, specs: list[dict[str, Any]], *, source: str = "playbook") -> list[int]:
    """Add several tasks as ``add`` does each (keys title, role, due_at), in two bulk inserts; their ids."""
    return add_for_incidents(session, [(incident_id, specs)], source=source)[0]


def add_for_incidents(session: Session, specs: list[tuple[int, list[dict[str, Any]]]], *,
                      source: str = "playbook") -> list[list[int]]:
    """``add_many`` for several incidents (each with its specs), in two statements for all; each one's ids."""
    now = utcnow()
    rows = [{"incident_id": incident_id, "title": spec["title"].strip()[:500], "role": spec.get("role"),
             "due_at": spec.get("due_at"), "source": source, "owner_id": None, "created_by": None, "created_at": now}
            for incident_id, items in specs for spec in items if spec["title"].strip()]
    ids = insert_ids(session, _TASKS, rows)
    timeline.record_many(session, [
        {"incident_id": row["incident_id"], "kind": TimelineKind.TASK_ADDED, "text": row["title"], "actor": None,
         "at": row["created_at"], "data": {"task_id": task_id, "owner": None,
                                            "due_at": row["due_at"].isoformat() if row["due_at"] else None}}
        for task_id, row in zip(ids, rows, strict=True)])
    by_incident: dict[int, list[int]] = {incident_id: [] for incident_id, _ in specs}
    for task_id, row in zip(ids, rows, strict=True):
        by_incident[row["incident_id"]].append(task_id)
    return [by_incident[incident_id] for incident_id, _ in specs]


def complete(session: Session, task_id: int, *, by: str, incident_id: int | None = None) -> Task:
    task = session.get(Task, task_id)
    if task is None or (incident_id is not None and task.incident_id != incident_id):
        raise TaskError(key="task.error.unknown", id=task_id)
    if task.done_at is not None:
        raise TaskError(key="task.error.done", title=task.title, who=f"<@{task.done_by}>")
    task.done_by, task.done_at = by, utcnow()
    session.add(task)
    timeline.record(session, task.incident_id, TimelineKind.TASK_DONE, task.title, actor=by, task_id=task.id)
    return task


def for_incident(session: Session, incident_id: int) -> list[Task]:
    query = select(Task).where(Task.incident_id == incident_id).order_by(col(Task.id))
    return list(session.exec(query))


def is_overdue(task: Task, now: datetime | None = None) -> bool:
    return task.done_at is None and task.due_at is not None and task.due_at < (now or utcnow())


