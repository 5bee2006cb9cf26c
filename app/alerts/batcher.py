"""One writer thread for alert intake: whatever arrives while it commits is committed together next.

A sender is answered as soon as its batch is committed: the work that follows (planning the room's summary,
starting a set-up) runs after the answers are out. Senders waiting on an event loop are woken by one call
per batch, not one per sender: each wake-up from this thread is a system call after which the thread must
win the interpreter's lock back from the event loop, which under a storm cost more than the write.

Opening an incident writes more than attaching an alert to an open one (its tasks, set-up steps and
timeline); a batch stores all its openings together, one bulk statement per table (incidents.open_many), at
about 1 ms of CPU each against 0.1 ms per attached alert. When a storm starts, dozens of keys are new at
once, and after a stall of the writer (another process holding SQLite's write lock) they all wait in one
queue: a batch therefore opens at most ``OPENINGS_PER_BATCH`` new incident keys, so that the senders of keys
already open never wait for all of them; alerts for keys known to be open go in every batch, and the alerts
of the other new keys wait (in the order they came) for the next batches.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from sqlalchemy.exc import OperationalError

from app.alerts.parsers import AlertIn
from app.alerts.service import IntakeResult, incident_key_for
from app.batching import MAX_BATCH, GroupCommit
from app.inbound import stages

log = logging.getLogger(__name__)

# New incident keys a batch may open: about 1 ms each, so that the senders queued behind a batch wait a few
# milliseconds, not for all the openings that queued up while the writer stalled.
OPENINGS_PER_BATCH = 4
# Incident keys remembered as open (beyond, the memory starts again): only the batches' make-up depends on it,
# the intake itself always looks the keys up in the database.
KNOWN_KEYS_MAX = 10_000

Results = list[IntakeResult]
Outcome = Results | BaseException
_Item = tuple[list[AlertIn], Future[Results]]


class _OnLoop(Future[Results]):
    """A sender waiting on an event loop: ``waiter`` is set on that loop once its batch is committed."""

    def __init__(self, loop: asyncio.AbstractEventLoop, trace: Any = stages.OFF) -> None:
        super().__init__()
        self.loop = loop
        self.waiter: asyncio.Future[Results] = loop.create_future()
        self.trace = trace  # the request's stages (app/inbound/stages.py), when traced
        self.picked = self.written = 0.0


def _wake(settled: list[tuple[asyncio.Future[Results], Outcome]]) -> None:
    """On the loop: hand each waiting sender its outcome (a sender that gave up is skipped)."""
    for waiter, outcome in settled:
        if waiter.done():
            continue
        if isinstance(outcome, BaseException):
            waiter.set_exception(outcome)
        else:
            waiter.set_result(outcome)


class IntakeBatcher(GroupCommit[list[AlertIn], Results]):
    """Serialises intake writes (SQLite has one writer anyway) and shares one commit among queued alerts.

    ``write(alerts)`` stores them and returns their results in order; ``after(results)`` does what follows
    a commit, once the senders have their answers. ``submit(alerts)`` returns a future of the results for
    these alerts, ``store(alerts)`` awaits them on the running event loop.
    """

    def __init__(self, write: Callable[[list[AlertIn]], Results],
                 after: Callable[[Results], None] | None = None, max_batch: int = MAX_BATCH) -> None:
        self.write = write
        self.after = after
        self._open_keys: set[str] = set()  # incident keys seen open by an earlier batch
        super().__init__("warroom-intake", max_batch)

    async def store(self, alerts: list[AlertIn], trace: Any = stages.OFF) -> Results:
        """The alerts' results once they are committed (raises what the write raised)."""
        answer = _OnLoop(asyncio.get_running_loop(), trace)
        self._queue.put((alerts, answer))
        try:
            return await answer.waiter
        finally:
            if answer.picked:  # traced: the queue's wait, the batch's write, the wake-up on the loop
                trace.mark("queued", answer.picked)
                trace.mark("write", answer.written)
                trace.mark("woken")

    def take(self, waiting: list[_Item]) -> tuple[list[_Item], list[_Item]]:
        """The next batch from ``waiting`` and what is left: requests whose keys are open, and those of at most
        ``OPENINGS_PER_BATCH`` new keys (always the oldest request); a key's requests keep their order."""
        batch: list[_Item] = []
        left: list[_Item] = []
        opening: set[str] = set()
        held: set[str] = set()  # the keys of requests left for later: later requests of these keys wait too
        for item in waiting:
            keys = {incident_key_for(alert) for alert in item[0]}
            new = keys - self._open_keys
            if batch and (len(batch) >= self.max_batch or keys & held
                          or len(opening | new) > OPENINGS_PER_BATCH):
                left.append(item)
                held |= keys
                continue
            opening |= new
            batch.append(item)
        return batch, left

    def _remember(self, batch: list[_Item], settled: list[tuple[Future[Results], Outcome]]) -> None:
        """Note the incident keys the batch found or left open."""
        if len(self._open_keys) > KNOWN_KEYS_MAX:
            self._open_keys.clear()
        outcomes = {id(future): outcome for future, outcome in settled}
        for request, future in batch:
            outcome = outcomes.get(id(future))
            if isinstance(outcome, BaseException) or outcome is None:
                continue
            for alert, result in zip(request, outcome, strict=False):
                if result.incident_id is not None:
                    self._open_keys.add(incident_key_for(alert))

    def commit(self, batch: list[_Item]) -> None:
        settled: list[tuple[Future[Results], Outcome]] = []
        picked = time.perf_counter() if stages.enabled() else 0.0
        self._write(batch, settled)
        if picked:
            written = time.perf_counter()
            for _request, future in batch:
                if isinstance(future, _OnLoop):
                    future.picked, future.written = picked, written
        self._settle(settled)
        self._remember(batch, settled)
        if self.after is None:
            return
        for _future, outcome in settled:
            if isinstance(outcome, BaseException):
                continue
            try:
                self.after(outcome)
            except Exception:  # the alerts are stored and answered: what follows never fails them
                log.exception("alert intake: after storing alerts %s", [r.alert_id for r in outcome])

    def _write(self, batch: list[_Item], settled: list[tuple[Future[Results], Outcome]]) -> None:
        alerts = [alert for request, _ in batch for alert in request]
        try:
            results = self.write(alerts)
        except OperationalError as exc:  # the database cannot take writes now (locked, full): each sender retries
            log.warning("alert intake could not write %d alerts: %s", len(alerts), exc.orig)
            settled.extend((future, exc) for _request, future in batch)
            return
        except Exception as exc:
            if len(batch) > 1:  # one bad request must not fail the others: write them one by one
                for item in batch:
                    self._write([item], settled)
                return
            log.exception("alert intake failed")
            settled.append((batch[0][1], exc))
            return
        start = 0
        for request, future in batch:
            settled.append((future, results[start:start + len(request)]))
            start += len(request)

    @staticmethod
    def _settle(settled: list[tuple[Future[Results], Outcome]]) -> None:
        """Answer every sender: plain futures at once, those on an event loop with one wake-up per loop."""
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Results], Outcome]]] = {}
        for future, outcome in settled:
            if isinstance(future, _OnLoop):
                by_loop.setdefault(future.loop, []).append((future.waiter, outcome))
            elif isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
        for loop, waiting in by_loop.items():
            try:
                loop.call_soon_threadsafe(_wake, waiting)
            except RuntimeError:  # the loop has closed (the server stopped): nobody is waiting any more
                log.debug("alert intake: %d answers for a closed event loop", len(waiting))
