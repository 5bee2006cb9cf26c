"""Signed delivery of approved statements to the optional publish webhook (never drafts)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx

from app.i18n import language_of, say

SIGNATURE_HEADER = "X-Warroom-Signature"
TIMESTAMP_HEADER = "X-Warroom-Timestamp"
# The same for every try of one approved version (after a crash, too): a receiver drops repeats by it.
DELIVERY_HEADER = "X-Warroom-Delivery"
log = logging.getLogger(__name__)


def delivery_id(payload: dict[str, Any]) -> str:
    return f"statement-{payload.get('statement_id')}-v{payload.get('version')}"


@dataclass
class Delivery:
    """How a delivery went: the last HTTP status (if any), attempts made and the error when it failed."""

    ok: bool
    status: int | None
    attempts: int
    error: str | None = None


def _failed(language: str, exc: httpx.HTTPError) -> str:
    """A try that got no answer, in words, naming the error's kind (its details go to the log)."""
    key = "publish.timeout" if isinstance(exc, httpx.TimeoutException) else "publish.unreachable"
    return say(language, key, error=type(exc).__name__)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``v1=<hex HMAC-SHA256 of "{timestamp}.{body}">``."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, tolerance: float = 300.0,
           now: float | None = None) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def deliver(url: str, secret: str, payload: dict[str, Any], *, timeout: float = 5.0, retries: int = 2,
            backoff: float = 0.5, client: httpx.Client | None = None) -> Delivery:
    """POST the payload, signed; retries connection errors, 429 and 5xx. Never raises. A failure's ``error`` is
    told to people, in the statement's language (``payload["language"]``)."""
    body = encode(payload)
    language = language_of(payload.get("language"))
    owned = client is None
    http = client or httpx.Client(timeout=timeout, trust_env=False)
    status: int | None = None
    error: str | None = None
    attempts = 0
    try:
        for attempt in range(retries + 1):
            attempts = attempt + 1
            timestamp = str(int(time.time()))
            headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
                       SIGNATURE_HEADER: sign(secret, timestamp, body), DELIVERY_HEADER: delivery_id(payload)}
            try:
                response = http.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                log.warning("publish webhook, try %s of %s: %s: %s", attempts, retries + 1, type(exc).__name__, exc)
                status, error = None, _failed(language, exc)
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return Delivery(True, status, attempts)
                error = say(language, "publish.http_status", status=status)
                if status != 429 and status < 500:
                    break
            if attempt < retries:
                time.sleep(backoff * (attempt + 1))
    finally:
        if owned:
            http.close()
    return Delivery(False, status, attempts, error)
