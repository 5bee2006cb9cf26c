"""The worker role: runs the follow-up work of the Slack requests the web role accepted, and the room set-ups.

It claims stored requests (app/requests_queue) and hands each to its own Bolt app as a "lazy only" request,
so the listener runs through the one pipeline (app/slack/pipeline.py: context, permission, error path) exactly
as it would have run in the web process. A follow-up that returns is deleted; one whose worker died comes
back when the lease runs out; after ``MAX_ATTEMPTS`` the person is told it failed, with a reference.

A follow-up runs inside ``applying`` (app/requests_queue/followup.py): its first committed change marks its row
applied in the same transaction. A row that comes back applied is never run again: the person who acted is
answered ("done at 10:02; this answer was delayed") unless Slack had confirmed their answer, and the row goes.

The rooms of the incidents the web role stored are set up here too (app/incidents/setup.py), and a heartbeat
row says the worker is alive (app/workers/heartbeat.py).
"""

from __future__ import annotations

import gc
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from slack_bolt import App
from slack_bolt.context.respond import Respond
from slack_bolt.request import BoltRequest
from sqlmodel import Session

from app.core import Core
from app.incidents.setup import serve_setups
from app.monitoring import jobs as monitoring_jobs
from app.requests_queue.followup import applying, mark_answered
from app.requests_queue.models import AcceptedRequest
from app.requests_queue.store import LEASE, claim, finish, give_up, worker_name
from app.scheduling.scheduler import Scheduler
from app.slack.bolt import LAZY_WORKERS
from app.slack.pipeline import Request, answer_failure, channel_of, incident_of_channel, user_of
from app.slack.text import from_slack, said, truncate
from app.statements.flows import resume_drafts
from app.timeutil import utcnow
from app.wiring import build_bolt
from app.workers.health import HealthServer
from app.workers.heartbeat import Heartbeat
from app.workers.wakeup import INCIDENTS, REQUESTS, Wakeups

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
# Work stored by another process wakes this one at once (app/workers/wakeup.py); the polls are the safety net
# for a lost wake-up. Each poll is a query, and every worker runs them: polling fast costs CPU for nothing.
POLL_SECONDS = 1.0  # how soon a request stored elsewhere is seen without a wake-up
SETUP_POLL_SECONDS = 1.0  # how soon a new incident is seen without a wake-up
RUNS = ["requests", "setups", "jobs", "outbox", "drafts"]  # what a worker does, as its heartbeat says
# A response_url takes answers for 30 minutes (and 5 of them): a delayed answer later goes to the channel or a DM.
RESPONSE_URL_LIFE = timedelta(minutes=29)
LEASE_VARIABLE = "WARROOM_REQUEST_LEASE"  # seconds a claimed follow-up is its worker's (default: the store's)


def lease_from_env() -> timedelta:
    value = os.environ.get(LEASE_VARIABLE, "").strip()
    if not value:
        return LEASE
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"{LEASE_VARIABLE} must be a number of seconds, not {value!r}") from None
    if seconds <= 0:
        raise ValueError(f"{LEASE_VARIABLE} must be more than 0 seconds, not {value!r}")
    return timedelta(seconds=seconds)


def response_url_of(body: dict) -> str | None:
    """Where a stored request may be answered: a command's response_url, or a modal's first one."""
    urls: list[dict] = body.get("response_urls") or []
    return body.get("response_url") or (urls[0].get("response_url") if urls else None)


def lazy_request(row: AcceptedRequest) -> BoltRequest:
    """The stored request as Bolt's own "run only this lazy listener" request (as its AWS Lambda adapter sends)."""
    return BoltRequest(body=row.body, headers={"content-type": [row.content_type], "x-slack-bolt-lazy-only": ["1"],
                                               "x-slack-bolt-lazy-function-name": [row.function]})


