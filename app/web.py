"""The web role: verify Slack's requests, ack them, and store their follow-up work for a worker.

Bolt still decides what a request is and runs its ack function (a modal's field errors, the declare
modal's ``views.open`` while its trigger is valid); only where Bolt would start a lazy listener on a thread,
the request is stored instead (app/requests_queue), before the ack goes out. A worker process runs the
listener later through the same pipeline (app/worker.py), so the permission check and the error path stay in
one place for every entry point.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_bolt.request import BoltRequest
from sqlalchemy import Engine

from app.requests_queue.store import accept

log = logging.getLogger(__name__)


class StoringRunner(LazyListenerRunner):
    """Bolt's lazy listeners, not run in this process: each is stored as an accepted request."""

    def __init__(self, engine: Engine, on_accept: Callable[[], None] | None = None) -> None:
        self.engine = engine
        self.on_accept = on_accept
        self.logger = log

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        content_type = (request.headers.get("content-type") or ["application/x-www-form-urlencoded"])[0]
        accept(self.engine, request.lazy_function_name or "", content_type, request.raw_body)
        if self.on_accept is not None:
            self.on_accept()


def store_follow_ups(bolt: App, engine: Engine, on_accept: Callable[[], None] | None = None) -> App:
    """Make ``bolt`` store its follow-up work instead of running it (the web role)."""
    runner: Any = bolt.listener_runner
    runner.lazy_listener_runner = StoringRunner(engine, on_accept)
    return bolt
