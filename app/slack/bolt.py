"""Builds the Bolt app: request verification, event de-duplication, and every domain's listeners."""

from __future__ import annotations

import importlib
import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App, BoltResponse
from sqlalchemy.exc import IntegrityError

from app.core import Core
from app.db import transaction
from app.scheduling.models import ProcessedEvent

log = logging.getLogger(__name__)
LAZY_WORKERS = 32


def _dedupe_events(core: Core):
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


def build_bolt(core: Core) -> App:
    from app.slack import commands

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
    app.use(_dedupe_events(core))
    commands.register(app, core)
    for module in listener_modules():
        module.register(app, core)
    return app


LISTENER_MODULES = ("app.incidents.listeners", "app.tasks.listeners", "app.decisions.listeners",
                    "app.statements.listeners", "app.status.listeners", "app.reports.listeners")


def listener_modules():
    """Each domain's Slack listeners (importing one registers its /warroom subcommands)."""
    modules = []
    for name in LISTENER_MODULES:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return modules
