"""What a failure during a room's set-up means: try again later (transient) or stop and tell people.

Transient: Slack's rate limit (429), its server errors (5xx), timeouts and lost connections. They are
retried with exponential backoff up to a cap, never sooner than Slack's Retry-After. A server error or a
lost answer is also *uncertain*: the call may have taken effect, so the step checks before repeating it.
Everything else (a missing permission, a wrong channel, a revoked token, no free channel name) is
permanent: retrying cannot help until a person fixes it.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from http.client import HTTPException
from urllib.error import URLError

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import OperationalError

BACKOFF_BASE = 1.0  # seconds before the first retry
BACKOFF_CAP = 300.0  # never wait longer than this between two tries (unless Slack says so)

# Error codes Slack answers with HTTP 200 that still mean "try again later".
TRANSIENT_CODES = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}

EXPLAIN = {
    "missing_scope": "the Slack app lacks a permission{needed}; add it and reinstall the app",
    "restricted_action": "the workspace's settings do not allow the app to do this (ask a Slack admin)",
    "cant_invite": "Slack does not let the app invite people to this channel",
    "channel_not_found": "the channel does not exist, or the app cannot see it",
    "not_in_channel": "the app is not a member of the channel",
    "is_archived": "the channel is archived",
    "invalid_auth": "the bot token is not valid (SLACK_BOT_TOKEN)",
    "not_authed": "no bot token was sent (SLACK_BOT_TOKEN)",
    "token_revoked": "the bot token was revoked; reinstall the app",
    "account_inactive": "the bot token belongs to a deactivated app or user; reinstall the app",
    "no_permission": "the app is not allowed to do this in this workspace",
    "ekm_access_denied": "the workspace's key management denied access",
    "names_exhausted": "no free channel name",
}


@dataclass(frozen=True)
class Failure:
    """One failed call, classified."""

    code: str
    transient: bool
    uncertain: bool = False  # the call may have taken effect: check before trying again
    retry_after: float | None = None
    needed: str | None = None  # the scope Slack says is missing

    @property
    def reason(self) -> str:
        """The failure in words, for the lead, the announce channel and /healthz."""
        if self.code in EXPLAIN:
            needed = f" (`{self.needed}`)" if self.needed else ""
            return f"`{self.code}`: " + EXPLAIN[self.code].format(needed=needed)
        return f"`{self.code}`"


class PermanentSetupError(RuntimeError):
    """A step cannot succeed until a person fixes something (e.g. every channel name is taken)."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


def _retry_after(exc: SlackApiError) -> float | None:
    headers = getattr(exc.response, "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def classify(exc: BaseException) -> Failure:
    """How a step's failure should be handled."""
    if isinstance(exc, PermanentSetupError):
        return Failure(exc.code, transient=False)
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", 200) or 200
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        code = str(data.get("error") or f"http_{status}")
        if status == 429 or code == "ratelimited":
            return Failure("ratelimited", transient=True, retry_after=_retry_after(exc))
        if status >= 500:  # the body is often not JSON; slack_sdk then puts its own message in "error"
            return Failure(f"http_{status}", transient=True, uncertain=True)
        if code in TRANSIENT_CODES:
            return Failure(code, transient=True, uncertain=True)
        return Failure(code, transient=False, needed=data.get("needed"))
    if isinstance(exc, TimeoutError | socket.timeout):
        return Failure("timeout", transient=True, uncertain=True)
    if isinstance(exc, URLError | HTTPException | ConnectionError):
        return Failure("connection_lost", transient=True, uncertain=True)
    if isinstance(exc, OperationalError):  # the database was busy; nothing was sent
        return Failure("database_busy", transient=True)
    if isinstance(exc, OSError):
        return Failure("network_error", transient=True, uncertain=True)
    return Failure(f"internal_error ({type(exc).__name__})", transient=False)


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds until the next try after ``attempts`` failed ones: 1, 2, 4, ... up to the cap."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    return float(max(delay, retry_after or 0.0))
