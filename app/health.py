"""Health of the database behind /healthz: reachable, and free for a writer within a short wait."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine

BUSY_AFTER = 1.0  # seconds a writer may wait for SQLite's write lock before the database counts as busy


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str

    def as_dict(self) -> dict:
        return {"ok": self.ok, "detail": self.detail}


def database_check(engine: Engine, busy_after: float = BUSY_AFTER) -> Check:
    """Can the bot read the database and get its write lock within ``busy_after`` seconds?"""
    database = engine.url.database
    if engine.url.get_backend_name() == "sqlite" and database and database != ":memory:":
        return _sqlite_check(database, busy_after)
    try:
        with engine.connect() as connection:
            if engine.dialect.name != "postgresql":
                connection.execute(text("SELECT 1"))
                return Check(True, "reachable")
            # A standby (or a server set read-only) answers but takes no writes.
            read_only: bool = connection.execute(text(
                "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'")).scalar_one()
    except Exception as exc:  # any driver error means the database does not answer
        return Check(False, f"unreachable: {type(exc).__name__}: {exc}".splitlines()[0])
    return Check(False, "read-only: the server takes no writes") if read_only else Check(True, "reachable, writable")


def _sqlite_check(path: str, busy_after: float) -> Check:
    # A connection of its own (not from the pool): it never creates a missing file, and its short busy
    # timeout never leaks into the bot's connections.
    try:
        connection = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=busy_after,
                                     isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        return Check(False, f"unreachable: {exc} ({path})")
    try:
        connection.execute("SELECT count(*) FROM alembic_version").fetchone()
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return Check(False, f"busy: another writer held the database for more than {busy_after:g} s ({exc})")
            raise
        connection.execute("ROLLBACK")
    except sqlite3.Error as exc:
        return Check(False, f"unreachable: {exc} ({path})")
    finally:
        connection.close()
    return Check(True, "reachable, writable")
