"""Reminders of the war room: overdue tasks, legal clocks, the status-update cadence, set-up retries and
archiving closed rooms. Each fires once (see jobs.claim) and is written to the timeline."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from app.db import transaction
from app.incidents import briefing, service, timeline
from app.incidents.clocks import clocks_for, first_labels
from app.incidents.service import as_timedelta
from app.roles import service as roles
from app.scheduling.jobs import claim, handler
from app.slack.text import escape, mention
from app.tasks import service as tasks
from app.tasks.models import Task
from app.timeutil import as_utc, format_duration, local_clock, local_datetime, utcnow

log = logging.getLogger(__name__)
OVERDUE_NUDGE = timedelta(minutes=5)


def plan(core, session: Session, incident_id: int) -> list[tuple[str, datetime, str, dict]]:
    """The reminders of a new incident as (job id, when, kind, arguments), for Scheduler.schedule_incident."""
    incident = service.get(session, incident_id)
    playbook = core.playbooks.get(incident.playbook_id)
    now = utcnow()
    planned = []
    for task in tasks.for_incident(session, incident_id):
        if task.due_at and task.done_at is None:
            planned.append((f"inc{incident_id}:task{task.id}", task.due_at, "task_due",
                            {"incident_id": incident_id, "task_id": task.id}))
    for clock in clocks_for(incident, playbook, first_labels(session, incident_id)):
        for before in (*clock.remind_before, timedelta(0)):
            when = clock.due_at - before
            if when > now:
                planned.append((f"inc{incident_id}:clock:{clock.key}:{int(before.total_seconds())}", when, "clock",
                                {"incident_id": incident_id, "key": clock.key, "before": int(before.total_seconds())}))
    if incident.next_update_at:
        due = incident.next_update_at
        planned.append((f"inc{incident_id}:status", due, "status_due",
                        {"incident_id": incident_id, "due": as_utc(due).isoformat()}))
    planned.extend(_first_digest(core, incident, now))
    return planned


def _first_digest(core, incident, now: datetime) -> list[tuple[str, datetime, str, dict]]:
    """The executives' first digest, one interval after the incident opened (none at quiet severities)."""
    from app.status import digests

    every = digests.interval(core, incident)
    if every is None or incident.status != "open":
        return []
    when = max(as_utc(incident.created_at) + every, now)
    return [(f"{digests.job_prefix(incident.id)}:{int(when.timestamp())}", when, "digest",
             {"incident_id": incident.id, "due": when.isoformat()})]


def schedule_status(scheduler, incident_id: int, due: datetime) -> None:
    scheduler.at(f"inc{incident_id}:status", due, "status_due", incident_id=incident_id, due=as_utc(due).isoformat())


def post(core, incident, text: str, *, kind: str, **data) -> bool:
    """Post a reminder into the room and record it on the timeline."""
    if not incident.channel_id:
        return False
    try:
        core.slack.chat_postMessage(channel=incident.channel_id, text=text)
    except SlackApiError as exc:
        log.warning("reminder for incident %s failed: %s", incident.id, exc.response.get("error"))
        return False
    with transaction(core.engine) as session:
        timeline.record(session, incident.id, "reminder", text, actor="warroom", reminder=kind, **data)
    return True


def _open_incident(core, incident_id: int):
    with Session(core.engine) as session:
        incident = service.get(session, incident_id)
    return incident if incident.status == "open" else None


@handler("task_due")
def task_due(core, incident_id: int, task_id: int) -> None:
    incident = _open_incident(core, incident_id)
    with Session(core.engine) as session:
        task = session.get(Task, task_id)
    if incident is None or task is None or task.done_at is not None:
        return
    if not claim(core, f"task:{task_id}:due", incident_id):
        return
    tz = core.settings.warroom_timezone
    who = mention(task.owner_id) if task.owner_id else "Nobody owns this task yet:"
    post(core, incident, f":hourglass: {who} the task “{escape(task.title)}” was due at "
         f"{local_clock(task.due_at, tz)} and is still open.", kind="task_due", task_id=task_id)
    with transaction(core.engine) as session:
        row = session.get(Task, task_id)
        row.reminded_at = utcnow()
    briefing.refresh(core, incident_id)


