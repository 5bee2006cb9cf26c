"""The Bolt app itself: request verification, the shared core in every context, event de-duplication.

What it listens to is wired in app/wiring.py.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App, BoltResponse

from app.core import Core

log = logging.getLogger(__name__)
LAZY_WORKERS = 32


class RecentEvents:
    """The event ids this process acknowledged lately, so Slack's retries are answered without the database."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        with self._lock:
            if event_id in self._seen:
                return False
            self._seen[event_id] = None
            if len(self._seen) > self.size:
                self._seen.popitem(last=False)
            return True


def dedupe_events(recent: RecentEvents):
    """Slack retries events it thinks were not acknowledged: a retry this process saw is acked and dropped here;
    across processes and restarts the follow-up work claims the event id in the database (pipeline.claim_event)."""

    def middleware(body: dict, next) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not recent.first_time(event_id):
            log.info("event %s already handled; ignoring Slack's retry", event_id)
            return BoltResponse(status=200, body="")
        return next()

    return middleware


def new_app(core: Core, *, verify: bool = True) -> App:
    """A Bolt app that acks in the request's thread and runs follow-up work on threads of its own.

    ``verify=False`` is for the worker role only: its requests come from the database, where the web role
    stored them after checking Slack's signature (which would have expired by the time a worker catches up).
    """
    # Every listener acks at once and does its work lazily: ack in the request's own thread
    # (process_before_response) so that acks never queue behind slow lazy work (a 20 s model call) in
    # Bolt's executor, and give the lazy work enough threads of its own.
    app = App(
        client=core.slack,
        signing_secret=core.settings.slack_signing_secret,
        request_verification_enabled=verify,
        token_verification_enabled=False,
        process_before_response=True,
        ignoring_self_events_enabled=True,
        listener_executor=ThreadPoolExecutor(LAZY_WORKERS, thread_name_prefix="warroom-lazy"),
    )
    app.use(dedupe_events(RecentEvents()))
    return app
