"""The ASGI application: Slack's Request URL, the alert intake, health and metrics.

In the ``web`` role it only verifies, acks and accepts: the follow-up work of Slack's requests and the room
set-ups of the incidents it stores are left to the worker processes (app/web.py, app/worker.py), whose
heartbeats /healthz reports. In the ``all`` role (one process, the sandbox and Socket Mode) the same work runs
on threads of this process.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt import App, BoltResponse
from slack_bolt.request import BoltRequest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app import metrics
from app.alerts.http import routes as alert_routes
from app.config import ConfigError, serving_problems
from app.core import Core
from app.effects.service import outbox_health
from app.health import database_check
from app.inbound import stages
from app.inbound.body import SLACK_BODY_LIMIT, BadLength, BodyTooLarge, read_capped
from app.inbound.replays import ReplayGuard
from app.inbound.shape import shape_problem
from app.inbound.signature import Refused, check_signature, signed_headers
from app.incidents.setup import leave_to_workers, resume_all, warm_up
from app.incidents.setup_health import setup_health
from app.monitoring import jobs as monitoring_jobs
from app.monitoring.http import routes as monitoring_routes
from app.monitoring.polling import connector_health
from app.scheduling.scheduler import Scheduler
from app.web import acknowledge, store_follow_ups
from app.wiring import acks_off_loop, build_bolt, build_web_bolt
from app.workers.heartbeat import ALIVE_WITHIN, alive
from app.workers.wakeup import ring_workers

log = logging.getLogger(__name__)
Headers = dict[str, str | Sequence[str]]  # as Bolt takes them: each name with its values
Endpoint = Callable[[Request], Awaitable[Response]]


def resume_drafts(core: Core) -> list[int]:
    """The drafts a stopped process left unfinished, resumed (``all`` role). Loaded on use: the drafting code
    (model client, statement checks) is heavy, and the web role never drafts."""
    from app.statements.flows import resume_drafts as resume

    return resume(core)


def _kind(body: bytes, content_type: str) -> str:
    if b"command=" in body[:2000] and "form" in content_type:
        return "command"
    if body.startswith(b"payload="):
        return "interaction"
    return "event"


def _refusal(status: int, reason: str) -> Response:
    log.info("refused a request on /slack/events with %s: %s", status, reason)
    return Response(reason, status_code=status, media_type="text/plain",
                    headers={"Connection": "close"} if status == 413 else None)


async def admit(request: Request, secret: str, limit: int = SLACK_BODY_LIMIT) -> tuple[bytes, str, int] | Response:
    """The body, signature and timestamp of a request signed by Slack, or the answer that refuses it.

    Cheapest first: the signature headers' shape and the size Content-Length announces, before a body
    byte is read; then the body, read with a cap while it streams; then the HMAC over the raw bytes.
    """
    try:
        timestamp, signature = signed_headers(request.headers)
        body = await read_capped(request, limit)
        check_signature(secret, timestamp, signature, body)
    except BodyTooLarge:
        return _refusal(413, f"Slack requests are at most {limit} bytes")
    except ClientDisconnect:
        return _refusal(400, "the client went away before the whole body arrived")
    except BadLength:
        return _refusal(400, "Content-Length is not a number")
    except Refused as refused:
        return _refusal(refused.status, refused.reason)
    return body, signature, timestamp


def read_request(body: bytes, query: str, headers: Headers) -> BoltRequest | Response:
    """The signed body as Bolt's request, or the answer that refuses what is not a Slack request."""
    try:
        bolt_request = BoltRequest(body=body.decode("utf-8"), query=query, headers=headers)
    except UnicodeDecodeError:
        return _refusal(400, "the body is not UTF-8 text")
    except Exception as exc:  # a signed body that is not what its content type says (broken JSON, a list)
        return _refusal(400, f"the body cannot be read as a Slack request ({type(exc).__name__})")
    problem = shape_problem(bolt_request.body)
    if problem:
        return _refusal(400, f"the body is not shaped like a Slack request: {problem}")
    return bolt_request


