"""Tasks: added and completed in the record together with what the room is told, which the outbox posts."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from app.core import Core
from app.db import transaction
from app.effects import service as effects
from app.incidents import briefing
from app.slack.text import mention, said
from app.tasks import reminders, service
from app.tasks.models import Task
from app.timeutil import local_clock


def add_task(core: Core, incident_id: int, title: str, *, owner: str, due_at: datetime | None, by: str,
             channel_id: str) -> Task:
    when = f", due {local_clock(due_at, core.settings.warroom_timezone)}" if due_at else ""
    with transaction(core.engine) as session:
        task = service.add(session, incident_id, title, owner_id=owner, due_at=due_at, by=by)
        effects.post(session, f"task:{task.id}:added", incident_id=incident_id, channel=channel_id,
                     text=f":white_large_square: New task for {mention(owner)}: {said(task.title)}{when}")
        briefing.enqueue_refresh(session, incident_id)
    assert task.id is not None  # flushed by service.add
    if due_at:
        reminders.schedule_due(core, incident_id, task.id, due_at)
    core.deliver()
    return task


def owner_of(core: Core, task_id: int) -> str | None:
    with Session(core.engine) as session:
        task = session.get(Task, task_id)
        return task.owner_id if task is not None else None


def complete_task(core: Core, incident_id: int, task_id: int, *, by: str, channel_id: str) -> Task:
    with transaction(core.engine) as session:
        task = service.complete(session, task_id, by=by, incident_id=incident_id)
        effects.post(session, f"task:{task.id}:done", incident_id=incident_id, channel=channel_id,
                     text=f":white_check_mark: {mention(by)} completed “{said(task.title)}”.")
        briefing.enqueue_refresh(session, incident_id)
    core.deliver()
    return task
