"""Scheduled executive digests: each open incident's status, at the playbook's cadence for its severity.

Jobs are rows like the other reminders (``inc{id}:digest:<epoch>``), sent once each (a claim in
``sent_reminders``, written with the digest's messages in the outbox), and stop when the incident closes
(its jobs are cancelled; the handler checks too). A severity change moves the next digest in its own
transaction (``follow_severity``).
An incident has one upcoming digest at a time, so digests missed while the bot was down are sent once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlmodel import Session

from app.access.guard import restricted
from app.db import transaction
from app.effects import service as effects
from app.effects.reminders import claim_once, claimed
from app.incidents import exclusions, timeline
from app.incidents import service as incidents
from app.incidents.kinds import TimelineKind
from app.incidents.models import Incident, IncidentStatus
from app.incidents.reminders import Planned
from app.incidents.reminders import job_prefix as incident_prefix
from app.monitoring.trend import with_trend
from app.scheduling import store
from app.scheduling.kinds import JobKind
from app.status.service import executives, gather
from app.status.views import digest_message
from app.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)


def job_prefix(incident_id: int) -> str:
    return f"{incident_prefix(incident_id)}digest:"


def job_id(incident_id: int, when: datetime) -> str:
    return f"{job_prefix(incident_id)}{int(as_utc(when).timestamp())}"


def interval(core, incident: Incident) -> timedelta | None:
    """The digest interval at the incident's severity (None: no digest at this severity)."""
    return core.playbooks.get(incident.playbook_id).digest_for(incident.severity)


def _job(incident_id: int, when: datetime) -> Planned:
    when = as_utc(when)
    return job_id(incident_id, when), when, JobKind.DIGEST, {"incident_id": incident_id, "due": when.isoformat()}


def _at(scheduler, incident_id: int, when: datetime) -> None:
    job, when, kind, payload = _job(incident_id, when)
    scheduler.at(job, when, kind, **payload)


def planned(core, incident: Incident, now: datetime) -> list[Planned]:
    """The executives' first digest, one interval after the incident opened (none at quiet severities)."""
    assert incident.id is not None  # a stored incident
    every = interval(core, incident)
    if every is None or incident.status != IncidentStatus.OPEN:
        return []
    return [_job(incident.id, max(incident.created_at + every, now))]


def schedule_digest(scheduler, incident: Incident, *, now: datetime | None = None) -> datetime | None:
    """(Re)plan the incident's next digest one interval from now; returns when, or None at no-digest severities."""
    assert incident.id is not None  # a stored incident
    scheduler.cancel(job_prefix(incident.id))
    if incident.status != IncidentStatus.OPEN:
        return None
    every = interval(scheduler.core, incident)
    if every is None:
        return None
    when = (now or utcnow()) + every
    _at(scheduler, incident.id, when)
    return when


def follow_severity(core, session: Session, incident: Incident) -> None:
    """In a severity change's transaction (app/incidents/flows.py ``SEVERITY_PLANS``): the next digest follows the
    new severity's interval, one interval from now (none at quiet severities); stored with the change, so a crash
    after its commit never keeps the old rhythm."""
    assert incident.id is not None  # a stored incident
    store.delete_prefix(session, job_prefix(incident.id))
    every = interval(core, incident)
    if every is None or incident.status != IncidentStatus.OPEN:
        return
    job, when, kind, payload = _job(incident.id, utcnow() + every)
    store.schedule(session, job, when, kind, **payload)


def reschedule_digest(scheduler, incident_id: int) -> datetime | None:
    """After a severity change: the next digest follows the new severity's interval."""
    with Session(scheduler.core.engine) as session:
        incident = incidents.get(session, incident_id)
    return schedule_digest(scheduler, incident)


def recipients(core, incident: Incident) -> list[str]:
    """Where the digest goes: the executive channel, or (private and confidential incidents, or no channel)
    each executive by direct message; never to a person the incident concerns."""
    assert incident.id is not None  # a stored incident
    channel = core.settings.warroom_exec_channel
    with Session(core.engine) as session:
        kept_out = exclusions.excluded(session, incident.id)
    if channel and not restricted(incident) and not kept_out:
        return [channel]
    return [user for user in executives(core) if user not in kept_out]


def send(core, incident_id: int, next_at: datetime | None = None, *, once: str | None = None) -> int:
    """Queue the digest for every recipient (delivered from the outbox); returns how many it goes to. With
    ``once`` (the scheduled digest's key) it is claimed in the same transaction: never sent twice."""
    with Session(core.engine) as session:
        incident = incidents.get(session, incident_id)
        status = gather(core, session, incident)
    message = with_trend(core, incident_id, digest_message(status, core.settings.warroom_timezone, next_at))
    targets = recipients(core, incident)
    stamp = once or uuid.uuid4().hex
    with transaction(core.engine) as session:
        if once is not None and not claim_once(session, once, incident_id):
            return 0
        for target in targets:  # a person's id posts into the app's direct messages with them
            effects.post(session, f"{stamp}:to:{target}", incident_id=incident_id, channel=target,
                         text=message["text"], blocks=message.get("blocks"))
        timeline.record(session, incident_id, TimelineKind.DIGEST, f"executive digest to {len(targets)} recipient(s)",
                        actor="warroom", recipients=targets)
    core.deliver()
    return len(targets)


def register_handlers(register) -> None:
    register(JobKind.DIGEST, digest)


def digest(core, incident_id: int, due: str) -> None:
    with Session(core.engine) as session:
        incident = session.get(Incident, incident_id)
    if incident is None or incident.status != IncidentStatus.OPEN:
        return
    key = f"digest:{incident_id}:{due}"
    if claimed(core, key):
        return
    every = interval(core, incident)
    next_at = None
    if every is not None:
        next_at = as_utc(datetime.fromisoformat(due)) + every
        now = utcnow()
        if next_at <= now:  # digests missed while the bot was down are sent once, not caught up
            next_at = now + every
        if core.scheduler is not None:  # one upcoming digest per incident, whichever job ran
            core.scheduler.cancel(job_prefix(incident_id))
            _at(core.scheduler, incident_id, next_at)
    send(core, incident_id, next_at, once=key)
