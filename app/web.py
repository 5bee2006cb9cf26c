"""The web role: verify Slack's requests, ack them, and store their follow-up work for a worker.

Bolt still decides what a request is and runs its ack function (a modal's field errors, the declare
modal's ``views.open`` while its trigger is valid); only where Bolt would start a lazy listener on a thread,
the request is stored instead (app/requests_queue), before the ack goes out. A worker process runs the
listener later through the same pipeline (app/worker.py), so the permission check and the error path stay in
one place for every entry point.

The ack runs on the event loop (``acknowledge``): Bolt's dispatch is about a millisecond of work, and a hop
to a thread and back costs more than that whenever the process is busy. On SQLite the accepted row is
inserted right there when SQLite's lock is free; otherwise it is handed to the group-commit writer and
awaited without blocking the loop (app/requests_queue/writer.py). Only acks that wait on something outside the
process (Slack's ``views.open``, a database read, Bolt's first ``auth.test``) run on a thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future
from types import SimpleNamespace
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.lazy_listener import LazyListenerRunner
from slack_bolt.middleware.authorization import SingleTeamAuthorization
from slack_bolt.request import BoltRequest
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from app.inbound import stages
from app.requests_queue.writer import Accepted, AcceptWriter

log = logging.getLogger(__name__)
ACCEPT_TIMEOUT = 2.0  # seconds an ack waits for its row's commit; Slack gives up at 3
ACCEPTED = "warroom_accepted"  # the attribute of a BoltRequest that collects its rows' commits


class StoringRunner(LazyListenerRunner):
    """Bolt's lazy listeners, not run in this process: each is stored as an accepted request."""

    def __init__(self, writer: AcceptWriter, on_accept: Callable[[], None] | None = None) -> None:
        self.writer = writer
        self.on_accept = on_accept
        self.logger = log

    def start(self, function: Callable[..., None], request: Any) -> None:
        """Hand the follow-up to the writer. ``acknowledge`` awaits the commit before the ack goes out; a
        request dispatched without it waits here. If the commit fails, so does the ack, and Slack tells the person."""
        content_type = (request.headers.get("content-type") or ["application/x-www-form-urlencoded"])[0]
        future = self.writer.submit(Accepted(request.lazy_function_name or "", content_type, request.raw_body))
        accepted = getattr(request, "accepted", None)
        if accepted is not None:
            accepted.append(future)
            return
        future.result(ACCEPT_TIMEOUT)
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
    return SimpleNamespace(raw_body=request.raw_body, headers=request.headers, lazy_function_name=function_name,
                           accepted=getattr(request, ACCEPTED, None))


async def acknowledge(bolt: App, request: BoltRequest, off_loop: Callable[[BoltRequest], bool],
                      on_accept: Callable[[], None] | None = None, trace: Any = stages.OFF) -> BoltResponse:
    """Bolt's answer to ``request``, its follow-ups committed first (store first, then tell Slack).

    ``off_loop(request)`` says whether its ack waits on something outside the process; then Bolt runs on a
    thread, so that it stalls no other ack."""
    accepted: list[Future[int]] = []
    setattr(request, ACCEPTED, accepted)
    if off_loop(request) or not authorized(bolt):
        response = await run_in_threadpool(bolt.dispatch, request)
        trace.mark("dispatch-thread")
    else:
        response = bolt.dispatch(request)
        trace.mark("dispatch")
    if accepted:
        waiting = [asyncio.wrap_future(f) for f in accepted if not f.done()]  # none when stored at once
        # asyncio.wait leaves the writer's futures alone when time runs out (wait_for would cancel them).
        late = (await asyncio.wait(waiting, timeout=ACCEPT_TIMEOUT))[1] if waiting else set()
        errors = [f.exception() for f in accepted if f.done() and f.exception() is not None]
        if late or errors:  # not stored: the ack fails, and Slack shows the person that it did not work
            log.error("a request's follow-up could not be stored (%s): answered 500",
                      errors[0] if errors else f"no commit within {ACCEPT_TIMEOUT:.0f} s")
            return BoltResponse(status=500, body="")
        trace.mark("store" if waiting else "store-at-once")
        if on_accept is not None:
            on_accept()
    return response


def authorized(bolt: App) -> bool:
    """Whether Bolt has already asked Slack who the bot is (``auth.test``, once, on its first request)."""
    middleware = getattr(bolt, "_middleware_list", ())  # Bolt keeps no public list of its middleware
    return all(m.auth_test_result is not None for m in middleware if isinstance(m, SingleTeamAuthorization))
