"""The reminders' wiring: which domain function runs each kind of scheduled job, and what a new incident plans.

``register_all()`` is the one place where handlers are registered; call it once at start, before the
scheduler sweeps. ``schedule_incident`` collects every domain's reminders for a new incident in one write.
"""

from __future__ import annotations

from sqlmodel import Session

from app.incidents import reminders as incidents
from app.incidents import service
from app.scheduling import registry
from app.statements import reminders as statements
from app.status import digests
from app.tasks import reminders as tasks
from app.timeutil import utcnow

HANDLERS = {
    "task_due": tasks.task_due,
    "clock": incidents.clock,
    "status_due": incidents.status_due,
    "status_overdue": incidents.status_overdue,
    "setup_retry": incidents.setup_retry,
    "archive": incidents.archive,
    "approval_due": statements.approval_due,
    "approval_backup": statements.approval_backup,
    "digest": digests.digest,
}


def register_all(register=registry.register) -> None:
    for kind, handler in HANDLERS.items():
        register(kind, handler)


def schedule_incident(core, incident_id: int) -> None:
    """Task due reminders, legal clocks, the first status-update reminder and the first digest (idempotent)."""
    if core.scheduler is None:
        return
    now = utcnow()
    with Session(core.engine) as session:
        incident = service.get(session, incident_id)
        jobs = [*tasks.planned(session, incident_id), *incidents.planned(core, session, incident, now),
                *digests.planned(core, incident, now)]
    core.scheduler.at_many(jobs)