def _replayed(signature: str) -> Response:
    log.warning("a signed request was sent again (signature %s...): acknowledged, not acted on", signature[:12])
    return Response(b"", status_code=200)


def _answer(response: BoltResponse) -> Response:
    headers = {k: v[0] for k, v in response.headers.items() if v and k.lower() != "content-length"}
    return Response(content=response.body, status_code=response.status, headers=headers)


def dispatch(bolt: App, replays: ReplayGuard, body: bytes, signature: str, timestamp: int, query: str,
             headers: Headers) -> Response:
    """Read a signed body, refuse what is not a Slack request, skip a replay, and run Bolt (in one thread)."""
    bolt_request = read_request(body, query, headers)
    if isinstance(bolt_request, Response):
        return bolt_request
    if not replays.first_time(signature, timestamp):
        return _replayed(signature)
    return _answer(bolt.dispatch(bolt_request))


async def dispatch_on_loop(bolt: App, replays: ReplayGuard, body: bytes, signature: str, timestamp: int, query: str,
                           headers: Headers, trace: Any = stages.OFF) -> Response:
    """``dispatch`` for the web role, on the event loop: only what waits outside the process goes to a thread
    (the replay record while another writer holds the database, acks that call Slack or read the database)."""
    bolt_request = read_request(body, query, headers)
    trace.mark("parse")
    if isinstance(bolt_request, Response):
        return bolt_request
    first = replays.first_time_at_once(signature, timestamp)
    if first is None:
        trace.mark("replay-at-once")
        first = await run_in_threadpool(replays.record, signature, timestamp)
    trace.mark("replay")
    if not first:
        return _replayed(signature)
    return _answer(await acknowledge(bolt, bolt_request, acks_off_loop, trace=trace))


def slack_endpoint(bolt: App, core: Core, replays: ReplayGuard, *, on_loop: bool = False) -> Endpoint:
    """Slack's Request URL. ``on_loop`` (the web role): Bolt acks on the event loop, follow-ups are stored."""
    secret = core.settings.slack_signing_secret

    async def handle(request: Request) -> Response:
        started = time.perf_counter()
        trace = stages.trace("slack")
        admitted = await admit(request, secret)
        trace.mark("read+verify")
        if isinstance(admitted, Response):
            return admitted
        body, signature, timestamp = admitted
        headers: Headers = {k: [v] for k, v in request.headers.items()}
        if on_loop:
            response = await dispatch_on_loop(bolt, replays, body, signature, timestamp, request.url.query, headers,
                                              trace)
        else:
            # Bolt's dispatch is synchronous and starts the follow-ups itself: keep it off the event loop.
            response = await run_in_threadpool(dispatch, bolt, replays, body, signature, timestamp,
                                               request.url.query, headers)
        metrics.ACK_LATENCY.labels(kind=_kind(body, request.headers.get("content-type", ""))).observe(
            time.perf_counter() - started)
        trace.mark("answer")
        trace.done(response.status_code)
        return response

    return handle


def workers_check(core: Core) -> dict[str, Any]:
    """The worker processes whose heartbeat is recent (the web role: without one, nothing follows up)."""
    seen = alive(core.engine)
    return {"ok": bool(seen), "alive_within_seconds": int(ALIVE_WITHIN.total_seconds()),
            "alive": [worker.as_dict() for worker in seen]}


def health_endpoint(core: Core, web_only: bool = False) -> Endpoint:
    def work() -> dict[str, Any]:
        return {**setup_health(core), **outbox_health(core.engine)}

    def connectors() -> dict[str, Any]:
        return connector_health(core).as_dict()

    async def health(_request: Request) -> JSONResponse:
        database = await run_in_threadpool(database_check, core.engine)
        checks: dict[str, Any] = {"database": database.as_dict()}
        stuck = False
        if database.ok:  # work that needs people: stopped set-ups, Slack posts that failed for good
            checks["work"] = await run_in_threadpool(work)
            checks["connectors"] = await run_in_threadpool(connectors)
            stuck = bool(checks["work"]["setups_failed"] or checks["work"]["effects_failed"]
                         or not checks["connectors"].get("ok", True))
            if web_only:  # the follow-ups and set-ups this process stores wait for a live worker
                checks["workers"] = await run_in_threadpool(workers_check, core)
                stuck = stuck or not checks["workers"]["ok"]
        status = "degraded" if not database.ok or stuck else "ok"
        # Only a database that does not answer takes the process out of service (503); stuck work is reported.
        return JSONResponse({"ok": database.ok, "status": status, "checks": checks},
                            status_code=200 if database.ok else 503)

    return health


