"""Task due reminders: when a task passes its due time while still open, its owner is reminded once."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from app.effects.reminders import remind_once
from app.i18n import clock, say
from app.incidents import briefing
from app.incidents.reminders import Planned, job_prefix, open_incident
from app.scheduling import store as jobs
from app.scheduling.kinds import JobKind
from app.slack.text import escape, mention
from app.tasks import service as tasks
from app.tasks.models import Task
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.core import Core
    from app.scheduling.registry import Register


def job_id(incident_id: int, task_id: int) -> str:
    return f"{job_prefix(incident_id)}task{task_id}"


def _due(incident_id: int, task_id: int, due_at: datetime) -> Planned:
    return job_id(incident_id, task_id), due_at, JobKind.TASK_DUE, {"incident_id": incident_id, "task_id": task_id}


def planned(session: Session, incident_id: int) -> list[Planned]:
    """A reminder for every open task of the incident that has a due time."""
    return [_due(incident_id, task.id, task.due_at) for task in tasks.for_incident(session, incident_id)
            if task.id is not None and task.due_at and task.done_at is None]


def plan_due(session: Session, incident_id: int, task_id: int, due_at: datetime) -> None:
    """``schedule_due`` inside the caller's transaction: the reminder is stored with the task it is for."""
    job, when, kind, payload = _due(incident_id, task_id, due_at)
    jobs.schedule(session, job, when, kind, **payload)


def schedule_due(core: Core, incident_id: int, task_id: int, due_at: datetime) -> None:
    """Remind the task's owner at ``due_at`` if the task is still open then."""
    if core.scheduler is not None:
        job, when, kind, payload = _due(incident_id, task_id, due_at)
        core.scheduler.at(job, when, kind, **payload)


def register_handlers(register: Register) -> None:
    register(JobKind.TASK_DUE, task_due)


def task_due(core: Core, incident_id: int, task_id: int) -> None:
    incident = open_incident(core, incident_id)
    with Session(core.engine) as session:
        task = session.get(Task, task_id)
    if incident is None or task is None or task.done_at is not None or task.due_at is None:
        return
    lang = incident.language
    who = mention(task.owner_id) if task.owner_id else say(lang, "notice.task_no_owner")
    text = say(lang, "notice.task_due", who=who, title=escape(task.title),
               at=clock(task.due_at, core.settings.warroom_timezone, lang))
    def reminded(session: Session) -> None:  # the task and the briefing show the reminder
        row = session.get(Task, task_id)
        if row is not None:  # deleted meanwhile: nothing to mark
            row.reminded_at = utcnow()
        briefing.enqueue_refresh(session, incident_id)

    remind_once(core, incident_id, incident.channel_id, f"task:{task_id}:due", text, kind="task_due",
                task_id=task_id, also=reminded)
