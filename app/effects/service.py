"""Writing effects inside a change's transaction, and claiming them for delivery (once per lease)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, or_, select
from sqlalchemy import update as update_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import affected
from app.effects.models import Effect, EffectStatus
from app.timeutil import as_utc, utcnow

LEASE = timedelta(minutes=2)
BACKOFF_CAP = timedelta(minutes=10)
MAX_ATTEMPTS = 12
_E = cast(Table, Effect.__table__)  # type: ignore[attr-defined]  # set by SQLModel, unknown to mypy
PENDING, DONE, FAILED = EffectStatus.PENDING.value, EffectStatus.DONE.value, EffectStatus.FAILED.value


def enqueue(session: Session, kind: str, key: str, *, incident_id: int | None = None, **payload: Any) -> None:
    """Add an effect to the caller's transaction; a pending one with the same key already covers it."""
    values = {"kind": kind, "key": key, "incident_id": incident_id, "payload": payload, "status": PENDING,
              "attempts": 0, "due_at": utcnow(), "result": {}, "created_at": utcnow()}
    if session.get_bind().dialect.name == "sqlite":
        statement = sqlite_insert(_E).values(**values).on_conflict_do_nothing(
            index_elements=["key"], index_where=_E.c.status == PENDING)
        session.execute(statement)
        return
    session.execute(pg_insert(_E).values(**values).on_conflict_do_nothing(
        index_elements=["key"], index_where=_E.c.status == PENDING))


def post(session: Session, key: str, *, channel: str, text: str, incident_id: int | None = None,
         blocks: list[dict[str, Any]] | None = None, thread_ts: str | None = None, then: str | None = None,
         then_args: dict[str, Any] | None = None, thread_of: int | None = None, after: str | None = None) -> None:
    """A message to post; ``then`` names a follow-up (app/slack/effects.py AFTER_POST) run with its ts.

    ``thread_of`` (a statement id) posts under that statement's message, once it is in the room. ``after`` (an
    effect's key) waits while that effect is pending (e.g. an announcement for its person's invite)."""
    extra: dict[str, Any] = {"after": after} if after else {}
    enqueue(session, "post", key, incident_id=incident_id, channel=channel, text=text, blocks=blocks,
            thread_ts=thread_ts, then=then, then_args=then_args or {}, thread_of=thread_of, **extra)


def update(session: Session, key: str, *, channel: str, text: str, incident_id: int | None = None,
           blocks: list[dict[str, Any]] | None = None, ts: str | None = None, ts_of: str | None = None) -> None:
    """A message to replace in place: by its ``ts``, or the ts that the post effect with key ``ts_of`` got."""
    enqueue(session, "update", key, incident_id=incident_id, channel=channel, text=text, blocks=blocks, ts=ts,
            ts_of=ts_of)


def ever(session: Session, key: str) -> bool:
    """Whether an effect with this key was ever written (pending, delivered or failed)."""
    return session.execute(select(_E.c.id).where(_E.c.key == key).limit(1)).first() is not None


def outcome(session: Session, key: str) -> tuple[str, dict[str, Any]] | None:
    """(status, result) of the latest effect with this key, if any."""
    row = session.execute(select(_E.c.status, _E.c.result).where(_E.c.key == key).order_by(_E.c.id.desc())
                          .limit(1)).first()
    return (row[0], dict(row[1] or {})) if row is not None else None


def key_pending(session: Session, key: str) -> bool:
    """Whether an effect with this key waits for delivery (what an effect written ``after`` it waits for)."""
    return session.execute(select(_E.c.id).where(_E.c.key == key, _E.c.status == PENDING).limit(1)
                           ).first() is not None


def others_pending(session: Session, effect: Effect) -> bool:
    """Whether another effect of the same incident (of another kind) waits for delivery: what an effect that
    must come ``last`` (a room's archiving) waits for."""
    return session.execute(select(_E.c.id).where(_E.c.incident_id == effect.incident_id, _E.c.status == PENDING,
                                                 _E.c.kind != effect.kind, _E.c.id != effect.id).limit(1)
                           ).first() is not None


WAITING_LAST = "waiting for the incident's other effects"


def release_last(session: Session, incident_id: int) -> None:
    """An effect of the incident is delivered: the one waiting to come last (``others_pending``) looks again now."""
    session.execute(update_(_E).where(_E.c.incident_id == incident_id, _E.c.status == PENDING,
                                      _E.c.last_error == WAITING_LAST, _E.c.claimed_until.is_(None))
                    .values(due_at=utcnow()))


def waiting_for(key: str) -> str:
    """The error an effect keeps while it waits for the effect with ``key`` (see ``release``)."""
    return f"waiting for effect {key}"


def release(session: Session, key: str) -> None:
    """The effect with ``key`` is delivered (or failed for good): the effects written ``after`` it are due now."""
    session.execute(update_(_E).where(_E.c.status == PENDING, _E.c.last_error == waiting_for(key),
                                      _E.c.claimed_until.is_(None)).values(due_at=utcnow()))


def pending(session: Session, incident_id: int, kind: str) -> bool:
    """Whether an effect of ``kind`` for the incident still waits for delivery (e.g. the report before the
    room is archived)."""
    return session.execute(select(_E.c.id).where(_E.c.incident_id == incident_id, _E.c.kind == kind,
                                                 _E.c.status == PENDING).limit(1)).first() is not None


