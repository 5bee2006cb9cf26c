"""An incident's own reminders: legal clocks, the status-update cadence, set-up retries and archiving.

Also the helpers the other domains' reminders use: the incident's job-id prefix and ``post_once``, which
posts a reminder into the room once (claimed in ``sent_reminders`` first) and records it on the timeline.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from app.db import transaction
from app.effects import service as effects
from app.effects.reminders import remind_once
from app.i18n import clock as clock_time
from app.i18n import duration, say
from app.incidents import service, timeline
from app.incidents.clock_flows import reminder_text
from app.incidents.clocks import clocks, get_clock, reminder_jobs
from app.incidents.kinds import TimelineKind
from app.incidents.models import Incident, IncidentStatus
from app.incidents.service import as_timedelta
from app.incidents.setup import run_setup
from app.roles import service as roles
from app.scheduling import store
from app.scheduling.kinds import JobKind
from app.slack.text import mention
from app.timeutil import as_utc, utcnow

if TYPE_CHECKING:
    from app.core import Core
    from app.scheduling.registry import Register
    from app.scheduling.scheduler import Scheduler

log = logging.getLogger(__name__)
OVERDUE_NUDGE = timedelta(minutes=5)
SETUP_RETRY = timedelta(seconds=30)
Planned = tuple[str, datetime, str, dict[str, Any]]  # job id, due time, kind, payload


# Job ids: every job of an incident starts with its prefix ------------------------------------------------
def job_prefix(incident_id: int) -> str:
    return f"inc{incident_id}:"


def status_job(incident_id: int) -> str:
    return f"{job_prefix(incident_id)}status"


def nudge_job(incident_id: int) -> str:
    return f"{job_prefix(incident_id)}status-nudge"


def setup_job(incident_id: int) -> str:
    return f"{job_prefix(incident_id)}setup"


def archive_job(incident_id: int) -> str:
    return f"{job_prefix(incident_id)}archive"


# Planning ------------------------------------------------------------------------------------------------
def planned(core: Core, session: Session, incident: Incident, now: datetime) -> list[Planned]:
    """The clocks' reminders still ahead, and the first status-update reminder."""
    assert incident.id is not None  # a stored incident
    playbook = core.playbooks.get(incident.playbook_id)
    jobs: list[Planned] = []
    for running in clocks(session, incident, playbook):
        jobs.extend(reminder_jobs(incident.id, running, now))
    if incident.next_update_at:
        jobs.append(_status(incident.id, incident.next_update_at))
    return jobs


def _status(incident_id: int, due: datetime) -> Planned:
    return (status_job(incident_id), due, JobKind.STATUS_DUE,
            {"incident_id": incident_id, "due": as_utc(due).isoformat()})


def schedule_status(scheduler: Scheduler, incident_id: int, due: datetime) -> None:
    """The status-update reminder follows the incident's next update time."""
    job_id, when, kind, payload = _status(incident_id, due)
    scheduler.at(job_id, when, kind, **payload)


def retry_setup(core: Core, incident_id: int, delay: timedelta = SETUP_RETRY) -> None:
    if core.scheduler is not None:
        core.scheduler.at(setup_job(incident_id), utcnow() + delay, JobKind.SETUP_RETRY, incident_id=incident_id)


def plan_status(session: Session, incident_id: int, due: datetime) -> None:
    """``schedule_status`` inside the caller's transaction: stored with the change that moved the update time."""
    job_id, when, kind, payload = _status(incident_id, due)
    store.schedule(session, job_id, when, kind, **payload)


def plan_archive(session: Session, incident_id: int, when: datetime) -> None:
    """``schedule_archive`` inside the caller's transaction (the close's): the incident's other jobs go."""
    store.delete_incident(session, incident_id)
    store.schedule(session, archive_job(incident_id), when, JobKind.ARCHIVE, incident_id=incident_id)


def cancel_archive(session: Session, incident_id: int) -> None:
    """The archiving planned at close goes, in the caller's transaction (the reopening's)."""
    store.delete_prefix(session, archive_job(incident_id))


def schedule_archive(core: Core, incident_id: int, when: datetime) -> None:
    if core.scheduler is not None:
        core.scheduler.at(archive_job(incident_id), when, JobKind.ARCHIVE, incident_id=incident_id)


def note_update(core: Core, session: Session, incident_id: int, *, by: str, what: str) -> datetime:
    """A status update was given: the next one is due one cadence from now. The new time, its timeline entry and
    its reminder are stored in the caller's transaction, with the change that gave the update (e.g. the final
    sign-off's)."""
    incident = service.get(session, incident_id)
    cadence = as_timedelta(core.playbooks.get(incident.playbook_id).cadence_for(incident.severity))
    incident.next_update_at = utcnow() + cadence
    session.add(incident)
    timeline.record(session, incident_id, TimelineKind.STATUS_UPDATE, what, actor=by,
                    next_update_at=incident.next_update_at.isoformat())
    due = incident.next_update_at
    plan_status(session, incident_id, due)
    return due


