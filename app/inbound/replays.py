"""Replay protection: a signed request re-sent within Slack's five-minute window is acted on once.

Each request's signature is inserted once into ``seen_slack_requests`` (its primary key makes a second
insert fail, also across processes sharing the database); rows past the window are pruned now and then.

On the event loop (the web role) the check never waits for SQLite's write lock: while another writer holds it
(the worker process, whose transactions can take a while when the CPU is scarce), this process's memory of
recent signatures answers and the row is written by a thread of the guard as soon as the lock is free. On
SQLite one web process serves a database, so its memory is the whole answer there; the row keeps the
signature across a restart.
"""

from __future__ import annotations

import logging
import queue
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
        self._late: queue.SimpleQueue[tuple[str, int] | None] = queue.SimpleQueue()
        self._late_thread: threading.Thread | None = None
        self.written_late = 0  # signatures written after their ack (the database was busy then)

    def first_time(self, signature: str, timestamp: int, now: float | None = None) -> bool:
        """Record the request; False when the same signature was recorded before (a replay)."""
        if not self._remember(signature, timestamp):
            return False
        return self.record(signature, timestamp, now)

    def first_time_at_once(self, signature: str, timestamp: int, now: float | None = None) -> bool | None:
        """``first_time`` without waiting (for the event loop). On SQLite, while another writer holds the lock
        (or this guard's connection is in use), this process's memory answers and the row is written later, by
        the guard's thread, which also does the clean-ups. None on a server database (PostgreSQL): then call
        ``record`` off the loop. This process's memory of the signature is already updated either way."""
        if not self._remember(signature, timestamp):
            return False
        if self._path is None:
            return None
        now = time.time() if now is None else now
        if self._prune_due(now):  # the clean-up is the guard thread's (an empty signature asks for it)
            self._record_later("", int(now) - MAX_AGE)
        if not self._writing.acquire(blocking=False):
            self._record_later(signature, timestamp)
            return True
        try:
            connection = self._connection()
            return connection.execute(f"INSERT OR IGNORE INTO {TABLE} (signature, timestamp) VALUES (?, ?)",
                                      (signature, timestamp)).rowcount == 1
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                self._record_later(signature, timestamp)
                return True
            log.warning("replay check answered from memory: the database did not take the write (%s)", exc)
            metrics.REPLAY_CHECKS_FROM_MEMORY.inc()
            return True
        finally:
            self._writing.release()

    def _record_later(self, signature: str, timestamp: int) -> None:
        with self._lock:
            if self._late_thread is None:
                self._late_thread = threading.Thread(target=self._write_late, name="warroom-replays", daemon=True)
                self._late_thread.start()
        self._late.put((signature, timestamp))

    def _write_late(self) -> None:
        """The guard's thread: writes the signatures answered from memory once SQLite's lock is free."""
        while (item := self._late.get()) is not None:
            while True:
                try:
                    with self._writing:
                        self._write_one(*item)
                    break
                except sqlite3.OperationalError as exc:
                    if "locked" in str(exc) or "busy" in str(exc):
                        continue  # still busy after LOCK_WAIT: the connection is let go a moment, then again
                    log.warning("could not record a request's signature (%s): only this process remembers it", exc)
                    break

    def _write_one(self, signature: str, timestamp: int) -> None:
        if not signature:  # a clean-up: the signatures older than ``timestamp`` go
            connection = self._connection()
            _retry_while_locked(lambda: connection.execute(f"DELETE FROM {TABLE} WHERE timestamp < ?", (timestamp,)))
            return
        inserted = self._insert_waiting(signature, timestamp)
        self.written_late += 1
        if not inserted:  # another process recorded it first: it was sent to both
            log.warning("a signed request (signature %s...) reached another process as well while the database "
                        "was busy", signature[:12])

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

    def _insert_waiting(self, signature: str, timestamp: int) -> bool:
        """Insert the signature, waiting up to LOCK_WAIT for SQLite's lock; True when it was new (``_writing`` held)."""
        connection = self._connection()
        return _retry_while_locked(lambda: connection.execute(
            f"INSERT OR IGNORE INTO {TABLE} (signature, timestamp) VALUES (?, ?)", (signature, timestamp)
        ).rowcount == 1)

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
            inserted = self._insert_waiting(signature, timestamp)
            connection = self._connection()
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
        """Write the signatures still waiting for the database, then close the guard's connection."""
        if self._late_thread is not None:
            self._late.put(None)
            self._late_thread.join(10)
            self._late_thread = None
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
