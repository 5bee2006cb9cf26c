"""Holding statements as pure domain logic over the database: versions, approval chains and sign-offs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.errors import UserError
from app.incidents import timeline
from app.incidents.models import Incident
from app.statements.lint import Finding, blocking, override
from app.statements.models import Approval, Statement, StatementVersion
from app.timeutil import as_utc, utcnow

OPEN_STATUSES = ("drafting", "pending", "changes_requested")
# A statement stuck in "drafting" this long (e.g. the process stopped mid-draft) no longer blocks a new one.
STALE_DRAFTING = timedelta(minutes=5)
LEGAL = "legal"


class StatementError(UserError):
    """A statement operation that is not allowed; the message is meant for the user."""


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
    message: str = ""


def approval_chain(base: Sequence[str], findings: Sequence[Finding | Mapping[str, Any]]) -> tuple[list[str], bool]:
    """The roles that sign off, in order, and whether legal was added for a finding that needs it.

    Legal joins right after comms when comms is in the chain (comms owns the wording, legal checks it
    before anyone more senior sees it), else at the front.
    """
    chain = list(dict.fromkeys(base))
    needs_legal = any(_requires_legal(item) for item in findings)
    if not needs_legal or LEGAL in chain:
        return chain, False
    position = chain.index("comms") + 1 if "comms" in chain else 0
    chain.insert(position, LEGAL)
    return chain, True


def _requires_legal(item: Finding | Mapping[str, Any]) -> bool:
    return bool(item.get("requires_legal") if isinstance(item, Mapping) else item.requires_legal)


def findings_as_dicts(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [asdict(item) for item in findings]


def get(session: Session, statement_id: int) -> Statement:
    statement = session.get(Statement, statement_id)
    if statement is None:
        raise StatementError(f"statement {statement_id} does not exist")
    return statement


def find(session: Session, statement_id: int) -> Statement | None:
    return session.get(Statement, statement_id) if statement_id else None


def latest(session: Session, incident_id: int) -> Statement | None:
    """The incident's newest statement, whatever its state."""
    query = select(Statement).where(Statement.incident_id == incident_id).order_by(col(Statement.id).desc())
    return session.exec(query).first()


def open_statement(session: Session, incident_id: int, *, now: datetime | None = None) -> Statement | None:
    """The statement still being drafted or approved, if any (one per incident at a time)."""
    now = now or utcnow()
    query = select(Statement).where(Statement.incident_id == incident_id, col(Statement.status).in_(OPEN_STATUSES))
    for statement in session.exec(query.order_by(col(Statement.id).desc())):
        if statement.status == "drafting" and now - as_utc(statement.created_at) > STALE_DRAFTING:
            continue
        return statement
    return None


def unfinished_drafts(session: Session) -> list[Statement]:
    """Statements a stopped process was still drafting (no version saved yet), in open incidents."""
    query = (select(Statement).join(Incident, col(Incident.id) == Statement.incident_id)
             .where(Statement.status == "drafting", Statement.current_version == 0, Incident.status == "open"))
    return list(session.exec(query.order_by(col(Statement.id))))


def create(session: Session, incident_id: int, *, language: str, channels: list[str], requested_by: str,
           message_ts: str | None = None) -> Statement:
    """A new statement in state "drafting"; its first version is added once the draft is ready."""
    statement = Statement(incident_id=incident_id, status="drafting", language=language, channels=list(channels),
                          message_ts=message_ts, requested_by=requested_by)
    session.add(statement)
    session.flush()
    timeline.record(session, incident_id, "statement_requested", f"holding statement for {', '.join(channels)}",
                    actor=requested_by, statement_id=statement.id, channels=list(channels), language=language)
    return statement


def discard(session: Session, statement_id: int, reason: str) -> None:
    """Drop a statement whose draft failed before any version was saved."""
    statement = get(session, statement_id)
    if statement.current_version:
        raise StatementError("a statement with versions is never deleted")
    timeline.record(session, statement.incident_id, "statement_draft_failed", reason, actor="warroom",
                    statement_id=statement_id)
    session.delete(statement)


def version(session: Session, statement_id: int, number: int) -> StatementVersion:
    query = select(StatementVersion).where(StatementVersion.statement_id == statement_id,
                                           StatementVersion.number == number)
    found = session.exec(query).first()
    if found is None:
        raise StatementError(f"version {number} of statement {statement_id} does not exist")
    return found


def versions(session: Session, statement_id: int) -> list[StatementVersion]:
    query = select(StatementVersion).where(StatementVersion.statement_id == statement_id)
    return list(session.exec(query.order_by(col(StatementVersion.number))))


