"""The reminders' wiring: the domains whose handlers run scheduled jobs, and what a new incident plans.

``register_all()`` is the one place where handlers are registered (each domain's ``register_handlers``
names its kinds); call it once at start, before the scheduler sweeps. ``schedule_incident`` collects every
domain's reminders for a new incident in one write.
"""

from __future__ import annotations

from sqlmodel import Session

from app.alerts import updates as alerts
from app.incidents import reminders as incidents
from app.incidents import service
from app.monitoring import jobs as monitoring
from app.scheduling import registry
from app.statements import reminders as statements
from app.status import digests
from app.tasks import reminders as tasks
from app.timeutil import utcnow

DOMAINS = (incidents, tasks, statements, digests, monitoring, alerts)


def register_all(register=registry.register) -> None:
    """Let every domain register the handlers of its kinds of jobs."""
    for domain in DOMAINS:
        domain.register_handlers(register)


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
