"""Tasks: added and completed in the record together with what the room is told, which the outbox posts."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from app.core import Core
from app.db import transaction
from app.effects import service as effects
from app.i18n import clock, language_of, say
from app.incidents import briefing
from app.incidents.models import Incident
from app.slack.text import mention, said
from app.tasks import reminders, service
from app.tasks.models import Task


def add_task(core: Core, incident_id: int, title: str, *, owner: str, due_at: datetime | None, by: str,
             channel_id: str) -> Task:
    with transaction(core.engine) as session:
        lang = _language(session, incident_id)
        when = say(lang, "card.due", at=clock(due_at, core.settings.warroom_timezone, lang)) if due_at else ""
        task = service.add(session, incident_id, title, owner_id=owner, due_at=due_at, by=by)
        effects.post(session, f"task:{task.id}:added", incident_id=incident_id, channel=channel_id,
                     text=say(lang, "notice.task_added", who=mention(owner), title=said(task.title), when=when))
        briefing.enqueue_refresh(session, incident_id)
        assert task.id is not None  # flushed by service.add
        if due_at:  # stored with the task: a crash after the commit loses neither
            reminders.plan_due(session, incident_id, task.id, due_at)
    core.deliver()
    return task


def _language(session: Session, incident_id: int) -> str:
    incident = session.get(Incident, incident_id)
    return language_of(incident.language if incident is not None else None)


def owner_of(core: Core, task_id: int) -> str | None:
    with Session(core.engine) as session:
        task = session.get(Task, task_id)
        return task.owner_id if task is not None else None


def complete_task(core: Core, incident_id: int, task_id: int, *, by: str, channel_id: str) -> Task:
    with transaction(core.engine) as session:
        task = service.complete(session, task_id, by=by, incident_id=incident_id)
        effects.post(session, f"task:{task.id}:done", incident_id=incident_id, channel=channel_id,
                     text=say(_language(session, incident_id), "notice.task_done", who=mention(by),
                              title=said(task.title)))
        briefing.enqueue_refresh(session, incident_id)
    core.deliver()
    return task