def current(session: Session, statement_id: int) -> tuple[Statement, StatementVersion]:
    statement = get(session, statement_id)
    if not statement.current_version:
        raise StatementError("the statement is still being drafted")
    return statement, version(session, statement_id, statement.current_version)


def approvals(session: Session, version_id: int) -> list[Approval]:
    query = select(Approval).where(Approval.version_id == version_id)
    return list(session.exec(query.order_by(col(Approval.id))))


def approved(rows: Sequence[Approval]) -> list[Approval]:
    """The sign-offs of a version, one per step (the first given), in step order."""
    first: dict[int, Approval] = {}
    for row in rows:
        if row.decision == "approved":
            first.setdefault(row.step, row)
    return [first[step] for step in sorted(first)]


def next_step(ver: StatementVersion, rows: Sequence[Approval]) -> int | None:
    """The index of the first step without a sign-off, or None when every step has approved."""
    signed = {row.step for row in approved(rows)}
    return next((step for step in range(len(ver.approvers)) if step not in signed), None)


def add_version(
    session: Session, statement: Statement, *, variants: dict[str, str], method: str, model: str | None, note: str,
    findings: list[dict[str, Any]], approvers: list[str], created_by: str, replaces: int | None = None,
    now: datetime | None = None, next_update: str | None = None,
) -> StatementVersion:
    """Save the next version; approvals (re)start at the first step. Locked statements take no new version.

    ``replaces`` is the version an edit started from: when another version was saved meanwhile, it fails.
    """
    now = now or utcnow()
    if statement.status == "approved":
        raise StatementError(f"version {statement.current_version} is approved and locked: it cannot be changed")
    if replaces is not None and replaces != statement.current_version:
        raise StatementError(f"v{replaces} was edited meanwhile: a newer version (v{statement.current_version}) "
                             "exists. Edit that one.")
    if not approvers:
        raise StatementError("a statement needs at least one approver")
    number = statement.current_version + 1
    assert statement.id is not None  # a stored statement
    ver = StatementVersion(statement_id=statement.id, number=number, variants=dict(variants), method=method,
                           model=model, note=note, findings=list(findings), approvers=list(approvers),
                           created_by=created_by, created_at=now, next_update=next_update)
    session.add(ver)
    statement.current_version = number
    statement.status = "pending"
    statement.step_started_at = now
    session.add(statement)
    session.flush()
    kind = "statement_drafted" if number == 1 else "statement_edited"
    timeline.record(session, statement.incident_id, kind, f"v{number} ({method}): {note}", actor=created_by, at=now,
                    statement_id=statement.id, version=number, method=method, model=model, note=note,
                    variants=dict(variants), approvers=list(approvers))
    summary = f"{len(findings)} finding(s)" if findings else "no findings"
    timeline.record(session, statement.incident_id, "statement_lint", f"v{number}: {summary}", actor="warroom",
                    at=now, statement_id=statement.id, version=number, findings=list(findings))
    return ver


def _refuse(session: Session, statement: Statement, ver: StatementVersion, *, user_id: str, step: int | None,
            role: str | None, reason: str, allowed: list[str], now: datetime, row: bool = True) -> None:
    if row:
        assert ver.id is not None  # a stored version
        session.add(Approval(version_id=ver.id, step=step if step is not None else -1, role=role or "",
                             user_id=user_id, decision="refused", comment=reason, at=now))
    timeline.record(session, statement.incident_id, "statement_refused", reason, actor=user_id, at=now,
                    statement_id=statement.id, version=ver.number, step=step, role=role, allowed=allowed)