def note(session: Session, effect_id: int, **progress: Any) -> None:
    """Keep what a delivery has done so far (e.g. the ids of files Slack announced) on the pending effect, so
    that the next attempt continues from there; its result replaces this once it is done."""
    row = session.execute(select(_E.c.result).where(_E.c.id == effect_id)).first()
    merged = {**dict((row[0] if row is not None else None) or {}), **progress}
    session.execute(update_(_E).where(_E.c.id == effect_id, _E.c.status == PENDING).values(result=merged))


def hurry(session: Session, incident_id: int) -> None:
    """Effects of the incident that were waiting for another one (e.g. for a message's ts) are due now."""
    session.execute(update_(_E).where(_E.c.incident_id == incident_id, _E.c.status == PENDING,
                                      _E.c.claimed_until.is_(None), _E.c.last_error.like("waiting%"))
                    .values(due_at=utcnow()))


def claim(session: Session, now: datetime, owner: str, limit: int = 20) -> list[Effect]:
    """Due effects that no live lease holds, leased to ``owner`` (a conditional update: one taker each)."""
    free = or_(_E.c.claimed_until.is_(None), _E.c.claimed_until < now)
    due = select(_E.c.id).where(_E.c.status == PENDING, _E.c.due_at <= now, free).order_by(_E.c.id).limit(limit)
    lease = {"claimed_until": now + LEASE, "attempts": _E.c.attempts + 1,
             "tried_at": func.coalesce(_E.c.tried_at, now), "claimed_by": owner}
    if session.get_bind().dialect.name == "postgresql":  # one statement; rows another process is taking are skipped
        leased = update_(_E).where(_E.c.id.in_(due.with_for_update(skip_locked=True).scalar_subquery())).values(
            **lease).returning(_E.c.id)
        taken_now: list[int] = sorted(session.execute(leased).scalars())
        session.commit()
        return [effect for i in taken_now if (effect := session.get(Effect, i)) is not None]
    ids: list[int] = list(session.execute(due).scalars())
    taken: list[int] = []
    for effect_id in ids:
        hit = session.execute(update_(_E).where(_E.c.id == effect_id, _E.c.status == PENDING, free).values(**lease))
        if affected(hit):
            taken.append(effect_id)
    session.commit()
    return [effect for i in taken if (effect := session.get(Effect, i)) is not None]


def release_dead(session: Session, alive: Callable[[str], bool]) -> int:
    """Give back the leases of processes that are gone (``alive(owner)`` is False): their effects are due
    again now, not when the lease would have ended. How many were released."""
    held = session.execute(select(_E.c.id, _E.c.claimed_by).where(
        _E.c.status == PENDING, _E.c.claimed_until.is_not(None), _E.c.claimed_by.is_not(None))).all()
    dead = [effect_id for effect_id, owner in held if not alive(str(owner))]
    if dead:
        session.execute(update_(_E).where(_E.c.id.in_(dead), _E.c.status == PENDING).values(
            claimed_until=None, claimed_by=None, due_at=utcnow()))
    return len(dead)


def done(session: Session, effect_id: int, result: dict[str, Any] | None = None) -> None:
    session.execute(update_(_E).where(_E.c.id == effect_id).values(
        status=DONE, done_at=utcnow(), claimed_until=None, claimed_by=None, result=result or {}, last_error=None))


def retry_later(session: Session, effect: Effect, error: str, *, permanent: bool = False,
                at_least: float = 0.0) -> bool:
    """Back off (capped, doubling, at least ``at_least`` seconds: Slack's Retry-After); after too many attempts
    or a permanent error, mark it failed. True if failed."""
    failed = permanent or effect.attempts >= MAX_ATTEMPTS
    delay = max(timedelta(seconds=at_least), min(BACKOFF_CAP, timedelta(seconds=2 ** min(effect.attempts, 10))))
    session.execute(update_(_E).where(_E.c.id == effect.id).values(
        status=FAILED if failed else PENDING, claimed_until=None, claimed_by=None, last_error=error[:500],
        due_at=utcnow() + delay))
    return failed


def siblings(session: Session, effect: Effect, prefix: str | None = None) -> list[int]:
    """The other pending effects of the same kind and incident (and key ``prefix``), committed by now and not
    being delivered."""
    query = select(_E.c.id).where(_E.c.kind == effect.kind, _E.c.incident_id == effect.incident_id,
                                  _E.c.status == PENDING, _E.c.id != effect.id, _E.c.claimed_until.is_(None))
    if prefix is not None:
        query = query.where(_E.c.key.startswith(prefix, autoescape=True))
    return list(session.execute(query).scalars())


def covered(session: Session, effect: Effect, ids: list[int]) -> None:
    """``ids`` (read before ``effect`` was delivered) need no delivery of their own: ``effect`` did their work."""
    if ids:
        session.execute(update_(_E).where(_E.c.id.in_(ids), _E.c.status == PENDING).values(
            status=DONE, done_at=utcnow(), result={"covered_by": effect.id}))


def outbox_health(engine: Engine) -> dict[str, Any]:
    """For /healthz: effects that failed for good, and how long the oldest due one has waited (seconds)."""
    now = utcnow()
    with Session(engine) as session:
        failed: int = session.execute(select(func.count()).select_from(_E).where(_E.c.status == FAILED)
                                      ).scalar_one()
        oldest: datetime | None = session.execute(select(func.min(_E.c.due_at)).where(
            _E.c.status == PENDING, _E.c.due_at <= now)).scalar_one()
    waiting = (now - as_utc(oldest)).total_seconds() if oldest is not None else 0.0
    return {"effects_failed": int(failed), "effects_oldest_due_seconds": round(waiting, 1)}
