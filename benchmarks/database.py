"""Read-only looks into the server's SQLite file while it runs (the benchmark never writes there)."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime


def connect(database_url: str) -> sqlite3.Connection:
    path = database_url.removeprefix("sqlite:///")
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30, check_same_thread=False)
    connection.execute("PRAGMA busy_timeout=30000")
    return connection


def scalar(database_url: str, query: str, *args) -> object:
    connection = connect(database_url)
    try:
        return connection.execute(query, args).fetchone()[0]
    finally:
        connection.close()


def rows(database_url: str, query: str, *args) -> list[tuple]:
    connection = connect(database_url)
    try:
        return connection.execute(query, args).fetchall()
    finally:
        connection.close()


def epoch(value: str | None) -> float | None:
    """A stored UTC datetime as seconds since the epoch."""
    if not value:
        return None
    stamp = datetime.fromisoformat(value)
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp()


def wait_ready(database_url: str, incident_ids: list[int], timeout: float) -> dict[int, tuple[str, float]]:
    """Poll until every incident's room is ready; returns incident id -> (channel id, ready time)."""
    deadline = time.monotonic() + timeout
    connection = connect(database_url)
    try:
        while True:
            marks = ",".join("?" * len(incident_ids))
            rows = connection.execute(
                f"SELECT id, channel_id, room_ready_at FROM incidents WHERE id IN ({marks}) "
                "AND room_ready_at IS NOT NULL", incident_ids).fetchall()
            if len(rows) == len(incident_ids):
                return {row[0]: (row[1], epoch(row[2])) for row in rows}
            if time.monotonic() > deadline:
                missing = sorted(set(incident_ids) - {row[0] for row in rows})
                raise TimeoutError(f"rooms of incidents {missing[:10]} not ready after {timeout:.0f} s")
            time.sleep(0.005)
    finally:
        connection.close()