def decide(
    session: Session, statement_id: int, number: int, *, user_id: str, decision: str,
    people: Mapping[str, StepPeople], comment: str | None = None, now: datetime | None = None,
    override_reason: str | None = None,
) -> Outcome:
    """Record an approval or a change request by ``user_id`` on version ``number``; refusals are recorded too.

    Only the approver of the waiting step or that role's backups may approve it, and nobody signs two
    steps of the same version. Anyone who may sign any step may request changes.
    """
    if decision not in ("approved", "changes_requested"):
        raise ValueError(f"unknown decision {decision!r}")
    now = now or utcnow()
    statement, ver = current(session, statement_id)
    if statement.status == "approved":
        return Outcome("closed", statement, ver, message=f"This statement is already approved (v{ver.number}).")
    if number != ver.number:
        old = version(session, statement_id, number)
        reason = f"v{number} is outdated: a newer version (v{ver.number}) exists"
        _refuse(session, statement, old, user_id=user_id, step=None, role=None, reason=reason, allowed=[], now=now,
                row=False)
        return Outcome("outdated", statement, ver, message=f"A newer version (v{ver.number}) exists: "
                       "review that one.")
    assert ver.id is not None  # a stored version
    rows = approvals(session, ver.id)
    step = next_step(ver, rows)
    if decision == "changes_requested":
        return _request_changes(session, statement, ver, step, user_id=user_id, people=people, comment=comment,
                                now=now)
    if statement.status == "changes_requested":
        return Outcome("blocked", statement, ver, step=step, message="Changes were requested on this version: "
                       "edit it to save a new version, which restarts the approvals.")
    assert step is not None  # a pending version always has a waiting step
    role = ver.approvers[step]
    allowed = people[role].allowed if role in people else []
    if user_id not in allowed:
        _refuse(session, statement, ver, user_id=user_id, step=step, role=role, allowed=allowed, now=now,
                reason=f"not the approver of step {step + 1} ({role})")
        return Outcome("refused", statement, ver, step=step, role=role, allowed=allowed)
    earlier = [row for row in approved(rows) if row.user_id == user_id]
    if earlier:
        reason = f"already approved step {earlier[0].step + 1} ({earlier[0].role}); step {step + 1} needs someone else"
        _refuse(session, statement, ver, user_id=user_id, step=step, role=role, allowed=allowed, now=now,
                reason=reason)
        return Outcome("refused", statement, ver, step=step, role=role, allowed=[u for u in allowed if u != user_id],
                       message=f"You already approved step {earlier[0].step + 1}: each step needs a different person.")
    final = step + 1 == len(ver.approvers)
    blockers = blocking(ver.findings) if final else []
    if blockers and not (override_reason or "").strip():
        return Outcome("needs_override", statement, ver, step=step, role=role, allowed=allowed,
                       message="; ".join(str(dict(item).get("message", "")) for item in blockers[:3]
                                         if isinstance(item, Mapping)))
    if blockers:
        record = override(ver.findings, reason=override_reason or "", by=user_id)
        timeline.record(session, statement.incident_id, "statement_override",
                        f"v{ver.number}: {record['reason']}", actor=user_id, at=now, statement_id=statement.id,
                        version=ver.number, **{k: v for k, v in record.items() if k not in ("by", "reason")})
    session.add(Approval(version_id=ver.id, step=step, role=role, user_id=user_id, decision="approved",
                         comment=comment, at=now))
    timeline.record(session, statement.incident_id, "statement_approval",
                    f"v{ver.number} step {step + 1}/{len(ver.approvers)} ({role}) approved", actor=user_id, at=now,
                    statement_id=statement.id, version=ver.number, step=step, role=role)
    if step + 1 < len(ver.approvers):
        statement.step_started_at = now
        session.add(statement)
        return Outcome("approved", statement, ver, step=step, role=role, allowed=allowed)
    ver.locked = True
    statement.status = "approved"
    statement.approved_at = now
    session.add_all([ver, statement])
    signed = [{"role": row.role, "user": row.user_id, "at": as_utc(row.at).isoformat()} for row in approved(rows)]
    signed.append({"role": role, "user": user_id, "at": now.isoformat()})
    timeline.record(session, statement.incident_id, "statement_approved", f"v{ver.number} approved and locked",
                    actor=user_id, at=now, statement_id=statement.id, version=ver.number, approvers=signed)
    return Outcome("final", statement, ver, step=step, role=role, allowed=allowed)


def _request_changes(session: Session, statement: Statement, ver: StatementVersion, step: int | None, *,
                     user_id: str, people: Mapping[str, StepPeople], comment: str | None, now: datetime) -> Outcome:
    text = (comment or "").strip()
    roles_of_user = [role for role in ver.approvers if role in people and user_id in people[role].allowed]
    everyone = list(dict.fromkeys(user for role in ver.approvers if role in people for user in people[role].allowed))
    if not roles_of_user:
        _refuse(session, statement, ver, user_id=user_id, step=step, role=None, allowed=everyone, now=now,
                reason="not among the approvers: may not request changes")
        return Outcome("refused", statement, ver, step=step, allowed=everyone,
                       message="Only the approvers of this statement may request changes.")
    if not text:
        raise StatementError("say what should change: the comment is required")
    role = roles_of_user[0]
    position = ver.approvers.index(role)
    assert ver.id is not None  # a stored version
    session.add(Approval(version_id=ver.id, step=position, role=role, user_id=user_id,
                         decision="changes_requested", comment=text[:3000], at=now))
    statement.status = "changes_requested"
    session.add(statement)
    timeline.record(session, statement.incident_id, "statement_changes_requested", text[:3000], actor=user_id, at=now,
                    statement_id=statement.id, version=ver.number, role=role)
    return Outcome("changes_requested", statement, ver, step=position, role=role, allowed=everyone)
