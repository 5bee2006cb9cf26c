"""Slack's request signature: the headers' shape first (cheap, before the body), then the HMAC over the body."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Mapping

# Slack refuses, and so do we, requests whose timestamp is more than five minutes from now.
MAX_AGE = 300
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class Refused(Exception):
    """The request is not from Slack (or not any more); ``status`` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def signed_headers(headers: Mapping[str, str], now: float | None = None) -> tuple[int, str]:
    """The request's timestamp and signature, refused (401) when missing, malformed or stale."""
    raw_timestamp = headers.get("x-slack-request-timestamp")
    signature = headers.get("x-slack-signature")
    if not raw_timestamp or not signature:
        raise Refused(401, "missing X-Slack-Request-Timestamp or X-Slack-Signature")
    if not raw_timestamp.isascii() or not raw_timestamp.isdigit() or len(raw_timestamp) > 12:
        raise Refused(401, "X-Slack-Request-Timestamp is not a number of seconds")
    timestamp = int(raw_timestamp)
    if abs((time.time() if now is None else now) - timestamp) > MAX_AGE:
        raise Refused(401, "X-Slack-Request-Timestamp is more than five minutes away from now")
    if not _SIGNATURE.fullmatch(signature):
        raise Refused(401, "X-Slack-Signature is not a v0= signature")
    return timestamp, signature


def check_signature(secret: str, timestamp: int, signature: str, body: bytes) -> None:
    """Refuse (401) a body whose HMAC-SHA256 over ``v0:{timestamp}:{raw body}`` does not match the signature.

    Computed over the raw bytes, so that a body which is not UTF-8 is refused, not a crash.
    """
    digest = hmac.new(secret.encode(), b"v0:%d:%b" % (timestamp, body), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(f"v0={digest}".encode(), signature.encode()):
        raise Refused(401, "X-Slack-Signature does not match the body")
