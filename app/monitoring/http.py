"""``POST /mentions``: batches of posts from a social-listening feed, with the alert intake's token and rules.

401 without the bearer token, 413 above ``BODY_MAX``, 400 for a body that is not JSON, 422 naming every
wrong field, 503 with ``Retry-After`` when the database cannot take the write or the monitors cannot be
loaded (nothing stored), else
202 with what was stored. Sending a batch again stores nothing twice.
"""

from __future__ import annotations

import logging
import time
import uuid

from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.alerts.formats.model import AlertFormatError
from app.alerts.formats.payload import BodyError, decode
from app.alerts.http import unavailable
from app.alerts.signatures import bearer_token_ok
from app.core import Core
from app.monitoring import metrics
from app.monitoring.intake import BODY_MAX, parse_mentions
from app.monitoring.store import store_posts
from app.playbooks.errors import PlaybookError

log = logging.getLogger(__name__)


def _error(status: int, message: str, **extra) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


async def _read(request: Request) -> bytes | JSONResponse:
    declared = request.headers.get("content-length")
    too_large = _error(413, f"body over {BODY_MAX // 1024} KiB: send the mentions in smaller batches")
    if declared and declared.isdigit() and int(declared) > BODY_MAX:
        return too_large
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > BODY_MAX:
                return too_large
            chunks.append(chunk)
    except ClientDisconnect:
        return _error(400, "the client went away before the whole body arrived")
    return b"".join(chunks)


def mentions_endpoint(core: Core):
    async def receive(request: Request) -> JSONResponse:
        started = time.perf_counter()
        token = core.settings.warroom_alert_token
        if not token:
            return _error(503, "the intake is disabled: set WARROOM_ALERT_TOKEN")
        if not bearer_token_ok(request.headers.get("authorization"), token):
            return _error(401, "missing or wrong bearer token in the Authorization header")
        body = await _read(request)
        if isinstance(body, JSONResponse):
            return body
        try:
            posts = parse_mentions(decode(body))
        except BodyError as exc:
            return _error(400, str(exc))
        except AlertFormatError as exc:
            return _error(422, str(exc), field=exc.field, errors=exc.errors)
        try:
            stored = await run_in_threadpool(store_posts, core, posts)
        except OperationalError as exc:
            return unavailable(exc)
        except PlaybookError as exc:  # the monitors folder is wrong: the sender keeps the posts and retries
            log.error("monitors cannot be loaded: %s", exc)
            return JSONResponse({"error": f"the monitors cannot be loaded ({exc.problems[0]}); nothing was stored",
                                 "retry_after": 60}, status_code=503, headers={"Retry-After": "60"})
        except Exception:
            reference = uuid.uuid4().hex[:12]
            log.exception("mention intake failed (reference %s)", reference)
            return _error(500, f"the mentions could not be stored (reference {reference}); send them again",
                          reference=reference)
        metrics.record_intake(stored, time.perf_counter() - started)
        return JSONResponse(stored.as_dict(), status_code=202)

    return receive


def routes(core: Core) -> list[Route]:
    return [Route("/mentions", mentions_endpoint(core), methods=["POST"])]
