"""The ``scheduled_job`` table's operations, each one indexed statement on a caller's session.

Jobs are upserted by id, cancelled by an id prefix (a range on the primary key) or by incident (an index),
and claimed with a conditional UPDATE: a due row whose lease ran out gets this claim's token and a new
lease, and only the scheduler whose UPDATE hit the row runs it. On PostgreSQL the due rows are claimed in one
statement that skips the rows another scheduler is claiming (``FOR UPDATE SKIP LOCKED``): schedulers in
several processes neither wait for each other nor deadlock, and each row goes to one of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Executable, Table, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db import affected
from app.scheduling import registry
from app.scheduling.kinds import JobKind
from app.scheduling.models import ScheduledJob
from app.timeutil import as_utc

T = cast(Table, ScheduledJob.__table__)  # type: ignore[attr-defined]  # set by SQLModel, unknown to mypy
MAX_ERROR = 2000
KNOWN_KINDS = frozenset(kind.value for kind in JobKind)


@dataclass(frozen=True)
class Claimed:
    """A job this scheduler holds: run it, then finish or fail it with the same token."""

    id: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    token: str


def row(job_id: str, when: datetime, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The row for a job, checked: a clear error names what is wrong before anything is written."""
    if not isinstance(job_id, str) or not job_id:
        raise ValueError(f"a job id must be a non-empty string, not {job_id!r}")
    if kind not in KNOWN_KINDS and registry.handler_for(kind) is None:
        # A kind the bot knows may be planned by a process that never runs it (the web role plans the alert
        # summaries its intake owes; the workers run them).
        known = sorted(KNOWN_KINDS | set(registry.kinds()))
        raise ValueError(f"job {job_id}: there is no job kind {kind!r} (known: {', '.join(known)})")
    if not isinstance(when, datetime):
        raise TypeError(f"job {job_id}: the due time must be a datetime, not {when!r}")
    when = as_utc(when)  # naive times (as SQLite returns them) are UTC
    try:
        json.dumps(payload)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"job {job_id}: its arguments must be JSON values ({exc})") from exc
    incident_id = payload.get("incident_id")
    if incident_id is not None and not isinstance(incident_id, int):
        raise TypeError(f"job {job_id}: incident_id must be an integer, not {incident_id!r}")
    return {"id": job_id, "kind": kind, "incident_id": incident_id, "due_at": when, "payload": payload,
            "attempts": 0, "last_error": None, "claimed_by": None, "claimed_until": None}


# Jobs a single upsert statement writes (each row binds nine values; SQLite allows 32,766 in a statement).
ROWS_PER_STATEMENT = 500


def upserts(dialect: str, rows: list[dict[str, Any]]) -> list[Executable]:
    """The statements that insert the jobs or replace the ones with the same id (SQLite, PostgreSQL): each a
    single multi-row upsert, so that one statement writes up to ``ROWS_PER_STATEMENT`` jobs."""
    statements: list[Executable] = []
    # A job given twice is written once, as given last: on PostgreSQL one statement may not change a row twice.
    rows = list({r["id"]: r for r in rows}.values())
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start:start + ROWS_PER_STATEMENT]
        insert: sqlite.Insert | postgresql.Insert = (sqlite.insert(T) if dialect == "sqlite"
                                                     else postgresql.insert(T)).values(chunk)
        fresh = {c: insert.excluded[c] for c in chunk[0] if c != "id"}
        statements.append(insert.on_conflict_do_update(index_elements=[T.c.id], set_=fresh))
    return statements


