"""Pacing a room's set-up to Slack's rate limits, so that urgent rooms never wait behind a storm.

Slack counts its limits per method and workspace. After a 429 every room waiting for that method waits
for the same moment (Slack's Retry-After), instead of each asking and being refused, and the set-up order
then decides who goes first. Of the Tier-2 methods (about 20 calls a minute), rooms of low and medium
incidents leave the last few calls of each minute to high and critical ones.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import datetime, timedelta

from app.timeutil import utcnow

# The method each step is limited by (chat.postMessage is limited per channel, so it is not here).
STEP_METHOD = {"create_channel": "conversations.create", "invite": "conversations.invite",
               "set_topic": "conversations.setTopic", "pin_briefing": "pins.add", "bookmark": "bookmarks.add"}
TIER_2 = {"conversations.create", "conversations.setTopic", "pins.add", "bookmarks.add"}
TIER_2_PER_MINUTE = 20
KEPT_FOR_URGENT = 5
URGENT = {"critical", "high"}


class Pacing:
    """This process's view of Slack's limits for the set-up's methods."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._closed_until: dict[str, datetime] = {}  # method -> end of Slack's Retry-After
        self._recent: dict[str, deque[float]] = {}  # method -> times of our calls in the last minute

    def wait_until(self, step: str, severity: str) -> datetime | None:
        """None when the step may call Slack now (and the call is counted), else when it may."""
        method = STEP_METHOD.get(step)
        if method is None:
            return None
        with self._lock:
            closed = self._closed_until.get(method)
            if closed is not None and closed > utcnow():
                return closed
            if method not in TIER_2:
                return None
            now = time.monotonic()
            calls = self._recent.setdefault(method, deque())
            while calls and calls[0] <= now - 60:
                calls.popleft()
            allowed = TIER_2_PER_MINUTE if severity in URGENT else TIER_2_PER_MINUTE - KEPT_FOR_URGENT
            if len(calls) >= allowed:
                return utcnow() + timedelta(seconds=calls[len(calls) - allowed] + 60 - now)
            calls.append(now)
            return None

    def refused(self, step: str, retry_after: float) -> datetime | None:
        """Slack answered 429 to this step's method: when every room may ask again (None if not paced)."""
        method = STEP_METHOD.get(step)
        if method is None:
            return None
        reopen = utcnow() + timedelta(seconds=retry_after)
        with self._lock:
            reopen = self._closed_until[method] = max(reopen, self._closed_until.get(method, reopen))
        return reopen
