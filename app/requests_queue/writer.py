"""One writer thread for the web role's accepted requests: requests that arrive together share one commit.

An ack waits for its row's commit (store first, then tell Slack), so the write is on the ack's path; under
load, rows queue up while a commit runs and the next commit takes them all.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future

from sqlalchemy import Engine

from app.batching import MAX_BATCH, GroupCommit
from app.db import transaction
from app.requests_queue.models import AcceptedRequest

log = logging.getLogger(__name__)

_Item = tuple[AcceptedRequest, Future[int]]


class AcceptWriter(GroupCommit[AcceptedRequest, int]):
    """``submit(row)`` returns a future of the row's id, set once the row is committed."""

    def __init__(self, engine: Engine, max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        super().__init__("warroom-accept", max_batch)

    def commit(self, batch: list[_Item]) -> None:
        try:
            with transaction(self.engine, urgent=True) as session:
                session.add_all([row for row, _ in batch])
                session.flush()
                ids = [_stored_id(row) for row, _ in batch]
        except Exception as exc:  # nothing of this batch is stored: each ack fails, and Slack shows the person
            log.exception("could not store %d accepted requests", len(batch))
            for _, future in batch:
                future.set_exception(exc)
            return
        for (_, future), row_id in zip(batch, ids, strict=True):
            future.set_result(row_id)


def _stored_id(row: AcceptedRequest) -> int:
    assert row.id is not None  # flushed: the database gave it its id
    return row.id
