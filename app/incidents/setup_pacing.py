"""Pacing a room's set-up to Slack's rate limits, so that urgent rooms never wait behind a storm.

Slack counts its limits per method and workspace, so every process that sets up rooms spends one budget:
it lives in the database (``slack_pacing``, a row per method). After a 429 every room waiting for that
method waits for the same moment (Slack's Retry-After, stored on the row), instead of each asking and
being refused, and the set-up order then decides who goes first. Of the Tier-2 methods (about 20 calls a
minute), rooms of low and medium incidents leave the last few calls of each minute to high and critical ones.

A call is counted with a compare-and-set: the row's call times (the last minute's) are read, and written
back with the new call only if nobody changed the row meanwhile (its ``version``); otherwise the reading is
done again. This needs no lock, so it works alike on SQLite (one process) and PostgreSQL (several).
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta
from typing import Any, cast

from prometheus_client import Counter
from sqlalchemy import JSON, Column, Table, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Field, Session, SQLModel, create_engine

from app.db import transaction, write_alone
from app.dbtypes import UTCDateTime
from app.timeutil import utcnow

# The method each step is limited by (chat.postMessage is limited per channel, so it is not here).
STEP_METHOD = {"create_channel": "conversations.create", "invite": "conversations.invite",
               "set_topic": "conversations.setTopic", "pin_briefing": "pins.add", "bookmark": "bookmarks.add"}
TIER_2 = {"conversations.create", "conversations.setTopic", "pins.add", "bookmarks.add"}
TIER_2_PER_MINUTE = 20
KEPT_FOR_URGENT = 5
URGENT = {"critical", "high"}
WINDOW = 60.0  # seconds: Slack's limits are per minute, over a sliding window
TRIES = 50  # compare-and-set rounds before giving up (each lost round means another process counted a call)
CONFLICTS = Counter("warroom_pacing_conflicts_total",
                    "Calls counted again because another set-up changed the method's budget row meanwhile", ["method"])


class SlackPacing(SQLModel, table=True):
    """One Slack method's budget, shared by every process: its calls in the last minute and its Retry-After."""

    __tablename__ = "slack_pacing"

    method: str = Field(primary_key=True)
    calls: list[float] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # Unix times
    version: int = 0
    closed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


_T = cast(Table, SlackPacing.__table__)  # type: ignore[attr-defined]  # set by SQLModel, unknown to mypy


class PacingContention(RuntimeError):
    """The budget's row kept changing under this process (far more set-ups at once than Slack allows)."""


def _private_engine() -> Engine:
    """A database of this process alone, for a Pacing given none (the budget is then not shared)."""
    engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
    _T.create(engine)
    return engine


class Pacing:
    """Slack's limits for the set-up's methods, as every process using ``engine`` spends them."""

    def __init__(self, engine: Engine | None = None) -> None:
        self.engine = engine if engine is not None else _private_engine()
        # The private database has one connection: its users take turns.
        self._turn: AbstractContextManager[Any] = threading.Lock() if engine is None else nullcontext()

    def wait_until(self, step: str, severity: str) -> datetime | None:
        """None when the step may call Slack now (and the call is counted), else when it may."""
        method = STEP_METHOD.get(step)
        if method is None:
            return None
        with self._turn:
            return self._take(method, severity)

    def _take(self, method: str, severity: str) -> datetime | None:
        if method not in TIER_2:
            return self._closed(method)
        allowed = TIER_2_PER_MINUTE if severity in URGENT else TIER_2_PER_MINUTE - KEPT_FOR_URGENT
        for _ in range(TRIES):
            now = utcnow()
            row = self._row(method)
            if row.closed_until is not None and row.closed_until > now:
                return row.closed_until
            stamp = now.timestamp()
            calls = [t for t in row.calls if t > stamp - WINDOW]
            if len(calls) >= allowed:
                return now + timedelta(seconds=calls[len(calls) - allowed] + WINDOW - stamp)
            if self._swap(method, row.version, [*calls, stamp]):
                return None
            CONFLICTS.labels(method=method).inc()
        raise PacingContention(f"could not count a call of {method} after {TRIES} tries")

    def refused(self, step: str, retry_after: float) -> datetime | None:
        """Slack answered 429 to this step's method: when every room may ask again (None if not paced)."""
        method = STEP_METHOD.get(step)
        if method is None:
            return None
        reopen = utcnow() + timedelta(seconds=retry_after)
        with self._turn:
            return self._close(method, reopen)

    def _close(self, method: str, reopen: datetime) -> datetime:
        self._row(method)
        with transaction(self.engine) as session:  # only ever later: a shorter Retry-After does not reopen it
            session.execute(update(_T).where(_T.c.method == method)
                            .where((_T.c.closed_until.is_(None)) | (_T.c.closed_until < reopen))
                            .values(closed_until=reopen))
            closed: datetime = session.execute(select(_T.c.closed_until).where(_T.c.method == method)).scalar_one()
        return closed

    def _closed(self, method: str) -> datetime | None:
        with Session(self.engine) as session:
            closed = session.execute(select(_T.c.closed_until).where(_T.c.method == method)).scalar()
        return closed if closed is not None and closed > utcnow() else None

    def _row(self, method: str) -> SlackPacing:
        """The method's row as stored now (created, empty, on first use)."""
        with Session(self.engine) as session:
            found = session.execute(select(_T.c.calls, _T.c.version, _T.c.closed_until)
                                    .where(_T.c.method == method)).first()
        if found is not None:
            return SlackPacing(method=method, calls=list(found[0] or []), version=found[1], closed_until=found[2])
        with transaction(self.engine) as session:
            insert = pg_insert(_T) if session.get_bind().dialect.name == "postgresql" else sqlite_insert(_T)
            values: dict[str, Any] = {"method": method, "calls": [], "version": 0, "closed_until": None}
            session.execute(insert.values(**values).on_conflict_do_nothing(index_elements=[_T.c.method]))
        return self._row(method)

    def _swap(self, method: str, version: int, calls: list[float]) -> bool:
        """Store ``calls`` if the row is still at ``version`` (nobody counted a call since it was read)."""
        swap = update(_T).where(_T.c.method == method, _T.c.version == version).values(calls=calls, version=version + 1)
        return write_alone(self.engine, swap) == 1
