"""The Bolt app itself: request verification, the shared core in every context, event de-duplication.

What it listens to is wired in app/wiring.py.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App, BoltResponse
from sqlalchemy.exc import IntegrityError

from app.core import Core
from app.db import transaction
from app.scheduling.models import ProcessedEvent

log = logging.getLogger(__name__)
LAZY_WORKERS = 32


def dedupe_events(core: Core):
    """Slack retries events it thinks were not acknowledged; act on each event_id once."""

    def middleware(body: dict, next) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            try:
                with transaction(core.engine, urgent=True) as session:  # Slack waits on this write
                    session.add(ProcessedEvent(event_id=event_id))
            except IntegrityError:
                log.info("event %s already handled; ignoring Slack's retry", event_id)
                return BoltResponse(status=200, body="")
        return next()

    return middleware


def new_app(core: Core) -> App:
    """A Bolt app that acks in the request's thread and runs follow-up work on threads of its own."""
    # Every listener acks at once and does its work lazily: ack in the request's own thread
    # (process_before_response) so that acks never queue behind slow lazy work (a 20 s model call) in
    # Bolt's executor, and give the lazy work enough threads of its own.
    app = App(
        client=core.slack,
        signing_secret=core.settings.slack_signing_secret,
        token_verification_enabled=False,
        process_before_response=True,
        ignoring_self_events_enabled=True,
        listener_executor=ThreadPoolExecutor(LAZY_WORKERS, thread_name_prefix="warroom-lazy"),
    )
    app.use(dedupe_events(core))
    return app
