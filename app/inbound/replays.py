"""Replay protection: a signed request re-sent within Slack's five-minute window is acted on once.

Each request's signature is inserted once into ``seen_slack_requests`` (its primary key makes a second
insert fail, also across processes sharing the database); rows past the window are pruned now and then.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import delete, insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import col

from app import metrics
from app.db import open_sqlite, transaction
from app.inbound.models import SeenRequest
from app.inbound.signature import MAX_AGE

T = TypeVar("T")

PRUNE_EVERY = 60.0  # seconds between two clean-ups of expired signatures
# Slack waits on the ack: the database gets this long, then this process's own memory decides alone (a replay
# that reaches another process while the database is locked is the one case that can slip through).
LOCK_WAIT = 0.25
REMEMBERED = 50_000  # signatures this process keeps in memory (five minutes of very heavy traffic)
RETRY_EVERY = 0.0005
TABLE = SeenRequest.__tablename__
log = logging.getLogger(__name__)


class ReplayGuard:
    """Remembers the signatures of handled requests for as long as they could be replayed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._next_prune = 0.0
        self._lock = threading.Lock()  # the memory of recent signatures
        self._writing = threading.Lock()  # the SQLite connection of this guard
        self._sqlite: sqlite3.Connection | None = None
        self._recent: OrderedDict[str, int] = OrderedDict()
        url = engine.url
        self._path: str | None = (url.database if url.get_backend_name() == "sqlite" and url.database
                                   and url.database != ":memory:" else None)

    def first_time(self, signature: str, timestamp: int, now: float | None = None) -> bool:
        """Record the request; False when the same signature was recorded before (a replay)."""
        if not self._remember(signature, timestamp):
            return False
        return self.record(signature, timestamp, now)

    def first_time_at_once(self, signature: str, timestamp: int, now: float | None = None) -> bool | None:
        """``first_time`` without waiting (for the event loop): None when the answer needs a wait (another
        writer holds SQLite's lock, a clean-up is due, or the database is a server): then call ``record``
        off the loop. This process's memory of the signature is already updated either way."""
        if not self._remember(signature, timestamp):
            return False
        if self._path is None or self._prune_due(time.time() if now is None else now, consume=False):
            return None
        if not self._writing.acquire(blocking=False):
            return None
        try:
            connection = self._connection()
            return connection.execute(f"INSERT OR IGNORE INTO {TABLE} (signature, timestamp) VALUES (?, ?)",
                                      (signature, timestamp)).rowcount == 1
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return None
            log.warning("replay check answered from memory: the database did not take the write (%s)", exc)
            metrics.REPLAY_CHECKS_FROM_MEMORY.inc()
            return True
        finally:
            self._writing.release()

    def record(self, signature: str, timestamp: int, now: float | None = None) -> bool:
        """The database's part of ``first_time`` (this process's memory already has the signature)."""
        now = time.time() if now is None else now
        prune = self._prune_due(now)
        try:
            if self._path is not None:
                return self._sqlite_first_time(signature, timestamp, int(now) - MAX_AGE if prune else None)
            # A server database (PostgreSQL) takes concurrent writers itself: an ordinary transaction.
            with transaction(self.engine, urgent=True) as session:
                session.execute(insert(SeenRequest).values(signature=signature, timestamp=timestamp))
                if prune:
                    session.execute(delete(SeenRequest).where(col(SeenRequest.timestamp) < int(now) - MAX_AGE))
        except IntegrityError:
            return False
        except (sqlite3.OperationalError, OperationalError) as exc:
            log.warning("replay check answered from memory: the database did not take the write (%s)", exc)
            metrics.REPLAY_CHECKS_FROM_MEMORY.inc()
        return True

    def _remember(self, signature: str, timestamp: int) -> bool:
        """This process's memory of recent signatures; False when it has seen this one."""
        with self._lock:
            if signature in self._recent:
                return False
            self._recent[signature] = timestamp
            while len(self._recent) > REMEMBERED:
                self._recent.popitem(last=False)
            return True

    def _sqlite_first_time(self, signature: str, timestamp: int, prune_before: int | None) -> bool:
        # Slack waits on this write: one autocommitted statement on a connection of its own, outside the
        # process's queue of writers, so it holds SQLite's write lock for microseconds and never waits for
        # a whole transaction of the bot's own. While another writer holds the lock it looks again every
        # half millisecond, instead of SQLite's busy handler, whose sleeps grow to 100 ms.
        with self._writing:
            connection = self._connection()
            inserted = _retry_while_locked(lambda: connection.execute(
                f"INSERT OR IGNORE INTO {TABLE} (signature, timestamp) VALUES (?, ?)", (signature, timestamp)
            ).rowcount == 1)
            if prune_before is not None:
                # A request older than the window is refused by its timestamp: its signature can go.
                _retry_while_locked(lambda: connection.execute(f"DELETE FROM {TABLE} WHERE timestamp < ?",
                                                               (prune_before,)))
        return inserted

    def _connection(self) -> sqlite3.Connection:
        if self._sqlite is None:
            assert self._path is not None  # only SQLite files are written through this connection
            self._sqlite = open_sqlite(self._path, timeout=0, autocommit=True)
            # As the bot's own connections (app/db.py): in WAL mode a commit then needs no fsync. Checkpoints
            # are left to those connections, so that none runs inside an ack.
            self._sqlite.execute("PRAGMA synchronous=NORMAL")
            self._sqlite.execute("PRAGMA wal_autocheckpoint=0")
        return self._sqlite

    def close(self) -> None:
        with self._writing:
            if self._sqlite is not None:
                self._sqlite.close()
                self._sqlite = None

    def _prune_due(self, now: float, consume: bool = True) -> bool:
        with self._lock:
            if now < self._next_prune:
                return False
            if consume:
                self._next_prune = now + PRUNE_EVERY
            return True


def _retry_while_locked(statement: Callable[[], T]) -> T:
    """Run ``statement`` until SQLite's write lock is free (or LOCK_WAIT passes)."""
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            return statement()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(RETRY_EVERY)
