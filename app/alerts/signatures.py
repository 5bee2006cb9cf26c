"""Authenticity checks for incoming alert webhooks: PagerDuty signatures and bearer tokens."""

from __future__ import annotations

import hashlib
import hmac


def pagerduty_signature(raw_body: bytes, secret: str) -> str:
    """The ``v1=<hex>`` signature PagerDuty sends for this body and secret."""
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify_pagerduty_signature(raw_body: bytes, header: str | None, secrets: list[str] | str) -> bool:
    """True when any ``v1=`` signature in the ``X-PagerDuty-Signature`` header matches any secret.

    The header may hold several comma-separated signatures (PagerDuty sends one per active secret
    during rotation); each comparison is constant-time.
    """
    if not header:
        return False
    keys = [secrets] if isinstance(secrets, str) else list(secrets)
    expected = [pagerduty_signature(raw_body, key).encode() for key in keys if key]
    offered = [part.strip().encode() for part in header.split(",") if part.strip().startswith("v1=")]
    matched = False
    for signature in offered:
        for candidate in expected:
            matched |= hmac.compare_digest(signature, candidate)
    return matched


def bearer_token_ok(authorization_header: str | None, expected: str) -> bool:
    """True for ``Authorization: Bearer <expected>``; an empty expected token never matches."""
    if not authorization_header or not expected:
        return False
    scheme, _, token = authorization_header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.strip().encode(), expected.encode())
