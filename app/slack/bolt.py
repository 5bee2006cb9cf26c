"""Builds the Bolt app: request verification, event de-duplication, and every domain's listeners."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltResponse
from sqlalchemy.exc import IntegrityError

from app.core import Core
from app.db import transaction
from app.scheduling.models import ProcessedEvent

log = logging.getLogger(__name__)


def _dedupe_events(core: Core):
    """Slack retries events it thinks were not acknowledged; act on each event_id once."""

    def middleware(body: dict, next) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            try:
                with transaction(core.engine) as session:
                    session.add(ProcessedEvent(event_id=event_id))
            except IntegrityError:
                log.info("event %s already handled; ignoring Slack's retry", event_id)
                return BoltResponse(status=200, body="")
        return next()

    return middleware


def build_bolt(core: Core) -> App:
    from app.decisions import listeners as decisions
    from app.incidents import listeners as incidents
    from app.slack import commands
    from app.tasks import listeners as tasks

    app = App(
        client=core.slack,
        token=core.settings.slack_bot_token,
        signing_secret=core.settings.slack_signing_secret,
        token_verification_enabled=False,
        process_before_response=False,
        ignoring_self_events_enabled=True,
    )
    app.use(_dedupe_events(core))
    commands.register(app, core)
    for module in (incidents, tasks, decisions, *_optional_listeners()):
        module.register(app, core)
    return app


def _optional_listeners():
    """Listener modules of domains that add their own subcommands and actions."""
    import importlib

    modules = []
    for name in ("app.statements.listeners", "app.status.listeners", "app.reports.listeners"):
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return modules