# Posting -------------------------------------------------------------------------------------------------
def post_once(core: Core, incident: Incident, sent_key: str, text: str, /, *, kind: str, **data: Any) -> bool:
    """Tell the room unless ``sent_key`` was told already: the claim, the timeline entry and the post (from the
    outbox, retried until Slack takes it) are written together. True when it is now on its way."""
    assert incident.id is not None  # a stored incident
    return remind_once(core, incident.id, incident.channel_id, sent_key, text, kind=kind, **data)


def open_incident(core: Core, incident_id: int) -> Incident | None:
    with Session(core.engine) as session:
        incident = session.get(Incident, incident_id)
    return incident if incident is not None and incident.status == IncidentStatus.OPEN else None


# Handlers ------------------------------------------------------------------------------------------------
def register_handlers(register: Register) -> None:
    register(JobKind.CLOCK, clock)
    register(JobKind.STATUS_DUE, status_due)
    register(JobKind.STATUS_OVERDUE, status_overdue)
    register(JobKind.SETUP_RETRY, setup_retry)
    register(JobKind.ARCHIVE, archive)


def clock(core: Core, incident_id: int, key: str, before: int, due: int | None = None) -> None:
    """A legal clock's reminder; a clock stopped or corrected since the job was planned is not reminded."""
    incident = open_incident(core, incident_id)
    if incident is None:
        return
    playbook = core.playbooks.get(incident.playbook_id)
    with Session(core.engine) as session:
        c = get_clock(session, incident, playbook, key)
        holders = roles.holders(session, incident_id)
    if c is None or not c.running or (due is not None and int(c.due_at.timestamp()) != due):
        return
    text = reminder_text(c, holders.get(c.role) if c.role else None, timedelta(seconds=before),
                         language=incident.language, tz=core.settings.warroom_timezone)
    post_once(core, incident, f"clock:{incident_id}:{key}:{int(c.due_at.timestamp())}:{before}", text, kind="clock",
              key=key, before=before)


def status_due(core: Core, incident_id: int, due: str) -> None:
    incident = open_incident(core, incident_id)
    if incident is None or incident.next_update_at is None:
        return
    if incident.next_update_at > utcnow():  # an update was given meanwhile: follow the new time
        if core.scheduler is not None:
            schedule_status(core.scheduler, incident_id, incident.next_update_at)
        return
    with Session(core.engine) as session:
        comms = roles.holder(session, incident_id, "comms")
    language = incident.language
    who = mention(comms) if comms else say(language, "status_due.nobody")
    when = clock_time(incident.next_update_at, core.settings.warroom_timezone, language)
    text = say(language, "status_due.text", who=who, at=when)
    nudge_at = max(utcnow(), incident.next_update_at) + OVERDUE_NUDGE

    def nudge(session: Session) -> None:  # planned with the reminder's claim: a crash between loses neither
        store.schedule(session, nudge_job(incident_id), nudge_at, JobKind.STATUS_OVERDUE, incident_id=incident_id,
                       due=due)

    post_once(core, incident, f"status:{incident_id}:{due}", text, kind="status_due", also=nudge)


def status_overdue(core: Core, incident_id: int, due: str) -> None:
    incident = open_incident(core, incident_id)
    if incident is None or incident.next_update_at is None or incident.next_update_at > utcnow():
        return
    with Session(core.engine) as session:
        holders = roles.holders(session, incident_id)
    people = " ".join(mention(holders[r]) for r in ("comms", "lead") if r in holders)
    overdue = duration(utcnow() - incident.next_update_at, incident.language)
    post_once(core, incident, f"status-overdue:{incident_id}:{due}",
              say(incident.language, "status_overdue.text", people=people, overdue=overdue), kind="status_overdue")


def setup_retry(core: Core, incident_id: int) -> None:
    run_setup(core, incident_id)


def archive(core: Core, incident_id: int) -> None:
    with Session(core.engine) as session:
        incident = service.get(session, incident_id)
    if incident.status != IncidentStatus.CLOSED or not incident.channel_id:
        return
    # Archived by the outbox, last: after the report's upload and whatever the close hooks tell the room.
    with transaction(core.engine) as session:
        effects.enqueue(session, "archive", f"archive:{incident_id}:{incident.channel_id}", incident_id=incident_id,
                        channel=incident.channel_id, last=True)
    core.deliver()
