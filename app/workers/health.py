"""A worker's own health port (``warroom worker --health-port N``), so an orchestrator can probe the worker
itself rather than the web role's view of it.

``GET /healthz``: JSON with whether the worker is alive (its heartbeat is being written), its last beat, the
depths of its queues (accepted requests waiting, rooms in line, what it runs now), whether wake-ups reach it,
and the database, work and connector checks as the web role's /healthz reports them. 200 while the database
answers and the heartbeat is fresh, 503 otherwise (restart it). ``GET /metrics``: the Prometheus text of this
process. A small threaded server from the standard library; it reads the database only when asked.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.core import Core
from app.effects.service import outbox_health
from app.health import database_check
from app.incidents.setup_health import setup_health
from app.incidents.setup_queue import line
from app.monitoring.polling import connector_health
from app.requests_queue.models import AcceptedRequest
from app.timeutil import as_utc, utcnow
from app.workers.heartbeat import ALIVE_WITHIN, Heartbeat
from app.workers.wakeup import Wakeups

if TYPE_CHECKING:
    from app.worker import Worker

log = logging.getLogger(__name__)


def queue_depths(core: Core) -> dict[str, int]:
    """Work waiting for any worker: accepted requests not yet claimed or retried, rooms in line to be set up."""
    with Session(core.engine) as session:
        waiting = session.exec(select(func.count()).select_from(AcceptedRequest)
                               .where(col(AcceptedRequest.status) == "waiting")).one()
        ready, _ = line(session)
    return {"requests_waiting": int(waiting), "setups_in_line": len(ready)}


def worker_health(core: Core, worker: Worker, heartbeat: Heartbeat, wakeups: Wakeups | None) -> tuple[int, dict]:
    """The HTTP status and the JSON body of /healthz."""
    last = heartbeat.last_beat
    age = (utcnow() - as_utc(last)).total_seconds() if last is not None else None
    beating = age is not None and age <= ALIVE_WITHIN.total_seconds()
    database = database_check(core.engine)
    scheduler = core.scheduler
    checks: dict[str, Any] = {
        "database": database.as_dict(),
        "heartbeat": {"ok": beating, "last_beat": last.isoformat() if last else None,
                      "seconds_ago": round(age, 1) if age is not None else None,
                      "alive_within_seconds": int(ALIVE_WITHIN.total_seconds())},
        "wakeups": {"listening": bool(wakeups and wakeups.listening), "received": wakeups.received if wakeups else 0},
        "scheduler": {"running": bool(scheduler is not None and scheduler.aps.running)},
        "running": {"requests": worker.busy},
    }
    stuck = False
    if database.ok:
        checks["queues"] = queue_depths(core)
        checks["work"] = {**setup_health(core), **outbox_health(core.engine)}
        checks["connectors"] = connector_health(core).as_dict()
        stuck = bool(checks["work"]["setups_failed"] or checks["work"]["effects_failed"]
                     or not checks["connectors"].get("ok", True))
    ok = database.ok and beating
    status = "ok" if ok and not stuck and checks["scheduler"]["running"] else "degraded"
    return (200 if ok else 503), {"ok": ok, "status": status, "worker": worker.name, "checks": checks}


class HealthServer:
    """Serves /healthz and /metrics for one worker on ``host``:``port`` (0: a free port, see ``port``)."""

    def __init__(self, core: Core, port: int, host: str = "0.0.0.0", *, worker: Worker, heartbeat: Heartbeat,
                 wakeups: Wakeups | None = None) -> None:
        probe = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the standard library's name
                path = self.path.split("?", 1)[0]
                if path == "/healthz":
                    try:
                        status, body = worker_health(core, worker, heartbeat, probe.wakeups)
                    except Exception as exc:  # a check that cannot run is an unhealthy worker, said plainly
                        log.exception("the worker's health check failed")
                        status, body = 503, {"ok": False, "status": "error", "error": type(exc).__name__}
                    self._send(status, "application/json", json.dumps(body).encode())
                elif path == "/metrics":
                    self._send(200, CONTENT_TYPE_LATEST, generate_latest())
                else:
                    self._send(404, "text/plain; charset=utf-8", b"not found: /healthz and /metrics are served\n")

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - probes are not worth a log line
                return

        self.wakeups = wakeups
        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="warroom-worker-health", daemon=True)

    def start(self) -> HealthServer:
        self._thread.start()
        log.info("worker health on port %s (/healthz, /metrics)", self.port)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
