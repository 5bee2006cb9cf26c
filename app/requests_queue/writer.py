"""One writer thread for the web role's accepted requests: requests that arrive together share one commit.

An ack waits for its row's commit (store first, then tell Slack), so the write is on the ack's path; under
load, rows queue up while a commit runs and the next commit takes them all.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future

from sqlalchemy import Engine

from app.db import transaction
from app.requests_queue.models import AcceptedRequest

log = logging.getLogger(__name__)
MAX_BATCH = 200

_Item = tuple[AcceptedRequest, Future]


class AcceptWriter:
    """``submit(row)`` returns a future of the row's id, set once the row is committed."""

    def __init__(self, engine: Engine, max_batch: int = MAX_BATCH) -> None:
        self.engine, self.max_batch = engine, max_batch
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="warroom-accept", daemon=True)
        self._thread.start()

    def submit(self, row: AcceptedRequest) -> Future:
        future: Future = Future()
        self._queue.put((row, future))
        return future

    def stop(self, timeout: float = 10.0) -> None:
        """Commit what is queued, then end the thread."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch, stopping = [item], False
            while len(batch) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            self._commit(batch)
            if stopping:
                return

    def _commit(self, batch: list[_Item]) -> None:
        try:
            with transaction(self.engine, urgent=True) as session:
                session.add_all([row for row, _ in batch])
                session.flush()
                ids = [row.id for row, _ in batch]
        except Exception as exc:  # nothing of this batch is stored: each ack fails, and Slack shows the person
            log.exception("could not store %d accepted requests", len(batch))
            for _, future in batch:
                future.set_exception(exc)
            return
        for (_, future), row_id in zip(batch, ids, strict=True):
            future.set_result(row_id)
