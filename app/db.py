"""Database engine and sessions: SQLite in WAL mode with one writer queue per process, or PostgreSQL with a pool.

SQLite serves one machine (``warroom serve``); PostgreSQL serves several web and worker processes at once.
The SQLite-only machinery (WAL pragmas, the process's write lock) is never set up for PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, Protocol

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, CursorResult, Engine, Result
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine


class HasEngine(Protocol):
    """Anything that carries the database engine (the runtime, ``app.core.Core``)."""

    @property
    def engine(self) -> Engine: ...


# Connections each process keeps open to PostgreSQL (as many again may be opened for bursts): enough for the
# threads that touch the database at once (request handlers, set-up workers, the sweep's job workers).
POOL_SIZE = 10


def postgres_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` URLs (as hosting platforms write them) use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def make_engine(url: str, *, pool_size: int = POOL_SIZE) -> Engine:
    """Create the engine; SQLite gets WAL, foreign keys and a busy timeout on every connection.

    PostgreSQL gets a pool of ``pool_size`` connections (size it to the process's workers), checked before use
    so that a server restart costs no request.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        _write_locks[engine] = WriteLock()
        return engine
    url = postgres_url(url)
    if url.startswith("postgresql"):
        return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_timeout=30, pool_pre_ping=True)
    return create_engine(url, pool_pre_ping=True)


# How long an urgent writer (someone is waiting on the answer) queues behind this process's other writers
# before it gives up with "database is locked", which the alert intake answers with 503 and Retry-After.
URGENT_WAIT = 5.0


class WriteLock:
    """A re-entrant lock on which urgent writers (the alert intake) go before the others waiting."""

    def __init__(self) -> None:
        self._state = threading.Condition()
        self._owner: int | None = None
        self._depth = 0
        self._urgent_waiting = 0

    def acquire(self, urgent: bool = False) -> None:
        me = threading.get_ident()
        with self._state:
            if self._owner == me:
                self._depth += 1
                return
            self._urgent_waiting += urgent
            deadline = time.monotonic() + URGENT_WAIT
            try:
                while self._owner is not None or (self._urgent_waiting and not urgent):
                    left = deadline - time.monotonic()
                    if urgent and left <= 0:  # the caller is waiting: say the database is busy, do not hang
                        raise OperationalError("waiting for this process's write queue", {},
                                               sqlite3.OperationalError("database is locked (write queue full)"))
                    self._state.wait(left if urgent else None)
            finally:
                self._urgent_waiting -= urgent
            self._owner, self._depth = me, 1

    def release(self) -> None:
        with self._state:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._state.notify_all()

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()

    @contextmanager
    def urgent(self) -> Iterator[None]:
        self.acquire(urgent=True)
        try:
            yield
        finally:
            self.release()


# SQLite has one writer at a time, and a writer that finds the file locked sleeps in growing steps (up
# to 100 ms) before it looks again. Under load those sleeps, not the writes, made the wait. Writers of
# one process therefore queue on a lock of their own and take turns without sleeping: the transactions
# below.
_write_locks: weakref.WeakKeyDictionary[Engine, WriteLock] = weakref.WeakKeyDictionary()


def write_lock(engine: Engine) -> AbstractContextManager[Any]:
    """The lock this process's writers to ``engine`` take turns on (none for server databases)."""
    return _write_locks.get(engine) or nullcontext()


def affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE hit (its result is a cursor result, which counts them)."""
    assert isinstance(result, CursorResult), "only UPDATE, DELETE and INSERT results count rows"
    return result.rowcount


@contextmanager
def transaction(engine: Engine, *, urgent: bool = False) -> Iterator[Session]:
    """A session whose work is committed together at the end, or rolled back on any error.

    ``urgent`` writers (whose caller is waiting, like a monitoring tool on the alert intake) get the write
    lock before the others waiting for it.
    """
    lock = _write_locks.get(engine)
    turn = (lock.urgent() if urgent else lock) if lock is not None else nullcontext()
    with turn, Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# PostgreSQL's advisory locks, named by text. Two processes taking the same name wait for (``lock_names``) or
# skip (``HeldLock``) each other; SQLite has one process per database, whose own locks already do this.
_ORDERED_LOCKS = text(
    "SELECT count(pg_advisory_xact_lock(h)) FROM (SELECT DISTINCT hashtextextended(name, 0) AS h "
    "FROM unnest(CAST(:names AS text[])) AS name ORDER BY h) AS ordered")


def lock_names(session: Session, names: Iterable[str]) -> None:
    """Lock ``names`` until the session's transaction ends (PostgreSQL; nothing on SQLite).

    All names are taken in one statement, in one fixed order, so transactions locking overlapping sets wait
    for each other and never deadlock.
    """
    wanted = sorted(set(names))
    if wanted and session.get_bind().dialect.name == "postgresql":
        session.execute(_ORDERED_LOCKS, {"names": wanted})


class HeldLock:
    """A lock on a name held by this process until ``release`` (PostgreSQL: a session advisory lock on a
    connection of its own, freed by the server when the process dies, even by ``kill -9``).

    On SQLite ``acquire`` always succeeds: one process serves the database and guards itself.
    """

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.name = name
        self._connection: Connection | None = None

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; False (at once, without waiting) if another process does."""
        if not is_postgres(self.engine):
            return True
        connection = self.engine.connect()
        try:
            taken: bool = connection.execute(text("SELECT pg_try_advisory_lock(hashtextextended(:name, 0))"),
                                       {"name": self.name}).scalar_one()
            connection.commit()
        except BaseException:
            connection.invalidate()
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock(hashtextextended(:name, 0))"), {"name": self.name})
            connection.commit()
        except Exception:
            connection.invalidate()  # a lost connection has lost its lock with it
        finally:
            connection.close()
