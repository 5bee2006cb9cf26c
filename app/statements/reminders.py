"""Approval deadlines of holding statements: remind the step's approver, then the role's backups.

Jobs ``inc{incident}:stmt{statement}:v{version}:s{step}`` (and ``...:backup``); a new version or a sign-off
cancels the statement's jobs by their prefix.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session

from app.effects.reminders import remind_once
from app.i18n import clock, say
from app.incidents import service as incidents
from app.incidents.models import Incident
from app.incidents.reminders import job_prefix as incident_prefix
from app.roles import service as roles
from app.roles.keys import role_title
from app.scheduling import store as jobs
from app.scheduling.kinds import JobKind
from app.scheduling.registry import Register
from app.slack.client import permalink
from app.slack.text import link, mentions
from app.statements import kinds, service
from app.statements.models import Statement, StatementVersion
from app.statements.people import chain_people
from app.timeutil import as_utc, utcnow

if TYPE_CHECKING:
    from app.core import Core

log = logging.getLogger(__name__)


def job_prefix(incident_id: int, statement_id: int) -> str:
    return f"{incident_prefix(incident_id)}stmt{statement_id}:"


def job_id(incident_id: int, statement_id: int, number: int, step: int) -> str:
    return f"{job_prefix(incident_id, statement_id)}v{number}:s{step}"


def backup_job_id(incident_id: int, statement_id: int, number: int, step: int) -> str:
    return f"{job_id(incident_id, statement_id, number, step)}:backup"


def deadline_for(core: Core, incident_id: int) -> timedelta:
    """The playbook's approval deadline per step (15 minutes unless the playbook says otherwise)."""
    with Session(core.engine) as session:
        incident = incidents.get(session, incident_id)
    deadline: timedelta = core.playbooks.get(incident.playbook_id).statement.approval_deadline_delta
    return deadline


def plan_step(core: Core, session: Session, incident_id: int, statement_id: int, number: int, step: int,
              started: datetime) -> None:
    """Remind the approver of ``step`` when its deadline passes (the backups follow one deadline later), in the
    caller's transaction: stored with the change that starts the step; the statement's earlier reminders go."""
    jobs.delete_prefix(session, job_prefix(incident_id, statement_id))
    jobs.schedule(session, job_id(incident_id, statement_id, number, step), as_utc(started) + deadline_for(
        core, incident_id), JobKind.APPROVAL_DUE, incident_id=incident_id, statement_id=statement_id, version=number,
        step=step)


def cancel(session: Session, incident_id: int, statement_id: int) -> None:
    """The statement's reminders go, in the caller's transaction (the sign-off's or change request's)."""
    jobs.delete_prefix(session, job_prefix(incident_id, statement_id))


def _waiting_people(core: Core, incident_id: int, statement_id: int,
                    language: str = "en") -> tuple[str, str | None, list[str], list[str]]:
    """The roles the waiting step still needs (both of a group step), as one "role + role" title, and who holds
    them: (title, the first approver, every approver, every backup)."""
    with Session(core.engine) as session:
        _, ver = service.current(session, statement_id)
        assert ver.id is not None  # a stored version
        roles_now = service.waiting_roles(ver, service.approvals(session, ver.id))
    people = chain_people(core, incident_id, roles_now)
    approvers = [p.approver for p in people.values() if p.approver]
    backups = list(dict.fromkeys(user for p in people.values() for user in p.backups if user not in approvers))
    title = " + ".join(role_title(role, language) for role in roles_now)
    return title, next(iter(approvers), None), approvers, backups


def _waiting(core: Core, incident_id: int, statement_id: int, number: int,
             step: int) -> tuple[Incident, Statement, StatementVersion] | None:
    """(incident, statement, version) when ``step`` of version ``number`` still waits for a sign-off, else None."""
    with Session(core.engine) as session:
        incident = incidents.get(session, incident_id)
        if incident.status != "open":
            return None
        try:
            statement, ver = service.current(session, statement_id)
        except service.StatementError:
            return None
        assert ver.id is not None  # a stored version
        rows = service.approvals(session, ver.id)
    if statement.status != "pending" or ver.number != number or service.next_step(ver, rows) != step:
        return None
    return incident, statement, ver


def _names(kind: str | None, language: str) -> dict[str, str]:
    """The statement's kind as the reminder names it: the holding statement, or the pack's own name."""
    return {"name": kinds.name(kind or "holding", language)}


def _where(core: Core, incident: Incident, statement: Statement) -> str:
    url = permalink(core.slack, incident.channel_id, statement.message_ts)
    words = say(statement.language, "remind.the_statement")
    return link(url, words) if url else words


def register_handlers(register: Register) -> None:
    register(JobKind.APPROVAL_DUE, approval_due)
    register(JobKind.APPROVAL_BACKUP, approval_backup)


def approval_due(core: Core, incident_id: int, statement_id: int, version: int, step: int) -> None:
    state = _waiting(core, incident_id, statement_id, version, step)
    if state is None:
        return
    incident, statement, ver = state
    lang = statement.language
    title, approver, approvers, _ = _waiting_people(core, incident_id, statement_id, lang)
    tz = core.settings.warroom_timezone
    who = mentions(approvers) if approvers else say(lang, "thread.nobody_holds")
    since = clock(statement.step_started_at or utcnow(), tz, lang)
    text = say(lang, "remind.due", who=who, **_names(statement.kind, lang), version=version, since=since,
               step=step + 1, total=len(ver.approvers), title=title, where=_where(core, incident, statement))
    deadline = deadline_for(core, incident_id)
    started = as_utc(statement.step_started_at) if statement.step_started_at else utcnow() - deadline

    def backups_next(session: Session) -> None:  # one more deadline, then the backups: planned with the claim
        jobs.schedule(session, backup_job_id(incident_id, statement_id, version, step), started + 2 * deadline,
                      JobKind.APPROVAL_BACKUP, incident_id=incident_id, statement_id=statement_id, version=version,
                      step=step)

    remind_once(core, incident_id, incident.channel_id, f"stmt:{statement_id}:v{version}:s{step}:due", text,
                kind="approval_due", statement_id=statement_id, version=version, step=step, user=approver,
                also=backups_next)


def approval_backup(core: Core, incident_id: int, statement_id: int, version: int, step: int) -> None:
    state = _waiting(core, incident_id, statement_id, version, step)
    if state is None:
        return
    incident, statement, ver = state  # claimed before the DMs go out: a retry never DMs the backups twice
    lang = statement.language
    title, approver, approvers, backups = _waiting_people(core, incident_id, statement_id, lang)
    if not backups:
        with Session(core.engine) as session:
            lead = roles.holder(session, incident_id, "lead")
        backups = [lead] if lead and lead not in approvers else []
    where = _where(core, incident, statement)
    waiting = say(lang, "remind.waiting", **_names(statement.kind, lang), version=version, step=step + 1,
                  total=len(ver.approvers), title=title)
    owner = mentions(approvers) if approvers else say(lang, "thread.nobody")
    dm_text = say(lang, "remind.backup_dm", waiting=waiting, owner=owner, where=where)
    who = mentions(backups) if backups else say(lang, "remind.no_backup")
    # The room's notice and each backup's direct message are claimed and queued together: told once each.
    remind_once(core, incident_id, incident.channel_id, f"stmt:{statement_id}:v{version}:s{step}:backup",
                say(lang, "remind.backup", who=who, waiting=waiting, owner=owner, where=where),
                kind="approval_backup", dms=backups, dm_text=dm_text, statement_id=statement_id, version=version,
                step=step, backups=backups, dms_to=backups)
