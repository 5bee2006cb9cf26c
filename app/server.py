"""The ASGI application: Slack's Request URL, the alert intake, health and metrics, in one process."""

from __future__ import annotations

import contextlib
import gc
import logging
import time

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt import App
from slack_bolt.request import BoltRequest
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app import metrics
from app.alerts.http import routes as alert_routes
from app.core import Core
from app.incidents.setup import resume_all, warm_up
from app.scheduling.scheduler import Scheduler
from app.statements.flows import resume_drafts
from app.wiring import build_bolt

log = logging.getLogger(__name__)


def _kind(body: bytes, content_type: str) -> str:
    if b"command=" in body[:2000] and "form" in content_type:
        return "command"
    if body.startswith(b"payload="):
        return "interaction"
    return "event"


def slack_endpoint(bolt: App):
    async def handle(request: Request) -> Response:
        started = time.perf_counter()
        body = await request.body()
        bolt_request = BoltRequest(body=body.decode("utf-8"), query=request.url.query,
                                   headers={k: [v] for k, v in request.headers.items()})
        # Bolt's dispatch is synchronous: keep it off the event loop.
        response = await run_in_threadpool(bolt.dispatch, bolt_request)
        metrics.ACK_LATENCY.labels(kind=_kind(body, request.headers.get("content-type", ""))).observe(
            time.perf_counter() - started)
        headers = {k: v[0] for k, v in response.headers.items() if v and k.lower() != "content-length"}
        return Response(content=response.body, status_code=response.status, headers=headers)

    return handle


def health_endpoint(core: Core):
    def check() -> bool:
        with core.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True

    async def health(_request: Request) -> JSONResponse:
        try:
            await run_in_threadpool(check)
        except Exception as exc:  # the database does not answer
            return JSONResponse({"ok": False, "error": type(exc).__name__}, status_code=503)
        return JSONResponse({"ok": True})

    return health


async def metrics_endpoint(_request: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def create_app(core: Core, bolt: App | None = None, *, scheduler: bool = True, socket_mode: bool = False) -> Starlette:
    """The web application. ``bolt`` defaults to the full war-room Bolt app built on ``core``."""
    bolt = bolt or build_bolt(core)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        if scheduler and core.scheduler is None:
            Scheduler(core)
        handler = None
        if socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            handler = SocketModeHandler(bolt, core.settings.slack_app_token)
            handler.connect()
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
        yield
        if handler is not None:
            handler.close()
        core.shutdown()

    routes = [
        Route("/slack/events", slack_endpoint(bolt), methods=["POST"]),
        Route("/healthz", health_endpoint(core), methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        *alert_routes(core),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.core = core
    app.state.bolt = bolt
    return app
