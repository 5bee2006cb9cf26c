"""Delivers effects from the database: one worker thread, woken after each commit that wrote one, and a sweep.

Handlers are registered per kind (app/wiring.py). A handler that raises a transient error (Slack's 429 and
5xx, a timeout, a lost connection) is retried with capped exponential backoff; a permanent one (a channel
that is gone, a missing scope) is marked failed, logged and written to the incident's timeline.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlmodel import Session, func, select

from app import metrics
from app.db import HasEngine, transaction, write_lock
from app.effects import service
from app.effects.models import Effect, EffectStatus
from app.incidents import timeline
from app.timeutil import utcnow

log = logging.getLogger(__name__)
SWEEP_SECONDS = 5.0
TRANSIENT_SLACK_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}

Handler = Callable[[Any, Effect], dict[str, Any] | None]  # called with the runtime (app.core.Core)


class PermanentError(Exception):
    """Delivering this effect cannot succeed by trying again."""


class Waiting(Exception):
    """This effect needs another one delivered first (e.g. the message it updates): tried again soon, and at
    once when that one is delivered (``service.hurry``)."""

    def __init__(self, what: str, *, error: str | None = None) -> None:
        super().__init__(error or f"waiting for {what}")


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, SlackApiError):
        response = exc.response
        status = getattr(response, "status_code", 200)
        return status == 429 or status >= 500 or response.get("error") in TRANSIENT_SLACK_ERRORS
    return not isinstance(exc, PermanentError | KeyError | TypeError | ValueError)


class Deliverer:
    """The outbox's worker: ``kick()`` after a commit, ``drain()`` to wait until nothing is due."""

    def __init__(self, core: HasEngine, handlers: dict[str, Handler] | None = None) -> None:
        self.core = core
        self.handlers: dict[str, Handler] = dict(handlers or {})
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._wake = threading.Event()
        self._idle = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self, kind: str, handler: Handler) -> None:
        self.handlers[kind] = handler

    def start(self) -> Deliverer:
        if self._thread is None:
            self.release_dead()
            self._thread = threading.Thread(target=self._run, name="warroom-effects", daemon=True)
            self._thread.start()
        return self

    def release_dead(self) -> int:
        """Leases held by processes of this host that no longer run (killed mid-delivery) are given back."""
        with _write_turn(self.core), Session(self.core.engine) as session:
            released = service.release_dead(session, _alive)
            session.commit()
        if released:
            log.info("released %s effect(s) a stopped process was delivering", released)
        return released

    def kick(self) -> None:
        self._idle.clear()
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.deliver_due()
            except Exception:
                log.exception("effect delivery sweep failed")
                busy = 0
            if not busy:
                self._idle.set()
                self._wake.wait(SWEEP_SECONDS)
                self._wake.clear()

    def deliver_due(self) -> int:
        """Deliver what is due now (in this thread); how many were tried."""
        with Session(self.core.engine) as session:
            with _write_turn(self.core):
                claimed = service.claim(session, utcnow(), self.owner)
            for effect in claimed:
                self._deliver(session, effect)
        return len(claimed)

    def _deliver(self, session: Session, effect: Effect) -> None:
        handler = self.handlers.get(effect.kind)
        try:
            if handler is None:
                raise PermanentError(f"no handler for effects of kind {effect.kind!r}")
            self._wait_for_earlier(effect)
            result = handler(self.core, effect) or {}
        except Exception as exc:
            error = _describe(exc)
            with transaction(self.core.engine) as writing:
                failed = service.retry_later(writing, effect, error, permanent=not is_transient(exc),
                                             at_least=_retry_after(exc))
                if failed and effect.payload.get("awaited"):
                    service.release(writing, effect.key)
                if failed and effect.incident_id is not None:
                    service.release_last(writing, effect.incident_id)
                if failed and effect.incident_id is not None:
                    reference = uuid.uuid4().hex[:10]
                    timeline.record(writing, effect.incident_id, "error", f"could not deliver {effect.key}: {error}",
                                    actor="warroom", reference=reference, effect=effect.key)
            metrics.EFFECT_FAILURES.labels(kind=effect.kind, final=str(failed).lower()).inc()
            (log.error if failed else log.warning)("effect %s (%s) %s: %s", effect.id, effect.key,
                                                    "failed for good" if failed else "will be retried", error,
                                                    exc_info=exc if failed else None)
            return
        assert effect.id is not None  # a stored row
        with transaction(self.core.engine) as writing:
            service.done(writing, effect.id, result)
            if effect.payload.get("awaited"):
                service.release(writing, effect.key)
            if effect.incident_id is not None:
                service.release_last(writing, effect.incident_id)

    def _wait_for_earlier(self, effect: Effect) -> None:
        """An effect written ``after`` another (its payload's ``after``: a key) waits while that one is pending;
        one that failed for good no longer holds it up. An effect that comes ``last`` (a room's archiving) waits
        while any other effect of its incident is pending, including those written after it (e.g. by the close
        hooks, which run from the outbox)."""
        after, last = effect.payload.get("after"), effect.payload.get("last")
        if not (after or (last and effect.incident_id is not None)):
            return
        with Session(self.core.engine) as session:
            if after and service.key_pending(session, after):
                raise Waiting(after, error=service.waiting_for(after))
            if last and effect.incident_id is not None and service.others_pending(session, effect):
                raise Waiting("the incident's other effects", error=service.WAITING_LAST)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until no effect is due (tests and shutdown); True when drained in time."""
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.daemon = True
        timer.start()
        try:
            while not deadline.is_set():
                if self._thread is None:
                    if not self.deliver_due():
                        return True
                    continue
                self.kick()
                self._idle.wait(0.05)
                if self._idle.is_set() and not self.due():
                    return True
            return False
        finally:
            timer.cancel()

    def due(self) -> int:
        with Session(self.core.engine) as session:
            return session.exec(select(func.count()).select_from(Effect).where(
                Effect.status == EffectStatus.PENDING, Effect.due_at <= utcnow())).one()


def _alive(owner: str) -> bool:
    """Whether the process named by a lease's owner may still run (other hosts' processes are assumed to)."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_turn(core: HasEngine) -> AbstractContextManager[Any]:
    """The engine's writer queue (SQLite): claiming is a write."""
    return write_lock(core.engine)


def _retry_after(exc: BaseException) -> float:
    """Slack's Retry-After (seconds) of a 429, else 0."""
    if isinstance(exc, SlackApiError) and getattr(exc.response, "status_code", 200) == 429:
        try:
            return float((exc.response.headers or {}).get("Retry-After") or (exc.response.headers or {}).get(
                "retry-after") or 1)
        except (TypeError, ValueError):
            return 1.0
    return 0.0


def _describe(exc: BaseException) -> str:
    if isinstance(exc, Waiting):
        return str(exc)
    if isinstance(exc, SlackApiError):
        return f"Slack: {exc.response.get('error') or exc.response.status_code}"
    return f"{type(exc).__name__}: {exc}"
