"""Writing effects inside a change's transaction, and claiming them for delivery (once per lease)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import affected
from app.effects.models import Effect
from app.timeutil import as_utc, utcnow

LEASE = timedelta(minutes=2)
BACKOFF_CAP = timedelta(minutes=10)
MAX_ATTEMPTS = 12
_E = cast(Table, Effect.__table__)  # type: ignore[attr-defined]  # set by SQLModel, unknown to mypy


def enqueue(session: Session, kind: str, key: str, *, incident_id: int | None = None, **payload: Any) -> None:
    """Add an effect to the caller's transaction; a pending one with the same key already covers it."""
    values = {"kind": kind, "key": key, "incident_id": incident_id, "payload": payload, "status": "pending",
              "attempts": 0, "due_at": utcnow(), "result": {}, "created_at": utcnow()}
    if session.get_bind().dialect.name == "sqlite":
        statement = sqlite_insert(_E).values(**values).on_conflict_do_nothing(
            index_elements=["key"], index_where=_E.c.status == "pending")
        session.execute(statement)
        return
    session.execute(pg_insert(_E).values(**values).on_conflict_do_nothing(
        index_elements=["key"], index_where=_E.c.status == "pending"))


def post(session: Session, key: str, *, channel: str, text: str, incident_id: int | None = None,
         blocks: list[dict[str, Any]] | None = None, thread_ts: str | None = None, then: str | None = None,
         then_args: dict[str, Any] | None = None) -> None:
    """A message to post; ``then`` names a follow-up (see app/effects/delivery.py) run with its ts."""
    enqueue(session, "post", key, incident_id=incident_id, channel=channel, text=text, blocks=blocks,
            thread_ts=thread_ts, then=then, then_args=then_args or {})


def claim(session: Session, now: datetime, owner: str, limit: int = 20) -> list[Effect]:
    """Due effects that no live lease holds, leased to ``owner`` (a conditional update: one taker each)."""
    free = or_(_E.c.claimed_until.is_(None), _E.c.claimed_until < now)
    due = select(_E.c.id).where(_E.c.status == "pending", _E.c.due_at <= now, free).order_by(_E.c.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":  # one statement; rows another process is taking are skipped
        leased = update(_E).where(_E.c.id.in_(due.with_for_update(skip_locked=True).scalar_subquery())).values(
            claimed_until=now + LEASE, attempts=_E.c.attempts + 1).returning(_E.c.id)
        taken_now: list[int] = sorted(session.execute(leased).scalars())
        session.commit()
        return [effect for i in taken_now if (effect := session.get(Effect, i)) is not None]
    ids: list[int] = list(session.execute(due).scalars())
    taken: list[int] = []
    for effect_id in ids:
        hit = session.execute(update(_E).where(_E.c.id == effect_id, _E.c.status == "pending", free)
                              .values(claimed_until=now + LEASE, attempts=_E.c.attempts + 1))
        if affected(hit):
            taken.append(effect_id)
    session.commit()
    return [effect for i in taken if (effect := session.get(Effect, i)) is not None]


def done(session: Session, effect_id: int, result: dict[str, Any] | None = None) -> None:
    session.execute(update(_E).where(_E.c.id == effect_id).values(
        status="done", done_at=utcnow(), claimed_until=None, result=result or {}, last_error=None))


def retry_later(session: Session, effect: Effect, error: str, *, permanent: bool = False) -> bool:
    """Back off (capped, doubling); after too many attempts or a permanent error, mark it failed. True if failed."""
    failed = permanent or effect.attempts >= MAX_ATTEMPTS
    delay = min(BACKOFF_CAP, timedelta(seconds=2 ** min(effect.attempts, 10)))
    session.execute(update(_E).where(_E.c.id == effect.id).values(
        status="failed" if failed else "pending", claimed_until=None, last_error=error[:500],
        due_at=utcnow() + delay))
    return failed



def siblings(session: Session, effect: Effect) -> list[int]:
    """The other pending effects of the same kind and incident, committed by now and not being delivered."""
    return list(session.execute(select(_E.c.id).where(
        _E.c.kind == effect.kind, _E.c.incident_id == effect.incident_id, _E.c.status == "pending",
        _E.c.id != effect.id, _E.c.claimed_until.is_(None))).scalars())


def covered(session: Session, effect: Effect, ids: list[int]) -> None:
    """``ids`` (read before ``effect`` was delivered) need no delivery of their own: ``effect`` did their work."""
    if ids:
        session.execute(update(_E).where(_E.c.id.in_(ids), _E.c.status == "pending").values(
            status="done", done_at=utcnow(), result={"covered_by": effect.id}))


def outbox_health(engine: Engine) -> dict[str, Any]:
    """For /healthz: effects that failed for good, and how long the oldest due one has waited (seconds)."""
    now = utcnow()
    with Session(engine) as session:
        failed: int = session.execute(select(func.count()).select_from(_E).where(_E.c.status == "failed")
                                      ).scalar_one()
        oldest: datetime | None = session.execute(select(func.min(_E.c.due_at)).where(
            _E.c.status == "pending", _E.c.due_at <= now)).scalar_one()
    waiting = (now - as_utc(oldest)).total_seconds() if oldest is not None else 0.0
    return {"effects_failed": int(failed), "effects_oldest_due_seconds": round(waiting, 1)}
