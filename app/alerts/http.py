"""HTTP routes of the alert intake: generic JSON, Alertmanager/Grafana and PagerDuty webhooks.

Every answer is JSON. A body that cannot be read gets 400, one that does not fit its format 422 naming
each wrong field, an event that carries no alert 200 "ignored", a stored alert 202. When the database
cannot take the alert (locked past its wait, disk full) the answer is 503 with ``Retry-After``: the
sender keeps the alert and sends it again, where a 4xx or a bare 500 would lose it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import OperationalError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app import metrics
from app.alerts import flows
from app.alerts.formats.limits import BODY_MAX
from app.alerts.formats.payload import BodyError, decode
from app.alerts.parsers import (
    AlertFormatError,
    AlertIgnored,
    AlertIn,
    parse_alertmanager,
    parse_generic,
    parse_pagerduty,
)
from app.alerts.signatures import bearer_token_ok, verify_pagerduty_signature
from app.core import Core
from app.inbound import stages

log = logging.getLogger(__name__)

MAX_BODY = BODY_MAX
RETRY_AFTER_BUSY = 5  # seconds: another writer holds the database
RETRY_AFTER_FULL = 60  # seconds: the disk is full or failing, which takes a person to fix
DELIVERY_ID_MAX = 200


def _error(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)


async def _read_body(request: Request) -> bytes | JSONResponse:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        return _error(413, f"body over {MAX_BODY // 1024} KiB")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return _error(413, f"body over {MAX_BODY // 1024} KiB")
    return body


def _authorised(core: Core, request: Request, body: bytes, *, pagerduty: bool) -> JSONResponse | None:
    secret = core.settings.warroom_pagerduty_secret
    if pagerduty and secret:
        if verify_pagerduty_signature(body, request.headers.get("x-pagerduty-signature"), secret):
            return None
        return _error(401, "X-PagerDuty-Signature missing or invalid")
    token = core.settings.warroom_alert_token
    if not token:
        return _error(503, "alert intake is disabled: set WARROOM_ALERT_TOKEN")
    if not bearer_token_ok(request.headers.get("authorization"), token):
        return _error(401, "missing or wrong bearer token in the Authorization header")
    return None


def unavailable(exc: OperationalError) -> JSONResponse:
    """503 with Retry-After for a database that cannot take a write now; nothing was stored."""
    reason = str(exc.orig) if exc.orig is not None else type(exc).__name__
    busy = "locked" in reason or "busy" in reason
    wait = RETRY_AFTER_BUSY if busy else RETRY_AFTER_FULL
    what = "busy" if busy else "unable to store data"
    log.warning("alert intake: the database is %s (%s)", what, reason)
    return _error(503, f"the database is {what} ({reason}); nothing was stored, send the alert again in {wait} s",
                  headers={"Retry-After": str(wait)}, retry_after=wait)


def _delivery_id(request: Request, alerts: list[AlertIn], source: str) -> None:
    """Mark the alerts with the sender's delivery id, by which a redelivery is recognised."""
    webhook_id = (request.headers.get("x-webhook-id") or "").strip()
    if webhook_id and len(alerts) == 1:
        alerts[0].delivery_id = f"{source}:{webhook_id[:DELIVERY_ID_MAX]}"


def _endpoint(
    core: Core, parse: Callable[[object], list[AlertIn]], *, pagerduty: bool = False,
) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def receive(request: Request) -> JSONResponse:
        started = time.perf_counter()
        trace = stages.trace("alert")
        body = await _read_body(request)
        trace.mark("read")
        if isinstance(body, JSONResponse):
            return body
        denied = _authorised(core, request, body, pagerduty=pagerduty)
        trace.mark("verify")
        if denied:
            return denied
        try:
            payload = decode(body)
            alerts = parse(payload)
            trace.mark("parse")
        except BodyError as exc:
            return _error(400, str(exc))
        except AlertIgnored as exc:
            metrics.ALERTS_RECEIVED.labels(source="pagerduty" if pagerduty else "alert", outcome="ignored").inc()
            return JSONResponse({"incident_id": None, "status": "ignored", "reason": exc.reason}, status_code=200)
        except AlertFormatError as exc:
            return _error(422, str(exc), field=exc.field, errors=exc.errors)
        if pagerduty:
            _delivery_id(request, alerts, "pagerduty")
        try:
            # Committed by the intake's writer thread, together with whatever else arrived meanwhile.
            results = await flows.batcher(core).store(alerts, trace)
        except OperationalError as exc:
            return unavailable(exc)
        except Exception:
            reference = uuid.uuid4().hex[:12]
            log.exception("alert intake failed (reference %s)", reference)
            return _error(500, f"the alert could not be stored (reference {reference}); send it again",
                          headers={"Retry-After": str(RETRY_AFTER_FULL)}, reference=reference)
        metrics.INTAKE_LATENCY.observe(time.perf_counter() - started)
        first = results[0].as_dict()
        answer = JSONResponse({**first, "results": [r.as_dict() for r in results]}, status_code=202)
        trace.mark("answer")
        trace.done(202)
        return answer

    return receive


def routes(core: Core) -> list[Route]:
    return [
        Route("/alerts", _endpoint(core, lambda body: [parse_generic(body)]), methods=["POST"]),
        Route("/alerts/alertmanager", _endpoint(core, parse_alertmanager), methods=["POST"]),
        Route("/alerts/grafana", _endpoint(core, parse_alertmanager), methods=["POST"]),
        Route("/alerts/pagerduty", _endpoint(core, lambda body: [parse_pagerduty(body)], pagerduty=True),
              methods=["POST"]),
    ]
