"""When the database cannot take an alert (locked past its wait, disk full) the intake answers 503 with
Retry-After, so the sender keeps the alert and sends it again; nothing half-stored is left behind."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, text
from sqlmodel import Session, select

from app.alerts.models import Alert
from app.incidents.models import Incident
from tests.conftest import social_alert

pytestmark = pytest.mark.sqlite_only("SQLite's write lock held by another process, SQLite's full disk")


def on_every_new_connection(engine, *pragmas: str) -> None:
    """Run ``pragmas`` on each connection the engine opens from now on (after its own set-up)."""
    @event.listens_for(engine, "connect")
    def _apply(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in pragmas:
            cursor.execute(pragma)
        cursor.close()

    engine.dispose()  # pooled connections go: the next ones get the pragmas


def counts(box) -> tuple[int, int]:
    with Session(box.core.engine) as session:
        return len(session.exec(select(Alert)).all()), len(session.exec(select(Incident)).all())


def test_a_database_locked_past_its_wait_gives_503_with_retry_after(sandbox):
    on_every_new_connection(sandbox.core.engine, "PRAGMA busy_timeout=200")
    holder = sqlite3.connect(sandbox.directory / "warroom.db", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        answer = sandbox.alert(social_alert())
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "5"
        assert "database is busy" in answer.json()["error"] and "locked" in answer.json()["error"]
    finally:
        holder.rollback()
        holder.close()
    assert counts(sandbox) == (0, 0)
    again = sandbox.alert(social_alert())  # the sender's retry
    assert again.status_code == 202 and again.json()["status"] == "opened"
    assert counts(sandbox) == (1, 1)


def test_an_alert_waits_for_another_writer_and_is_stored_once_the_lock_is_free(sandbox):
    """The intake takes SQLite's lock at the start of its transaction, looking again while another process holds
    it, and leaves the connection's busy timeout as it found it."""
    holder = sqlite3.connect(sandbox.directory / "warroom.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(sandbox.alert, social_alert(dedup_key="waits"))
        sandbox.fake.wait_for(lambda: sandbox.core.alert_intake is not None, timeout=10)
        assert not waiting.done()  # held back by the other writer, not refused
        holder.execute("COMMIT")
        holder.close()
        answer = waiting.result(timeout=30)
    assert answer.status_code == 202 and answer.json()["status"] == "opened"
    assert counts(sandbox) == (1, 1)
    with sandbox.core.engine.connect() as connection:  # the pooled connection the intake used
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_alerts_arriving_together_while_locked_all_get_503(sandbox):
    on_every_new_connection(sandbox.core.engine, "PRAGMA busy_timeout=200")
    holder = sqlite3.connect(sandbox.directory / "warroom.db", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda n: sandbox.alert(social_alert(dedup_key=f"locked-{n}")), range(8)))
    finally:
        holder.rollback()
        holder.close()
    assert [a.status_code for a in answers] == [503] * 8
    assert {a.headers["Retry-After"] for a in answers} == {"5"}
    assert counts(sandbox) == (0, 0)


def test_a_full_disk_gives_503_with_retry_after(sandbox):
    assert sandbox.alert(social_alert(dedup_key="before")).status_code == 202
    with sandbox.core.engine.connect() as connection:
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        pages = connection.execute(text("PRAGMA page_count")).scalar()
    on_every_new_connection(sandbox.core.engine, f"PRAGMA max_page_count={pages}")  # the disk is full
    answer = sandbox.alert(social_alert(dedup_key="during", description="x" * 9_000, title="Disk full"))
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "60" and "full" in answer.json()["error"]
    assert counts(sandbox) == (1, 1)