def metrics_endpoint(core: Core, web_only: bool = False) -> Endpoint:
    async def metrics_page(_request: Request) -> Response:
        if web_only:  # sets the gauge of live workers (warroom_workers_alive) from their heartbeats
            with contextlib.suppress(Exception):  # a database that does not answer shows in /healthz
                await run_in_threadpool(alive, core.engine)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return metrics_page


ROLES = ("all", "web")


def create_app(core: Core, bolt: App | None = None, *, scheduler: bool = True, socket_mode: bool = False,
               role: str = "all", on_start: Callable[[], object] | None = None,
               on_stop: Callable[[], None] | None = None) -> Starlette:
    """The web application. ``bolt`` defaults to the full war-room Bolt app built on ``core``.

    ``role="web"``: Slack's follow-up work is stored for a worker (``warroom worker``), which also sets up the
    rooms of the incidents this process stores and runs the scheduled jobs, the outbox and the drafts; this
    process keeps the alert intake and reports the workers' heartbeats in /healthz.
    In Socket Mode Slack's traffic arrives over the socket: ``/slack/events`` is not served at all (404).
    Over HTTP, settings whose signing secret would let anyone forge requests are refused (ConfigError).
    ``on_start`` runs once the server is ready to serve, ``on_stop`` when it shuts down (``warroom serve``
    starts and stops its worker process there).
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    problems = [] if socket_mode else serving_problems(core.settings)
    if problems:
        raise ConfigError("unsafe configuration:\n  " + "\n  ".join(problems))
    web_only = role == "web"
    if bolt is None:
        bolt = build_web_bolt(core) if web_only else build_bolt(core)
    writer = store_follow_ups(bolt, core.engine) if web_only else None
    if web_only:
        leave_to_workers(core)  # the incidents stored here are set up by a worker process
        ring_workers(core.engine)  # and woken as soon as one (or a follow-up) is committed
    replays = ReplayGuard(core.engine)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if scheduler and core.scheduler is None:
            Scheduler(core, start=not web_only)  # the web role only writes jobs; the worker runs them
        handler = None
        if socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler  # Socket Mode only: not loaded over HTTP

            handler = SocketModeHandler(bolt, core.settings.slack_app_token)
            handler.connect()
        if not web_only:
            monitoring_jobs.plan(core)  # connector polls, signal evaluation and retention (each plans its next run)
            core.submit(warm_up, core)
            resumed = resume_all(core)
            if resumed:
                log.info("resuming the set-up of incidents %s", resumed)
            drafts = resume_drafts(core)
            if drafts:
                log.info("resuming the drafts of statements %s", drafts)
        # Everything loaded so far lives as long as the process: keep it out of the collector's full
        # passes, which otherwise stop every thread for 100 ms and more (the slowest acks).
        gc.collect()
        gc.freeze()
        watcher = stages.start()  # WARROOM_STAGE_TIMES: event-loop stalls and collections, for tracing
        if on_start is not None:
            on_start()
        yield
        if watcher is not None:
            watcher.cancel()
        stages.flush()
        if on_stop is not None:
            on_stop()
        if writer is not None:
            writer.stop()
        if handler is not None:
            handler.close()
        replays.close()
        core.shutdown()

    routes = [
        *([] if socket_mode else [Route("/slack/events", slack_endpoint(bolt, core, replays, on_loop=web_only),
                                              methods=["POST"])]),
        Route("/healthz", health_endpoint(core, web_only), methods=["GET"]),
        Route("/metrics", metrics_endpoint(core, web_only), methods=["GET"]),
        *alert_routes(core),
        *monitoring_routes(core),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.core = core
    app.state.bolt = bolt
    return app
