"""How the web role stores its accepted requests: at once on SQLite when nothing holds the lock, else in batches.

An ack waits for its row's commit (store first, then tell Slack), so the write is on the ack's path.

On SQLite the row is inserted right where the ack runs (the event loop), on a connection of the writer's own
that never waits: one autocommitted INSERT holds SQLite's write lock for microseconds, and an ack so stored
takes no hop to a thread and back (each a wake-up the OS may delay when the CPU is busy). Only while another
writer (the worker, this process's alert intake) holds the lock does the row go to the writer thread.

The writer thread (and every row on a server database such as PostgreSQL) shares one commit among the rows
that arrive together: under load, rows queue up while a commit runs and the next commit takes them all. On
SQLite it commits on its own connection and looks at the lock every half millisecond while another writer
holds it, rather than sleeping in SQLite's busy handler (up to 100 ms a sleep, which the ack would wait too).
The ack's side only queues three strings (no ORM object is built on the event loop).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Engine, insert
from sqlalchemy.dialects import sqlite
from sqlmodel import col

from app.batching import MAX_BATCH, GroupCommit
from app.db import open_sqlite, transaction
from app.requests_queue.models import AcceptedRequest
from app.timeutil import utcnow
from app.workers.wakeup import REQUESTS, rung

log = logging.getLogger(__name__)
TABLE = AcceptedRequest.__tablename__
INSERT = (f"INSERT INTO {TABLE} (function, content_type, body, received_at, status, attempts) "
          "VALUES (?, ?, ?, ?, 'waiting', 0)")
COMMIT_WAIT = 2.5  # seconds the writer waits for SQLite's lock (an ack waits 2 s for its row, Slack 3 s)
RETRY_EVERY = 0.0005  # seconds between two looks at SQLite's lock


class Accepted(NamedTuple):
    """A request to store: which follow-up runs it, and the raw body the web role verified."""

    function: str
    content_type: str
    body: str


_Item = tuple[Accepted, Future[int]]


class AcceptWriter(GroupCommit[Accepted, int]):
    """``submit(accepted)`` returns a future of the row's id, set once the row is committed."""

    def __init__(self, engine: Engine, max_batch: int = MAX_BATCH, commit_wait: float = COMMIT_WAIT) -> None:
        self.engine = engine
        self.commit_wait = commit_wait
        url = engine.url
        self._path: str | None = (url.database if url.get_backend_name() == "sqlite" and url.database
                                   and url.database != ":memory:" else None)
        self._sqlite: sqlite3.Connection | None = None
        self._writing = threading.Lock()  # the writer's own SQLite connection
        self._stamp = _sqlite_stamp()
        super().__init__("warroom-accept", max_batch)

    def submit(self, item: Accepted) -> Future[int]:
        """The row's future: already set when it could be stored at once (SQLite's lock was free)."""
        row_id = self.store_at_once(item)
        if row_id is None:
            return super().submit(item)
        future: Future[int] = Future()
        future.set_result(row_id)
        return future

    def store_at_once(self, item: Accepted) -> int | None:
        """The row's id, committed on the caller's thread without waiting; None when that would wait (another
        writer holds SQLite's lock, the writer is busy, the database is a server), or fail: the writer thread
        then stores it."""
        if self._path is None or not self._writing.acquire(blocking=False):
            return None
        try:
            cursor = self._connection().execute(INSERT, (*item, self._stamp(utcnow())))
            rung(self.engine, REQUESTS)  # committed (autocommit): the engine's own events never saw this insert
            return cursor.lastrowid
        except sqlite3.Error as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                log.warning("an accepted request goes to the writer thread: %s", exc)
            return None
        finally:
            self._writing.release()

    def _connection(self) -> sqlite3.Connection:
        if self._sqlite is None:
            assert self._path is not None
            self._sqlite = open_sqlite(self._path, timeout=0, autocommit=True)
            # As the bot's own connections (app/db.py): in WAL mode a commit needs no fsync. Checkpoints are
            # left to those connections, so that none runs inside an ack.
            self._sqlite.execute("PRAGMA synchronous=NORMAL")
            self._sqlite.execute("PRAGMA wal_autocheckpoint=0")
        return self._sqlite

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)
        with self._writing:
            if self._sqlite is not None:
                self._sqlite.close()
                self._sqlite = None

    def commit(self, batch: list[_Item]) -> None:
        if self._path is not None:
            self._commit_sqlite(batch)
            return
        now = utcnow()
        rows = [{"function": a.function, "content_type": a.content_type, "body": a.body, "received_at": now,
                 "status": "waiting", "attempts": 0} for a, _ in batch]
        try:
            with transaction(self.engine, urgent=True) as session:
                stored = insert(AcceptedRequest).returning(col(AcceptedRequest.id), sort_by_parameter_order=True)
                ids = [row_id for row_id in session.scalars(stored, rows) if row_id is not None]
        except Exception as exc:  # nothing of this batch is stored: each ack fails, and Slack shows the person
            log.exception("could not store %d accepted requests", len(batch))
            for _, future in batch:
                future.set_exception(exc)
            return
        for (_, future), row_id in zip(batch, ids, strict=True):
            future.set_result(row_id)


    def _commit_sqlite(self, batch: list[_Item]) -> None:
        """The batch in one transaction on the writer's own connection. While another writer holds SQLite's lock
        it looks again every half millisecond (SQLite's busy handler sleeps up to 100 ms between looks, which an
        ack waiting on this commit would wait too), until the acks would have given up."""
        stamp = self._stamp(utcnow())
        deadline = time.monotonic() + self.commit_wait
        try:
            with self._writing:
                connection = self._connection()
                while True:
                    try:
                        connection.execute("BEGIN IMMEDIATE")
                        break
                    except sqlite3.OperationalError as exc:
                        if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                            raise
                    time.sleep(RETRY_EVERY)
                try:
                    ids = [connection.execute(INSERT, (*accepted, stamp)).lastrowid for accepted, _ in batch]
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
        except Exception as exc:  # nothing of this batch is stored: each ack fails, and Slack shows the person
            log.exception("could not store %d accepted requests", len(batch))
            for _, future in batch:
                future.set_exception(exc)
            return
        rung(self.engine, REQUESTS)
        for (_, future), row_id in zip(batch, ids, strict=True):
            future.set_result(int(row_id or 0))


def _sqlite_stamp() -> Callable[[datetime], Any]:
    """``received_at`` as the column's own type writes it to SQLite (the ORM reads it back the same way)."""
    dialect = sqlite.dialect()
    column_type = AcceptedRequest.__table__.c.received_at.type  # type: ignore[attr-defined]  # set by SQLModel, unknown to mypy
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else (lambda value: value)
