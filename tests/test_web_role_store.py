"""The web role's accepted rows: on SQLite inserted at once where the ack runs while SQLite's lock is free, and
through the writer thread, without loss, while another writer holds it; on PostgreSQL always through the writer."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.requests_queue.models import AcceptedRequest
from app.requests_queue.store import claim
from app.requests_queue.writer import Accepted, AcceptWriter
from app.sandbox.harness import Sandbox
from app.timeutil import utcnow

ITEM = Accepted("after_ack", "application/x-www-form-urlencoded", "command=%2Fwarroom&text=status")


def rows(box: Sandbox) -> list[AcceptedRequest]:
    with Session(box.core.engine) as session:
        return list(session.exec(select(AcceptedRequest).order_by(AcceptedRequest.id)))


@pytest.mark.sqlite_only("the insert at once is SQLite's; PostgreSQL's rows go through the writer thread")
def test_a_row_stored_at_once_reads_back_as_the_orm_writes_it_and_a_worker_claims_it(make_sandbox):
    box = make_sandbox("web", serve=False)
    writer = AcceptWriter(box.core.engine)
    try:
        future = writer.submit(ITEM)
        assert future.done()  # stored on the caller's thread: no hop to the writer thread
        row_id = future.result()
        [row] = rows(box)
        assert (row.id, row.function, row.content_type, row.body) == (row_id, *ITEM)
        assert row.status == "waiting" and row.attempts == 0 and row.claimed_by is None
        assert row.received_at.tzinfo is not None and abs(utcnow() - row.received_at) < timedelta(minutes=1)
        assert [r.id for r in claim(box.core.engine, "worker-1", 10)] == [row_id]
    finally:
        writer.stop()


@pytest.mark.sqlite_only("SQLite's one write lock")
def test_while_another_writer_holds_the_lock_the_row_waits_for_the_writer_thread_and_is_stored(make_sandbox):
    box = make_sandbox("web", serve=False)
    writer = AcceptWriter(box.core.engine)
    other = sqlite3.connect(box.core.engine.url.database, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # as the worker process holds SQLite's write lock during its commits
        assert writer.store_at_once(ITEM) is None  # never waits where the ack runs
        future = writer.submit(ITEM)
        assert not future.done()  # handed to the writer thread, which waits for the lock
        other.execute("COMMIT")
        row_id = future.result(timeout=30)
        assert [(r.id, r.function, r.body) for r in rows(box)] == [(row_id, ITEM.function, ITEM.body)]
    finally:
        other.close()
        writer.stop()


@pytest.mark.sqlite_only("SQLite's one write lock")
def test_rows_the_lock_keeps_out_past_the_wait_fail_unstored_and_the_writer_goes_on(make_sandbox):
    box = make_sandbox("web", serve=False)
    writer = AcceptWriter(box.core.engine, commit_wait=0.3)
    other = sqlite3.connect(box.core.engine.url.database, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        futures = [writer.submit(ITEM._replace(body=f"text={n}")) for n in range(3)]
        for future in futures:  # each ack is answered 500: Slack shows the person that it did not work
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                future.result(timeout=30)
        other.execute("COMMIT")
        assert rows(box) == []  # none answered as stored, none stored
        other.execute("BEGIN IMMEDIATE")
        late = writer.submit(ITEM)
        other.execute("COMMIT")
        row_id = late.result(timeout=30)
        assert [(r.id, r.body) for r in rows(box)] == [(row_id, ITEM.body)]
    finally:
        other.close()
        writer.stop()


@pytest.mark.postgres_only("a server database takes every row through the writer thread")
def test_on_a_server_database_every_row_goes_through_the_writer_thread(make_sandbox):
    box = make_sandbox("web", serve=False)
    writer = AcceptWriter(box.core.engine)
    try:
        assert writer.store_at_once(ITEM) is None
        row_id = writer.submit(ITEM).result(timeout=30)
        assert [(r.id, r.function, r.status) for r in rows(box)] == [(row_id, ITEM.function, "waiting")]
    finally:
        writer.stop()
