"""Writing to and reading an incident's timeline: everything that happens is recorded here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlmodel import Session, col, func, select

from app.incidents.kinds import TimelineKind
from app.incidents.models import TimelineEvent
from app.timeutil import utcnow

_INSERT = cast(Table, TimelineEvent.__table__).insert()  # type: ignore[attr-defined]  # set by SQLModel

# A plain string is taken from the modules that still name kinds by their value; it must be one of them.
Kind = TimelineKind | str


def kind_of(kind: Kind) -> TimelineKind:
    """The member for ``kind``; a value that is no kind raises ValueError naming it."""
    try:
        return TimelineKind(kind)
    except ValueError:
        raise ValueError(f"{kind!r} is not a kind of timeline event: add it to app.incidents.kinds.TimelineKind"
                         ) from None


def record(
    session: Session, incident_id: int, kind: Kind, text: str = "", *, actor: str | None = None,
    at: datetime | None = None, **data: Any,
) -> TimelineEvent:
    """Append an event; it is committed with the surrounding transaction."""
    event = TimelineEvent(incident_id=incident_id, kind=kind_of(kind), text=text, actor=actor, at=at or utcnow(),
                          data=data)
    session.add(event)
    return event


def record_many(session: Session, events: list[dict[str, Any]]) -> None:
    """Append several events at once (keys incident_id, kind, text, actor, at, data), as one statement."""
    if events:
        session.execute(_INSERT, [{**event, "kind": kind_of(event["kind"]).value} for event in events])


def latest(session: Session, incident_id: int, *, limit: int = 20, kinds: Sequence[Kind] = ()) -> list[TimelineEvent]:
    """The newest events first, bounded (uses the (incident_id, at) index)."""
    query = select(TimelineEvent).where(TimelineEvent.incident_id == incident_id)
    if kinds:
        query = query.where(col(TimelineEvent.kind).in_([kind_of(kind) for kind in kinds]))
    query = query.order_by(col(TimelineEvent.at).desc(), col(TimelineEvent.id).desc()).limit(limit)
    return list(session.exec(query))


def all_events(session: Session, incident_id: int) -> list[TimelineEvent]:
    query = select(TimelineEvent).where(TimelineEvent.incident_id == incident_id)
    return list(session.exec(query.order_by(col(TimelineEvent.at), col(TimelineEvent.id))))


def count(session: Session, incident_id: int, kind: Kind | None = None) -> int:
    query = select(func.count()).select_from(TimelineEvent).where(TimelineEvent.incident_id == incident_id)
    if kind:
        query = query.where(TimelineEvent.kind == kind_of(kind))
    return session.exec(query).one()
