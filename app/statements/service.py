"""Statements as pure domain logic over the database: versions, approval chains and sign-offs.

Nothing here relies on a lock held by this process: one open statement per incident and kind is a partial
unique index, and every change of a statement's state is a conditional UPDATE on its row (its status and
current version as read), so two processes taking clicks at once cannot both win; the loser gets a
:class:`StatementConflict` naming what happened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.db import affected
from app.errors import UserError
from app.incidents import timeline
from app.incidents.models import Incident
from app.statements import chain as chains
from app.statements.lint import Finding, blocking, override
from app.statements.models import (
    OPEN_STATUSES,
    Approval,
    Decision,
    Statement,
    StatementKind,
    StatementStatus,
    StatementVersion,
)
from app.timeutil import as_utc, utcnow

Status = StatementStatus
# A statement stuck in "drafting" this long (e.g. the process stopped mid-draft) no longer blocks a new one.
STALE_DRAFTING = timedelta(minutes=5)
LEGAL = "legal"


class StatementError(UserError):
    """A statement operation that is not allowed; the message is meant for the user."""


class StatementConflict(StatementError):
    """Another click or process changed the statement first; the message says what to do now."""


@dataclass(frozen=True)
class StepPeople:
    """Who may sign off one approval step: its approver, then the role's backups."""

    approver: str | None
    backups: tuple[str, ...] = ()

    @property
    def allowed(self) -> list[str]:
        people = [self.approver] if self.approver else []
        return people + [user for user in self.backups if user not in people]


@dataclass
class Outcome:
    """What a click on Approve or a change request did."""

    status: str  # approved | final | refused | outdated | closed | blocked | changes_requested | needs_override
    statement: Statement
    version: StatementVersion
    step: int | None = None
    role: str | None = None
    allowed: list[str] = field(default_factory=list)
    message: str = ""  # the checks' errors a final sign-off would override (their own words)
    key: str = ""  # else what the person is told, as a phrase (app/i18n.py) and its values
    values: dict[str, Any] = field(default_factory=dict)
    roles: list[str] = field(default_factory=list)  # the roles of the waiting step not signed yet
    waiting: chains.Waiting | None = None  # after a sign-off: the step that waits now


def approval_chain(base: Sequence[Any], findings: Sequence[Finding | Mapping[str, Any]]) -> tuple[list[Any], bool]:
    """The steps that sign off, in order (a step is a role or a group of roles), and whether legal was added
    for a finding that needs it.

    Legal joins right after the step with comms when comms is in the chain (comms owns the wording, legal
    checks it before anyone more senior sees it), else at the front.
    """
    chain = chains.join(base)
    needs_legal = any(_requires_legal(item) for item in findings)
    if not needs_legal or LEGAL in chains.roles(chain):
        return chain, False
    return chains.insert_after(chain, LEGAL, "comms"), True


def _requires_legal(item: Finding | Mapping[str, Any]) -> bool:
    return bool(item.get("requires_legal") if isinstance(item, Mapping) else item.requires_legal)


