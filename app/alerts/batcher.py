"""One writer thread for alert intake: whatever arrives while it commits is committed together next."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future

from sqlalchemy.exc import OperationalError

from app.alerts.parsers import AlertIn
from app.alerts.service import IntakeResult
from app.batching import MAX_BATCH, GroupCommit

log = logging.getLogger(__name__)

_Item = tuple[list[AlertIn], Future[list[IntakeResult]]]


class IntakeBatcher(GroupCommit[list[AlertIn], list[IntakeResult]]):
    """Serialises intake writes (SQLite has one writer anyway) and shares one commit among queued alerts.

    ``submit(alerts)`` returns a future of the results for these alerts, set once they are committed.
    """

    def __init__(self, write: Callable[[list[AlertIn]], list[IntakeResult]], max_batch: int = MAX_BATCH) -> None:
        self.write = write  # list[AlertIn] -> list[result], in order
        super().__init__("warroom-intake", max_batch)

    def commit(self, batch: list[_Item]) -> None:
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
                    self.commit([item])
                return
            log.exception("alert intake failed")
            batch[0][1].set_exception(exc)
            return
        start = 0
        for request, future in batch:
            future.set_result(results[start:start + len(request)])
            start += len(request)