def put(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert the jobs, or replace the ones with the same id (a replaced job is due anew, unclaimed)."""
    if not rows:
        return
    name = session.get_bind().dialect.name
    if name in ("sqlite", "postgresql"):
        for statement in upserts(name, rows):
            session.execute(statement)
        return
    session.execute(delete(T).where(T.c.id.in_([r["id"] for r in rows])))
    session.execute(T.insert(), rows)


def schedule(session: Session, job_id: str, when: datetime, kind: str, **payload: Any) -> None:
    """``Scheduler.at`` inside the caller's transaction: the job is stored with the change that needs it.

    The next sweep (within a second) runs it when due."""
    put(session, [row(job_id, when, kind, payload)])


def prefix_end(prefix: str) -> str | None:
    """The smallest string above every string that starts with ``prefix`` (None: there is none)."""
    while prefix:
        last = ord(prefix[-1]) + 1
        if 0xD800 <= last <= 0xDFFF:
            last = 0xE000
        if last <= 0x10FFFF:
            return prefix[:-1] + chr(last)
        prefix = prefix[:-1]
    return None


def _with_prefix(prefix: str) -> ColumnElement[bool]:
    """Ids starting with ``prefix`` as a range on the primary key (binary order, as in SQLite)."""
    end = prefix_end(prefix)
    low = T.c.id >= prefix
    return low if end is None else (low & (T.c.id < end))


def ids(session: Session, prefix: str = "") -> list[str]:
    return list(session.execute(select(T.c.id).where(_with_prefix(prefix)).order_by(T.c.id)).scalars())


def get(session: Session, job_id: str) -> ScheduledJob | None:
    return session.get(ScheduledJob, job_id)


def delete_prefix(session: Session, prefix: str) -> int:
    return affected(session.execute(delete(T).where(_with_prefix(prefix))))


def delete_incident(session: Session, incident_id: int) -> int:
    return affected(session.execute(delete(T).where(T.c.incident_id == incident_id)))


def move(session: Session, job_id: str, when: datetime) -> bool:
    """Make an unclaimed job due at ``when``; False if there is no such job or it is running."""
    result = session.execute(update(T).where(T.c.id == job_id, T.c.claimed_by.is_(None)).values(due_at=when))
    return affected(result) == 1


def _free(now: datetime) -> ColumnElement[bool]:
    return or_(T.c.claimed_until.is_(None), T.c.claimed_until <= now)


def due(session: Session, now: datetime, limit: int) -> list[str]:
    """Ids of jobs due by ``now`` that nobody holds, soonest first."""
    query = select(T.c.id).where(T.c.due_at <= now, _free(now)).order_by(T.c.due_at).limit(limit)
    return list(session.execute(query).scalars())


def claiming(job_id: str, token: str, now: datetime, until: datetime) -> Executable:
    """The statement that takes the job for ``token`` if it is still due and free (it hits one row, or none)."""
    return (update(T).where(T.c.id == job_id, T.c.due_at <= now, _free(now))
            .values(claimed_by=token, claimed_until=until, attempts=T.c.attempts + 1))


def held(session: Session, job_id: str, token: str) -> Claimed | None:
    """The job as ``token`` holds it; None when it was replaced (or taken over) since."""
    found = session.execute(select(T.c.kind, T.c.payload, T.c.attempts)
                            .where(T.c.id == job_id, T.c.claimed_by == token)).tuples().first()
    if found is None:
        return None
    kind, payload, attempts = found
    return Claimed(job_id, kind, dict(payload or {}), attempts, token)


def claim(session: Session, job_id: str, token: str, now: datetime, until: datetime) -> Claimed | None:
    """Take the job if it is still due and free; None when another scheduler (or a replacement) won."""
    if affected(session.execute(claiming(job_id, token, now, until))) != 1:
        return None
    return held(session, job_id, token)


def claim_due(session: Session, now: datetime, limit: int, token: str, until: datetime,
              skip: set[str]) -> list[Claimed]:
    """PostgreSQL: claim up to ``limit`` due, free jobs (soonest first, none of ``skip``) in one statement."""
    due_rows = select(T.c.id).where(T.c.due_at <= now, _free(now)).order_by(T.c.due_at).limit(limit)
    if skip:
        due_rows = due_rows.where(T.c.id.not_in(sorted(skip)))
    taken = (update(T).where(T.c.id.in_(due_rows.with_for_update(skip_locked=True).scalar_subquery()))
             .values(claimed_by=token, claimed_until=until, attempts=T.c.attempts + 1)
             .returning(T.c.id, T.c.kind, T.c.payload, T.c.attempts, T.c.due_at))
    rows = sorted(session.execute(taken).tuples(), key=lambda r: (r[4], r[0]))
    return [Claimed(job_id, kind, dict(payload or {}), attempts, token) for job_id, kind, payload, attempts, _ in rows]


def renew(session: Session, jobs: list[Claimed], until: datetime) -> int:
    """Extend the leases of jobs still running (found by id; a replaced job is left alone)."""
    if not jobs:
        return 0
    query = update(T).where(T.c.id.in_([j.id for j in jobs]), T.c.claimed_by.in_([j.token for j in jobs]))
    return affected(session.execute(query.values(claimed_until=until)))


def _held(session: Session, job: Claimed, values: dict[str, Any]) -> bool:
    """Change the job only while this claim still holds it."""
    query = update(T).where(T.c.id == job.id, T.c.claimed_by == job.token).values(**values)
    return affected(session.execute(query)) == 1


def finished(job: Claimed) -> Executable:
    """The statement that deletes a job that ran; a job replaced meanwhile (a new claim token or none) is kept."""
    return delete(T).where(T.c.id == job.id, T.c.claimed_by == job.token)


def finish(session: Session, job: Claimed) -> bool:
    """Delete a job that ran (``finished``) in ``session``; whether it was still this claim's."""
    return affected(session.execute(finished(job))) == 1


def fail(session: Session, job: Claimed, error: str, retry_at: datetime) -> bool:
    """Record the error and make the job due again at ``retry_at``, unclaimed."""
    values = {"last_error": error[:MAX_ERROR], "due_at": retry_at, "claimed_by": None, "claimed_until": None}
    return _held(session, job, values)


def release(session: Session, job: Claimed) -> bool:
    """Give back a job that was claimed but never started (the attempt does not count)."""
    values = {"claimed_by": None, "claimed_until": None, "attempts": T.c.attempts - 1}
    return _held(session, job, values)