def findings_as_dicts(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [asdict(item) for item in findings]


def get(session: Session, statement_id: int) -> Statement:
    statement = session.get(Statement, statement_id)
    if statement is None:
        raise StatementError(key="statement.error.unknown", id=statement_id)
    return statement


def find(session: Session, statement_id: int) -> Statement | None:
    return session.get(Statement, statement_id) if statement_id else None


def latest(session: Session, incident_id: int, kind: str = StatementKind.HOLDING) -> Statement | None:
    """The incident's newest statement of ``kind``, whatever its state."""
    query = (select(Statement).where(Statement.incident_id == incident_id, Statement.kind == kind)
             .order_by(col(Statement.id).desc()))
    return session.exec(query).first()


def _stale(statement: Statement, now: datetime) -> bool:
    return (statement.status == Status.DRAFTING and not statement.current_version
            and now - as_utc(statement.created_at) > STALE_DRAFTING)


def open_statement(session: Session, incident_id: int, kind: str = StatementKind.HOLDING, *,
                   now: datetime | None = None) -> Statement | None:
    """The statement of ``kind`` still being drafted or approved, if any (one per incident and kind)."""
    now = now or utcnow()
    query = select(Statement).where(Statement.incident_id == incident_id, Statement.kind == kind,
                                    col(Statement.status).in_(OPEN_STATUSES))
    for statement in session.exec(query.order_by(col(Statement.id).desc())):
        if _stale(statement, now):
            continue
        return statement
    return None


def drop_stale(session: Session, incident_id: int, kind: str, *, now: datetime | None = None) -> list[int]:
    """Drop drafts of ``kind`` stuck in "drafting" without a version (a process stopped mid-draft), so they no
    longer hold the incident's one open place; each drop is on the timeline. Safe when two processes try."""
    now = now or utcnow()
    query = select(Statement).where(Statement.incident_id == incident_id, Statement.kind == kind,
                                    Statement.status == Status.DRAFTING, Statement.current_version == 0)
    dropped = []
    for statement in list(session.exec(query)):
        if not _stale(statement, now):
            continue
        # Conditional on the row still being that stale draft: SQLite may have given its id to a fresh draft
        # that another process created meanwhile, and that one must stay.
        hit = session.execute(delete(Statement).where(col(Statement.id) == statement.id,
                                                      col(Statement.status) == Status.DRAFTING,
                                                      col(Statement.current_version) == 0,
                                                      col(Statement.created_at) < now - STALE_DRAFTING))
        session.expunge(statement)
        if affected(hit):
            assert statement.id is not None  # a stored statement
            timeline.record(session, incident_id, "statement_draft_failed", "the draft never finished (stale)",
                            actor="warroom", statement_id=statement.id)
            dropped.append(statement.id)
    return dropped


def unfinished_drafts(session: Session) -> list[Statement]:
    """Statements a stopped process was still drafting (no version saved yet), in open incidents."""
    query = (select(Statement).join(Incident, col(Incident.id) == Statement.incident_id)
             .where(Statement.status == Status.DRAFTING, Statement.current_version == 0, Incident.status == "open"))
    return list(session.exec(query.order_by(col(Statement.id))))


def create(session: Session, incident_id: int, *, language: str, channels: list[str], requested_by: str,
           message_ts: str | None = None, kind: str = StatementKind.HOLDING) -> Statement:
    """A new statement in state "drafting"; its first version is added once the draft is ready.

    A second open statement of the same kind fails on the database's unique index (IntegrityError) when the
    session flushes, whichever process created the first.
    """
    kind = StatementKind(kind)
    statement = Statement(incident_id=incident_id, kind=kind, status=Status.DRAFTING, language=language,
                          channels=list(channels), message_ts=message_ts, requested_by=requested_by)
    session.add(statement)
    session.flush()
    what = "holding statement" if kind == StatementKind.HOLDING else f"{kind} pack"
    timeline.record(session, incident_id, "statement_requested", f"{what} for {', '.join(channels)}",
                    actor=requested_by, statement_id=statement.id, channels=list(channels), language=language,
                    statement_kind=str(kind))
    return statement


def discard(session: Session, statement_id: int, reason: str) -> None:
    """Drop a statement whose draft failed before any version was saved."""
    statement = get(session, statement_id)
    if statement.current_version:
        raise StatementError(key="statement.error.kept")
    timeline.record(session, statement.incident_id, "statement_draft_failed", reason, actor="warroom",
                    statement_id=statement_id)
    session.delete(statement)


def version(session: Session, statement_id: int, number: int) -> StatementVersion:
    query = select(StatementVersion).where(StatementVersion.statement_id == statement_id,
                                           StatementVersion.number == number)
    found = session.exec(query).first()
    if found is None:
        raise StatementError(key="statement.error.no_version", number=number, id=statement_id)
    return found


def versions(session: Session, statement_id: int) -> list[StatementVersion]:
    query = select(StatementVersion).where(StatementVersion.statement_id == statement_id)
    return list(session.exec(query.order_by(col(StatementVersion.number))))


def current(session: Session, statement_id: int) -> tuple[Statement, StatementVersion]:
    statement = get(session, statement_id)
    if not statement.current_version:
        raise StatementError(key="statement.error.drafting")
    return statement, version(session, statement_id, statement.current_version)


def approvals(session: Session, version_id: int) -> list[Approval]:
    query = select(Approval).where(Approval.version_id == version_id)
    return list(session.exec(query.order_by(col(Approval.id))))


def approved(rows: Sequence[Approval]) -> list[Approval]:
    """The sign-offs of a version, one per role of each step (the first given), in step order."""
    first: dict[tuple[int, str], Approval] = {}
    for row in rows:
        if row.decision == Decision.APPROVED:
            first.setdefault((row.step, row.role), row)
    return sorted(first.values(), key=lambda row: (row.step, row.id or 0))


def waiting_step(ver: StatementVersion, rows: Sequence[Approval]) -> chains.Waiting | None:
    """Who is next on ``ver`` (see app.statements.chain.waiting), or None when every step has signed."""
    return chains.waiting(ver.approvers, ((row.step, row.role) for row in approved(rows)))


def next_step(ver: StatementVersion, rows: Sequence[Approval]) -> int | None:
    """The index of the first step not fully signed, or None when every step has approved."""
    found = waiting_step(ver, rows)
    return found.index if found else None


def waiting_roles(ver: StatementVersion, rows: Sequence[Approval]) -> list[str]:
    """The roles whose sign-off the version waits for now: one, or several of a group step."""
    found = waiting_step(ver, rows)
    return list(found.roles) if found else []


def step_roles(ver: StatementVersion, step: int) -> list[str]:
    """Every role of step ``step`` of the version's chain."""
    return list(chains.steps(ver.approvers)[step])


def _claim(session: Session, statement: Statement, number: int, statuses: Sequence[str], **values: Any) -> bool:
    """Change the statement's row only if it is still at version ``number`` in one of ``statuses``; True if it was.

    The conditional UPDATE is what keeps two processes apart: it takes the row (on SQLite, the write lock) before
    anything else is read for the decision, and a click that lost the race finds nothing to update.
    """
    query = (update(Statement).where(col(Statement.id) == statement.id, col(Statement.current_version) == number,
                                     col(Statement.status).in_(list(statuses)))
             .values(**(values or {"current_version": Statement.current_version})))
    hit = affected(session.execute(query))
    session.refresh(statement)
    return bool(hit)


def add_version(
    session: Session, statement: Statement, *, variants: dict[str, str], method: str, model: str | None, note: str,
    findings: list[dict[str, Any]], approvers: list[Any], created_by: str, replaces: int | None = None,
    now: datetime | None = None, next_update: str | None = None,
) -> StatementVersion:
    """Save the next version; approvals (re)start at the first step. Locked statements take no new version.

    ``replaces`` is the version an edit started from: when another version was saved meanwhile (here or in
    another process), or the statement was approved meanwhile, it fails with the reason.
    """
    now = now or utcnow()
    if statement.status == Status.APPROVED:
        raise StatementError(key="statement.error.locked", number=statement.current_version)
    if replaces is not None and replaces != statement.current_version:
        raise StatementConflict(key="statement.error.edited_meanwhile", number=replaces,
                                current=statement.current_version)
    if not chains.roles(approvers):
        raise StatementError(key="statement.error.no_approver")
    start = statement.current_version if replaces is None else replaces
    number = start + 1
    if not _claim(session, statement, start, OPEN_STATUSES, current_version=number, status=Status.PENDING,
                  step_started_at=now):
        if statement.status == Status.APPROVED:
            raise StatementConflict(key="statement.error.approved_meanwhile", number=statement.current_version)
        raise StatementConflict(key="statement.error.changed_meanwhile", number=start,
                                current=statement.current_version)
    assert statement.id is not None  # a stored statement
    ver = StatementVersion(statement_id=statement.id, number=number, variants=dict(variants), method=method,
                           model=model, note=note, findings=list(findings), approvers=chains.stored(
                               chains.steps(approvers)), created_by=created_by, created_at=now,
                           next_update=next_update)
    session.add(ver)
    session.flush()
    kind = "statement_drafted" if number == 1 else "statement_edited"
    timeline.record(session, statement.incident_id, kind, f"v{number} ({method}): {note}", actor=created_by, at=now,
                    statement_id=statement.id, version=number, method=method, model=model, note=note,
                    variants=dict(variants), approvers=list(ver.approvers), statement_kind=str(statement.kind))
    summary = f"{len(findings)} finding(s)" if findings else "no findings"
    timeline.record(session, statement.incident_id, "statement_lint", f"v{number}: {summary}", actor="warroom",
                    at=now, statement_id=statement.id, version=number, findings=list(findings))
    return ver


def _refuse(session: Session, statement: Statement, ver: StatementVersion, *, user_id: str, step: int | None,
            role: str | None, reason: str, allowed: list[str], now: datetime, row: bool = True) -> None:
    if row:
        assert ver.id is not None  # a stored version
        session.add(Approval(version_id=ver.id, step=step if step is not None else -1, role=role or "",
                             user_id=user_id, decision=Decision.REFUSED, comment=reason, at=now))
    timeline.record(session, statement.incident_id, "statement_refused", reason, actor=user_id, at=now,
                    statement_id=statement.id, version=ver.number, step=step, role=role, allowed=allowed)


def _lost(session: Session, statement: Statement, ver: StatementVersion, number: int) -> Outcome:
    """What a click that lost the race to another click or process is told."""
    if statement.status == Status.APPROVED:
        return Outcome("closed", statement, ver, key="statement.approved_just_now",
                       values={"version": statement.current_version})
    if statement.current_version != number:
        return Outcome("outdated", statement, ver, key="statement.saved_just_now",
                       values={"version": statement.current_version})
    return Outcome("blocked", statement, ver, key="statement.blocked_just_now")


def allowed_for(roles: Sequence[str], people: Mapping[str, StepPeople]) -> list[str]:
    """Everyone who may sign one of ``roles``, in order, once."""
    return list(dict.fromkeys(user for role in roles if role in people for user in people[role].allowed))


def decide(
    session: Session, statement_id: int, number: int, *, user_id: str, decision: str,
    people: Mapping[str, StepPeople], comment: str | None = None, now: datetime | None = None,
    override_reason: str | None = None,
) -> Outcome:
    """Record an approval or a change request by ``user_id`` on version ``number``; refusals are recorded too.

    Only the approver of a role of the waiting step or that role's backups may approve it (in a group step
    each role is signed once, in any order), and nobody signs two roles of the same version. Anyone who may
    sign any step may request changes.
    """
    if decision not in (Decision.APPROVED, Decision.CHANGES_REQUESTED):
        raise ValueError(f"unknown decision {decision!r}")
    now = now or utcnow()
    statement, ver = current(session, statement_id)
    if statement.status == Status.APPROVED:
        return Outcome("closed", statement, ver, key="statement.already_approved", values={"version": ver.number})
    if number != ver.number:
        old = version(session, statement_id, number)
        reason = f"v{number} is outdated: a newer version (v{ver.number}) exists"
        _refuse(session, statement, old, user_id=user_id, step=None, role=None, reason=reason, allowed=[], now=now,
                row=False)
        return Outcome("outdated", statement, ver, key="statement.outdated", values={"version": ver.number})
    if decision == Decision.CHANGES_REQUESTED:
        return _request_changes(session, statement, ver, user_id=user_id, people=people, comment=comment, now=now)
    if statement.status == Status.CHANGES_REQUESTED:
        return Outcome("blocked", statement, ver, key="statement.blocked")
    if not _claim(session, statement, number, [Status.PENDING]):  # from here on no other click can interleave
        return _lost(session, statement, ver, number)
    assert ver.id is not None  # a stored version
    rows = approvals(session, ver.id)
    waiting = waiting_step(ver, rows)
    assert waiting is not None  # a pending version always has a waiting step
    mine = [role for role in waiting.roles if role in people and user_id in people[role].allowed]
    allowed = allowed_for(waiting.roles, people)
    if not mine:
        role_text = "+".join(waiting.roles)
        _refuse(session, statement, ver, user_id=user_id, step=waiting.index, role=role_text, allowed=allowed,
                now=now, reason=f"not the approver of step {waiting.index + 1} ({role_text})")
        return Outcome("refused", statement, ver, step=waiting.index, role=waiting.roles[0], allowed=allowed,
                       roles=list(waiting.roles))
    role = mine[0]
    earlier = [row for row in approved(rows) if row.user_id == user_id]
    if earlier:
        reason = (f"already approved step {earlier[0].step + 1} ({earlier[0].role}); "
                  f"step {waiting.index + 1} needs someone else")
        _refuse(session, statement, ver, user_id=user_id, step=waiting.index, role=role, allowed=allowed, now=now,
                reason=reason)
        return Outcome("refused", statement, ver, step=waiting.index, role=role,
                       allowed=[u for u in allowed if u != user_id], roles=list(waiting.roles),
                       key="statement.signed_twice", values={"step": earlier[0].step + 1})
    final = waiting.last and len(waiting.roles) == 1
    blockers = blocking(ver.findings) if final else []
    if blockers and not (override_reason or "").strip():
        return Outcome("needs_override", statement, ver, step=waiting.index, role=role, allowed=allowed,
                       roles=list(waiting.roles),
                       message="; ".join(str(dict(item).get("message", "")) for item in blockers[:3]
                                         if isinstance(item, Mapping)))
    if blockers:
        record = override(ver.findings, reason=override_reason or "", by=user_id)
        timeline.record(session, statement.incident_id, "statement_override",
                        f"v{ver.number}: {record['reason']}", actor=user_id, at=now, statement_id=statement.id,
                        version=ver.number, **{k: v for k, v in record.items() if k not in ("by", "reason")})
    session.add(Approval(version_id=ver.id, step=waiting.index, role=role, user_id=user_id,
                         decision=Decision.APPROVED, comment=comment, at=now))
    session.flush()  # the unique index: one sign-off per role of a step, whatever another process did
    total = len(chains.steps(ver.approvers))
    timeline.record(session, statement.incident_id, "statement_approval",
                    f"v{ver.number} step {waiting.index + 1}/{total} ({role}) approved", actor=user_id, at=now,
                    statement_id=statement.id, version=ver.number, step=waiting.index, role=role)
    rows = approvals(session, ver.id)
    still = waiting_step(ver, rows)
    if still is not None:
        if still.index != waiting.index:  # the step is complete: the next one starts now
            statement.step_started_at = now
            session.add(statement)
        return Outcome("approved", statement, ver, step=waiting.index, role=role, allowed=allowed,
                       roles=list(still.roles), waiting=still)
    ver.locked = True
    statement.status = Status.APPROVED
    statement.approved_at = now
    session.add_all([ver, statement])
    signed = [{"role": row.role, "user": row.user_id, "at": as_utc(row.at).isoformat()} for row in approved(rows)]
    timeline.record(session, statement.incident_id, "statement_approved", f"v{ver.number} approved and locked",
                    actor=user_id, at=now, statement_id=statement.id, version=ver.number, approvers=signed)
    return Outcome("final", statement, ver, step=waiting.index, role=role, allowed=allowed)


def _request_changes(session: Session, statement: Statement, ver: StatementVersion, *, user_id: str,
                     people: Mapping[str, StepPeople], comment: str | None, now: datetime) -> Outcome:
    text = (comment or "").strip()
    chain_roles = chains.roles(ver.approvers)
    roles_of_user = [role for role in chain_roles if role in people and user_id in people[role].allowed]
    everyone = allowed_for(chain_roles, people)
    assert ver.id is not None  # a stored version
    waiting = waiting_step(ver, approvals(session, ver.id))
    step = waiting.index if waiting else None
    if not roles_of_user:
        _refuse(session, statement, ver, user_id=user_id, step=step, role=None, allowed=everyone, now=now,
                reason="not among the approvers: may not request changes")
        return Outcome("refused", statement, ver, step=step, allowed=everyone,
                       key="statement.changes_approvers_only")
    if not text:
        raise StatementError(key="statement.error.comment")
    if not _claim(session, statement, ver.number, [Status.PENDING, Status.CHANGES_REQUESTED],
                  status=Status.CHANGES_REQUESTED):
        return _lost(session, statement, ver, ver.number)
    role = roles_of_user[0]
    position = chains.step_of(ver.approvers, role)
    assert position is not None  # the role is in the chain
    session.add(Approval(version_id=ver.id, step=position, role=role, user_id=user_id,
                         decision=Decision.CHANGES_REQUESTED, comment=text[:3000], at=now))
    timeline.record(session, statement.incident_id, "statement_changes_requested", text[:3000], actor=user_id, at=now,
                    statement_id=statement.id, version=ver.number, role=role)
    return Outcome("changes_requested", statement, ver, step=position, role=role, allowed=everyone)