class Worker:
    """Claims accepted requests and runs them on ``threads`` threads; ``start()`` it, ``stop()`` it."""

    def __init__(self, core: Core, bolt: App, *, threads: int = LAZY_WORKERS, poll: float = POLL_SECONDS,
                 lease: timedelta = LEASE) -> None:
        self.core, self.bolt = core, bolt
        self.threads, self.poll, self.lease = threads, poll, lease
        self.name = worker_name()
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="warroom-worker")
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._busy = 0
        self._done: list[int] = []  # finished follow-ups, deleted together before the next claim
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="warroom-worker-claims", daemon=True)

    def start(self) -> Worker:
        self._thread.start()
        return self

    def wake(self) -> None:
        """Look for work now (a request was just accepted, here or in another process)."""
        self._wake.set()

    @property
    def busy(self) -> int:
        """Follow-ups running now."""
        with self._lock:
            return self._busy

    def stop(self, timeout: float = 30.0) -> None:
        self._stopped.set()
        self._wake.set()
        self._thread.join(timeout)
        self._pool.shutdown(wait=True)
        self._forget_done()

    def _loop(self) -> None:
        while True:
            self._forget_done()
            if self._stopped.is_set():
                return
            with self._lock:
                free = self.threads - self._busy
            rows: list[AcceptedRequest] = []
            if free > 0:
                try:
                    rows = claim(self.core.engine, self.name, free, self.lease)
                except Exception:  # the database is away for a moment: try again at the next poll
                    log.exception("could not claim accepted requests")
            for row in rows:
                with self._lock:
                    self._busy += 1
                self._pool.submit(self._run, row)
            if not rows:
                self._wake.wait(self.poll)
                self._wake.clear()

    def _forget_done(self) -> None:
        with self._lock:
            done, self._done = self._done, []
        try:
            finish(self.core.engine, done)
        except Exception:  # the rows come back after their lease and run again: better twice than never
            log.exception("could not delete finished requests %s", done)

    def _run(self, row: AcceptedRequest) -> None:
        try:
            self.run_one(row)
        except Exception:
            log.exception("accepted request %s could not be run; it is tried again after its lease", row.id)
        finally:
            with self._lock:
                self._busy -= 1
            self._wake.set()

    def run_one(self, row: AcceptedRequest) -> None:
        assert row.id is not None
        if row.applied_at is not None:  # its change was committed by a worker that died: answer, never run again
            self._answer_late(row)
            with self._lock:
                self._done.append(row.id)
            return
        if row.attempts > MAX_ATTEMPTS:
            self._give_up(row, f"stopped after {MAX_ATTEMPTS} attempts that did not finish")
            return
        with applying(self.core.engine, row.id) as followup:
            response = self.bolt.dispatch(lazy_request(row))
            followup.settle()
        if response.status == 200:
            with self._lock:
                self._done.append(row.id)
        else:
            self._give_up(row, f"no listener {row.function} took it (HTTP {response.status}: {response.body})")

    def _answer_late(self, row: AcceptedRequest) -> None:
        """The follow-up's change was committed but Slack never confirmed the person's answer: tell them now,
        once, through the request's response_url while it lives, else ephemerally in the channel, else by DM;
        a log line when none of them reaches the person. A Slack error leaves the row for a later claim."""
        assert row.id is not None and row.applied_at is not None
        if row.answered_at is not None:
            return
        body = lazy_request(row).body
        req = Request(self.core, user_of(body), channel_of(body), body)
        with Session(self.core.engine) as session:
            req.incident = incident_of_channel(self.core, session, body)
        command = " ".join(part for part in (body.get("command"), body.get("text")) if part)
        what = f"`{said(truncate(from_slack(command), 80))}`" if body.get("command") else req.say(
            "followup.your_request")
        text = req.say("followup.delayed", what=what, at=row.applied_at)
        try:
            if not self._answer_by_url(body, row, text):
                req.reply(text)
        except Exception:
            if row.attempts <= MAX_ATTEMPTS:
                raise  # Slack may be away for a moment: the row comes back after its lease
            log.exception("could not tell %s that accepted request %s took effect", req.user_id, row.id)
            return
        mark_answered(self.core.engine, row.id)

    def _answer_by_url(self, body: dict, row: AcceptedRequest, text: str) -> bool:
        """Answer through the request's response_url while it is valid; False when it is not (or Slack says no)."""
        url = response_url_of(body)
        if not url or utcnow() - row.received_at > RESPONSE_URL_LIFE:
            return False
        try:
            answer = Respond(response_url=url)(text=text, response_type="ephemeral", replace_original=False)
        except Exception:
            log.warning("the delayed answer of accepted request %s could not use its response_url", row.id)
            return False
        return answer.status_code == 200

    def _give_up(self, row: AcceptedRequest, why: str) -> None:
        """Keep the row as failed and tell the person through the one error path (with a reference)."""
        assert row.id is not None
        give_up(self.core.engine, row.id, why)
        body = lazy_request(row).body
        url = response_url_of(body)
        req = Request(self.core, user_of(body), channel_of(body), body,
                      respond=Respond(response_url=url) if url else None)
        answer_failure(req, row.function, RuntimeError(f"accepted request {row.id}: {why}"))


def watch_parent(parent: int, stop: threading.Event, every: float = 1.0) -> threading.Thread:
    """Set ``stop`` when the process that started this one is gone (``warroom serve`` was killed)."""

    def watch() -> None:
        while not stop.wait(every):
            if os.getppid() != parent:
                log.warning("the serving process %s is gone: the worker stops", parent)
                stop.set()

    thread = threading.Thread(target=watch, name="warroom-parent-watch", daemon=True)
    thread.start()
    return thread


def run(core: Core, stop: threading.Event, health_port: int | None = None, health_host: str = "0.0.0.0") -> None:
    """The worker role until ``stop`` is set: accepted requests, room set-ups, scheduled jobs, the outbox and the
    drafts, with a heartbeat row the web role's /healthz reads, and (``health_port``) its own /healthz and
    /metrics for an orchestrator."""
    bolt = build_bolt(core, verify=False)
    if core.scheduler is None:
        Scheduler(core)
    monitoring_jobs.plan(core)
    drafts = resume_drafts(core)
    if drafts:
        log.info("resuming the drafts of statements %s", drafts)
    setups = serve_setups(core, SETUP_POLL_SECONDS)
    worker = Worker(core, bolt, lease=lease_from_env()).start()
    wakeups = Wakeups(core.engine, {INCIDENTS: setups.wake, REQUESTS: worker.wake}).start()
    heartbeat = Heartbeat(core.engine, worker.name, RUNS, wake_port=wakeups.port).start()
    setups.wake()  # what was stored before the wake-ups were heard
    worker.wake()
    health = HealthServer(core, health_port, health_host, worker=worker, heartbeat=heartbeat,
                          wakeups=wakeups).start() if health_port is not None else None
    gc.collect()
    gc.freeze()  # what start-up loaded lives as long as the process: keep it out of full collections
    log.info("worker %s is taking accepted requests and setting rooms up", worker.name)
    stop.wait()
    if health is not None:
        health.stop()
    heartbeat.stop()
    wakeups.stop()
    setups.stop()
    worker.stop()
    core.shutdown()
