"""One writer thread for alert intake: whatever arrives while it commits is committed together next."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

from sqlalchemy.exc import OperationalError

from app.alerts.parsers import AlertIn
from app.alerts.service import IntakeResult

log = logging.getLogger(__name__)

MAX_BATCH = 200
_Item = tuple[list[AlertIn], Future[list[IntakeResult]]]


class IntakeBatcher:
    """Serialises intake writes (SQLite has one writer anyway) and shares one commit among queued alerts.

    An idle server commits each request at once; under a storm, requests queue up while a commit runs
    and the next commit takes them all, so the cost per alert falls as the load rises.
    """

    def __init__(self, write: Callable[[list[AlertIn]], list[IntakeResult]], max_batch: int = MAX_BATCH) -> None:
        self.write = write  # list[AlertIn] -> list[result], in order
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="warroom-intake", daemon=True)
        self._thread.start()

    def submit(self, alerts: list[AlertIn]) -> Future[list[IntakeResult]]:
        """A future of the results for these alerts, set once they are committed."""
        future: Future[list[IntakeResult]] = Future()
        self._queue.put((alerts, future))
        return future

    def stop(self, timeout: float = 10.0) -> None:
        """Commit what is queued, then end the writer thread."""
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
        alerts = [alert for request, _ in batch for alert in request]
        try:
            results = self.write(alerts)
        except OperationalError as exc:  # the database cannot take writes now (locked, full): each sender retries
            log.warning("alert intake could not write %d alerts: %s", len(alerts), exc.orig)
            for _request, future in batch:
                future.set_exception(exc)
            return
        except Exception as exc:
            if len(batch) > 1:  # one bad request must not fail the others: write them one by one
                for item in batch:
                    self._commit([item])
                return
            log.exception("alert intake failed")
            batch[0][1].set_exception(exc)
            return
        start = 0
        for request, future in batch:
            future.set_result(results[start:start + len(request)])
            start += len(request)
