"""HTTP routes of the alert intake: generic JSON, Alertmanager/Grafana and PagerDuty webhooks."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app import metrics
from app.alerts import flows
from app.alerts.parsers import AlertFormatError, AlertIn, parse_alertmanager, parse_generic, parse_pagerduty
from app.alerts.signatures import bearer_token_ok, verify_pagerduty_signature
from app.core import Core

MAX_BODY = 256 * 1024


def _error(status: int, message: str, **extra) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


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


def _endpoint(core: Core, parse: Callable[[object], list[AlertIn]], *, pagerduty: bool = False):
    async def receive(request: Request) -> JSONResponse:
        started = time.perf_counter()
        body = await _read_body(request)
        if isinstance(body, JSONResponse):
            return body
        denied = _authorised(core, request, body, pagerduty=pagerduty)
        if denied:
            return denied
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            return _error(400, f"body is not valid JSON: {exc}")
        try:
            alerts = parse(payload)
        except AlertFormatError as exc:
            return _error(422, str(exc), field=exc.field)
        # Committed by the intake's writer thread, together with whatever else arrived meanwhile.
        results = await asyncio.wrap_future(flows.batcher(core).submit(alerts))
        metrics.INTAKE_LATENCY.observe(time.perf_counter() - started)
        first = results[0].as_dict()
        return JSONResponse({**first, "results": [r.as_dict() for r in results]}, status_code=202)

    return receive


def routes(core: Core) -> list[Route]:
    return [
        Route("/alerts", _endpoint(core, lambda body: [parse_generic(body)]), methods=["POST"]),
        Route("/alerts/alertmanager", _endpoint(core, parse_alertmanager), methods=["POST"]),
        Route("/alerts/grafana", _endpoint(core, parse_alertmanager), methods=["POST"]),
        Route("/alerts/pagerduty", _endpoint(core, lambda body: [parse_pagerduty(body)], pagerduty=True),
              methods=["POST"]),
    ]
