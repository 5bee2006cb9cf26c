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
from types import SimpleNamespace
from typing import Any

from slack_bolt import App
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_bolt.request import BoltRequest
from sqlalchemy import Engine

from app.requests_queue.models import AcceptedRequest
from app.requests_queue.writer import AcceptWriter

log = logging.getLogger(__name__)
ACCEPT_TIMEOUT = 2.0  # seconds an ack waits for its row's commit; Slack gives up at 3


class StoringRunner(LazyListenerRunner):
    """Bolt's lazy listeners, not run in this process: each is stored as an accepted request."""

    def __init__(self, writer: AcceptWriter, on_accept: Callable[[], None] | None = None) -> None:
        self.writer = writer
        self.on_accept = on_accept
        self.logger = log

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        """Store the follow-up and wait for the commit: if it fails, so does the ack, and Slack tells the person."""
        content_type = (request.headers.get("content-type") or ["application/x-www-form-urlencoded"])[0]
        row = AcceptedRequest(function=request.lazy_function_name or "", content_type=content_type,
                              body=request.raw_body)
        self.writer.submit(row).result(ACCEPT_TIMEOUT)
        if self.on_accept is not None:
            self.on_accept()


def store_follow_ups(bolt: App, engine: Engine, on_accept: Callable[[], None] | None = None) -> AcceptWriter:
    """Make ``bolt`` store its follow-up work instead of running it (the web role); stop() the writer at the end."""
    writer = AcceptWriter(engine)
    runner: Any = bolt.listener_runner
    runner.lazy_listener_runner = StoringRunner(writer, on_accept)
    # Bolt copies the whole request (deeply) for each lazy listener it starts on a thread; what is stored
    # needs three fields of it. (Should Bolt rename this method, it copies again and still works.)
    runner._build_lazy_request = _lazy_fields
    return writer


def _lazy_fields(request: BoltRequest, function_name: str) -> Any:
    return SimpleNamespace(raw_body=request.raw_body, headers=request.headers, lazy_function_name=function_name)