@handler("clock")
def clock(core, incident_id: int, key: str, before: int) -> None:
    incident = _open_incident(core, incident_id)
    if incident is None or not claim(core, f"clock:{incident_id}:{key}:{before}", incident_id):
        return
    playbook = core.playbooks.get(incident.playbook_id)
    with Session(core.engine) as session:
        match = [c for c in clocks_for(incident, playbook, first_labels(session, incident_id)) if c.key == key]
        holders = roles.holders(session, incident_id)
    if not match:
        return
    c = match[0]
    who = mention(holders[c.role]) + " " if c.role in holders else ""
    due = local_datetime(c.due_at, core.settings.warroom_timezone)
    if before:
        left = format_duration(timedelta(seconds=before))
        text = f":alarm_clock: {who}*{escape(c.title)}* is due at {due}: {left} left."
    else:
        text = f":rotating_light: {who}*{escape(c.title)}* is due *now* ({due})."
    post(core, incident, text, kind="clock", key=key, before=before)


@handler("status_due")
def status_due(core, incident_id: int, due: str) -> None:
    incident = _open_incident(core, incident_id)
    if incident is None:
        return
    if as_utc(incident.next_update_at) > utcnow():  # an update was given meanwhile: follow the new time
        schedule_status(core.scheduler, incident_id, incident.next_update_at)
        return
    if not claim(core, f"status:{incident_id}:{due}", incident_id):
        return
    with Session(core.engine) as session:
        comms = roles.holder(session, incident_id, "comms")
    tz = core.settings.warroom_timezone
    who = mention(comms) if comms else "Communications lead (unassigned):"
    when = local_clock(incident.next_update_at, tz)
    post(core, incident, f":mega: {who} the next status update is due now ({when}). "
         "Share one with `/warroom status share` or get a statement approved.", kind="status_due")
    nudge_at = max(utcnow(), as_utc(incident.next_update_at)) + OVERDUE_NUDGE
    core.scheduler.at(f"inc{incident_id}:status-nudge", nudge_at, "status_overdue",
                      incident_id=incident_id, due=due)


@handler("status_overdue")
def status_overdue(core, incident_id: int, due: str) -> None:
    incident = _open_incident(core, incident_id)
    if incident is None or as_utc(incident.next_update_at) > utcnow():
        return
    if not claim(core, f"status-overdue:{incident_id}:{due}", incident_id):
        return
    with Session(core.engine) as session:
        holders = roles.holders(session, incident_id)
    people = " ".join(mention(holders[r]) for r in ("comms", "lead") if r in holders)
    overdue = format_duration(utcnow() - as_utc(incident.next_update_at))
    post(core, incident, f":warning: {people} the status update is {overdue} overdue.", kind="status_overdue")


def mark_update(core, incident_id: int, *, by: str, what: str) -> datetime:
    """A status update was given: the next one is due one cadence from now."""
    with transaction(core.engine) as session:
        incident = service.get(session, incident_id)
        cadence = as_timedelta(core.playbooks.get(incident.playbook_id).cadence_for(incident.severity))
        incident.next_update_at = utcnow() + cadence
        session.add(incident)
        timeline.record(session, incident_id, "status_update", what, actor=by,
                        next_update_at=incident.next_update_at.isoformat())
        due = incident.next_update_at
    if core.scheduler is not None:
        schedule_status(core.scheduler, incident_id, due)
    return due


@handler("setup_retry")
def setup_retry(core, incident_id: int) -> None:
    from app.incidents.setup import run_setup

    run_setup(core, incident_id)


@handler("archive")
def archive(core, incident_id: int) -> None:
    with Session(core.engine) as session:
        incident = service.get(session, incident_id)
    if incident.status != "closed" or not incident.channel_id:
        return
    try:
        core.slack.conversations_archive(channel=incident.channel_id)
    except SlackApiError as exc:
        if exc.response.get("error") != "already_archived":
            raise
    with transaction(core.engine) as session:
        timeline.record(session, incident_id, "archived", f"#{incident.channel_name}", actor="warroom")
