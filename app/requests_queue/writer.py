"""One writer thread for the web role's accepted requests: requests that arrive together share one commit.

An ack waits for its row's commit (store first, then tell Slack), so the write is on the ack's path; under
load, rows queue up while a commit runs and the next commit takes them all. The ack's side only queues three
strings (no ORM object is built on the event loop); the writer stores a batch in one bulk INSERT.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import NamedTuple

from sqlalchemy import Engine, insert
from sqlmodel import col

from app.batching import MAX_BATCH, GroupCommit
from app.db import transaction
from app.requests_queue.models import AcceptedRequest
from app.timeutil import utcnow

log = logging.getLogger(__name__)


class Accepted(NamedTuple):
    """A request to store: which follow-up runs it, and the raw body the web role verified."""

    function: str
    content_type: str
    body: str


_Item = tuple[Accepted, Future[int]]


class AcceptWriter(GroupCommit[Accepted, int]):
    """``submit(accepted)`` returns a future of the row's id, set once the row is committed."""

    def __init__(self, engine: Engine, max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        super().__init__("warroom-accept", max_batch)

    def commit(self, batch: list[_Item]) -> None:
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
