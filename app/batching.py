"""A writer thread that shares one commit among whatever was queued while the last commit ran.

An idle server commits each item at once; under load, items queue up while a commit runs and the next commit
takes them all, so the cost per item falls as the load rises. Subclasses say how a batch is committed and
set each item's future, and may hold some items back for a later batch (``take``). ``insert_ids`` writes a
batch's rows to a table with bulk statements and gives back their new ids.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

from sqlalchemy import Insert, Table
from sqlalchemy.orm import Session

Item = TypeVar("Item")
Result = TypeVar("Result")

MAX_BATCH = 200

_INSERTS: dict[tuple[Table, bool], Insert] = {}  # built once per table: a batch then skips building a statement


def insert_ids(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` into ``table`` (whose key is ``id``) in bulk statements; the new ids, in the rows' order.

    SQLAlchemy keeps RETURNING in the rows' order on SQLite only by inserting one row per statement (SQLite has
    no sentinel for it), a statement per alert, task or incident of a batch. SQLite gives the rows of an INSERT
    ids in the order it inserts them, each above every id in the table, so the returned ids sorted are in the
    rows' order; PostgreSQL keeps the order itself."""
    if not rows:
        return []
    sqlite = session.get_bind().dialect.name == "sqlite"
    statement = _INSERTS.get((table, sqlite))
    if statement is None:
        statement = _INSERTS[table, sqlite] = table.insert().returning(table.c.id, sort_by_parameter_order=not sqlite)
    ids: list[int] = list(session.execute(statement, list(rows)).scalars())
    assert len(ids) == len(rows), f"{len(rows)} rows inserted into {table.name}, {len(ids)} ids returned"
    return sorted(ids) if sqlite else ids


class GroupCommit(Generic[Item, Result]):
    """``submit(item)`` returns a future that ``commit`` sets once the item's batch is stored (or failed)."""

    def __init__(self, name: str, max_batch: int = MAX_BATCH) -> None:
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[tuple[Item, Future[Result]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, item: Item) -> Future[Result]:
        future: Future[Result] = Future()
        self._queue.put((item, future))
        return future

    def stop(self, timeout: float = 10.0) -> None:
        """Commit what is queued, then end the writer thread."""
        self._queue.put(None)
        self._thread.join(timeout)

    def commit(self, batch: list[tuple[Item, Future[Result]]]) -> None:
        """Store the batch and set every item's future (its result, or the exception)."""
        raise NotImplementedError

    def take(self, waiting: list[tuple[Item, Future[Result]]]) -> tuple[list[tuple[Item, Future[Result]]],
                                                                       list[tuple[Item, Future[Result]]]]:
        """The next batch from what is waiting (in arrival order), and what waits for a later one: all of it by
        default. Whatever is left is taken first by the next batch."""
        return waiting, []

    def _run(self) -> None:
        waiting: list[tuple[Item, Future[Result]]] = []
        stopping = False
        while True:
            if not waiting and not stopping:
                first = self._queue.get()
                if first is None:
                    return
                waiting.append(first)
            while len(waiting) < self.max_batch and not stopping:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                waiting.append(more)
            if not waiting:
                return
            batch, waiting = self.take(waiting)
            self.commit(batch)
