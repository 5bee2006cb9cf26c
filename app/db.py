"""Database engine and sessions: SQLite in WAL mode with one writer queue per process, or PostgreSQL with a pool.

SQLite serves one machine (``warroom serve``); PostgreSQL serves several web and worker processes at once.
The SQLite-only machinery (WAL pragmas, the process's write lock) is never set up for PostgreSQL.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from typing import Any, Protocol
from urllib.parse import quote

from sqlalchemy import event, make_url, text
from sqlalchemy.engine import Connection, CursorResult, Engine, Result
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql import Executable
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


def open_sqlite(path: str, *, timeout: float, autocommit: bool = False) -> sqlite3.Connection:
    """A connection to an existing SQLite file, usable from any thread; a missing file is an error, never created.

    ``autocommit`` leaves transactions to the caller's own ``BEGIN`` (``isolation_level=None``).
    """
    uri = f"file:{quote(os.path.abspath(path))}?mode=rw"
    if autocommit:
        return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None, check_same_thread=False)
    return sqlite3.connect(uri, uri=True, timeout=timeout, check_same_thread=False)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def make_engine(url: str, *, pool_size: int = POOL_SIZE) -> Engine:
    """Create the engine; SQLite gets WAL, foreign keys and a busy timeout on every connection.

    PostgreSQL gets a pool of ``pool_size`` connections (size it to the process's workers), checked before use
    so that a server restart costs no request.
    """
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:" and not path.startswith("file:"):
            # The file is created here, once; every later connection opens it read-write and never creates it,
            # so that a database file that went away (a volume unmounted, a file moved) is an error the health
            # check reports, not a new empty database the bot would go on writing to.
            sqlite3.connect(path).close()
            engine = create_engine(url, creator=lambda: open_sqlite(path, timeout=30))
        else:
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            # In WAL mode a commit then needs no fsync; only a checkpoint syncs (safe against a crash of the
            # process, which is what the bot must survive; a power cut may lose the last commits).
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            # Checkpoints run on the checkpointer's thread, not in the commit that fills the log past the
            # threshold (a request's, which then waited for the fsyncs); this is only the safety net.
            cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
            cursor.close()

        _write_locks[engine] = WriteLock()
        checkpointer.watch(engine)
        return engine
    url = postgres_url(url)
    if url.startswith("postgresql"):
        return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_timeout=30, pool_pre_ping=True)
    return create_engine(url, pool_pre_ping=True)


# SQLite's write-ahead log is copied back into the database file by a checkpoint, which syncs both files.
# Left to SQLite, the commit that grows the log past 1,000 pages runs it, and the alert that commit answers
# waits for the syncs (up to 100 ms under load). Here a thread of each process checkpoints its SQLite files
# every CHECKPOINT_EVERY seconds once the log is past CHECKPOINT_BYTES, on a connection of its own (beside
# the writers: a checkpoint blocks no writer in WAL mode), and a commit checkpoints only past the much larger
# AUTOCHECKPOINT_PAGES: the safety net should that thread fall behind.
CHECKPOINT_EVERY = 0.5
CHECKPOINT_BYTES = 1 << 20
AUTOCHECKPOINT_PAGES = 20_000


class Checkpointer:
    """Checkpoints the write-ahead log of every SQLite file engine it watches, on one daemon thread."""

    def __init__(self, every: float = CHECKPOINT_EVERY, threshold: int = CHECKPOINT_BYTES) -> None:
        self.every = every
        self.threshold = threshold
        self._files: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def watch(self, engine: Engine) -> None:
        path = engine.url.database
        if not path or path == ":memory:" or path.startswith("file:"):
            return  # no file of its own to checkpoint
        with self._lock:
            self._files[engine] = path
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="warroom-checkpoint", daemon=True)
                self._thread.start()

    def checkpoint_due(self) -> list[str]:
        """Checkpoint every watched file whose log is past the threshold; the files checkpointed."""
        with self._lock:
            paths = sorted(set(self._files.values()))
        done = []
        for path in paths:
            try:
                if os.path.getsize(f"{path}-wal") < self.threshold:
                    continue
                # mode=rw: a file removed meanwhile (a test's) is not created again.
                connection = open_sqlite(path, timeout=0, autocommit=True)
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                finally:
                    connection.close()
                done.append(path)
            except (OSError, sqlite3.Error):  # no log (yet), the file is gone, or another checkpoint runs
                continue
        return done

    def _run(self) -> None:
        while True:
            time.sleep(self.every)
            self.checkpoint_due()


checkpointer = Checkpointer()


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

    def held_here(self) -> bool:
        """Whether this thread holds the lock (is inside a write transaction)."""
        return self._owner == threading.get_ident()

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


def writing_here(engine: Engine) -> bool:
    """Whether this thread is inside a write transaction on ``engine`` (SQLite; always False for server databases,
    where another connection's write does not wait for it)."""
    lock = _write_locks.get(engine)
    return lock is not None and lock.held_here()


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


def write_alone(engine: Engine, statement: Executable, *, urgent: bool = False) -> int:
    """Run one write statement as a transaction of its own; how many rows it hit.

    On SQLite the statement runs in autocommit mode: SQLite takes its write lock, writes and commits within the
    statement's one step, which runs without the interpreter's lock. In a ``transaction`` the lock is held from
    the first write to the commit, across the interpreter's work between them and each wait to get the
    interpreter's lock back; a worker at lower priority, descheduled there, kept every other process's writer
    (the alert intake's) waiting that long. The statement must not return rows (no RETURNING: SQLite would
    commit only once they are read). ``urgent`` as for ``transaction``. Elsewhere it is an ordinary transaction."""
    lock = _write_locks.get(engine)
    if engine.dialect.name != "sqlite" or lock is None or lock.held_here() or _write_hook.get() is not None:
        # A server database; or a write inside another one, or one a follow-up's hook must see: as before.
        with transaction(engine, urgent=urgent) as session:
            return affected(session.execute(statement))
    with lock.urgent() if urgent else lock, engine.connect().execution_options(
            isolation_level="AUTOCOMMIT") as connection:
        return affected(connection.execute(statement))


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


class WriteHook(Protocol):
    """Told about every commit that wrote something, in the thread (context) that set it: see ``hooked_writes``."""

    def before_commit(self, session: OrmSession) -> None:
        """Runs inside the committing transaction (its writes commit, or roll back, with the others)."""

    def committed(self) -> None:
        """That transaction committed."""


_write_hook: ContextVar[WriteHook | None] = ContextVar("warroom_write_hook", default=None)
_WROTE, _HOOKED = "warroom_wrote", "warroom_hooked"
_DML = ("insert", "update", "delete", "upsert", "replace")


@contextmanager
def hooked_writes(hook: WriteHook) -> Iterator[None]:
    """Every session in this context (``transaction`` or a plain ``Session.commit()``: the hook is a session
    event, so no flow can forget it) that wrote something calls ``hook.before_commit(session)`` just before its
    outermost commit, inside that transaction, and ``hook.committed()`` once it committed. Read-only sessions
    and other threads are not told."""
    token = _write_hook.set(hook)
    try:
        yield
    finally:
        _write_hook.reset(token)


@event.listens_for(OrmSession, "after_flush")
def _flushed(session: OrmSession, _context: Any) -> None:
    if _write_hook.get() is not None:
        session.info[_WROTE] = True


@event.listens_for(OrmSession, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if _write_hook.get() is None:
        return
    if state.is_insert or state.is_update or state.is_delete or (
            not state.is_select and str(state.statement).lstrip().lower().startswith(_DML)):
        state.session.info[_WROTE] = True


@event.listens_for(OrmSession, "before_commit")
def _before_commit(session: OrmSession) -> None:
    hook = _write_hook.get()
    if hook is None or session.in_nested_transaction():
        return
    session.flush()
    if session.info.pop(_WROTE, False):
        hook.before_commit(session)
        session.info[_HOOKED] = hook


@event.listens_for(OrmSession, "after_commit")
def _after_commit(session: OrmSession) -> None:
    session.info.pop(_WROTE, None)
    hook: WriteHook | None = session.info.pop(_HOOKED, None)
    if hook is not None:
        hook.committed()


@event.listens_for(OrmSession, "after_transaction_end")
def _ended(session: OrmSession, ended: Any) -> None:
    if ended.parent is None:  # the outermost transaction (a savepoint's end leaves the outer writes counted)
        session.info.pop(_WROTE, None)
        session.info.pop(_HOOKED, None)
