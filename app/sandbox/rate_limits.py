"""Slack's Web API rate-limit tiers, enforced per method per workspace."""

from __future__ import annotations

import math
import threading
import time
from collections import deque

TIER_1, TIER_2, TIER_3, TIER_4 = 1, 20, 50, 100

TIERS: dict[str, int] = {
    "conversations.create": TIER_2,
    "conversations.setTopic": TIER_2,
    "conversations.setPurpose": TIER_2,
    "conversations.archive": TIER_2,
    "conversations.unarchive": TIER_2,
    "conversations.rename": TIER_2,
    "conversations.list": TIER_2,
    "users.conversations": TIER_3,
    "pins.add": TIER_2,
    "bookmarks.add": TIER_2,
    "usergroups.list": TIER_2,
    "usergroups.users.list": TIER_2,
    "users.list": TIER_2,
    "conversations.invite": TIER_3,
    "conversations.kick": TIER_3,
    "conversations.info": TIER_3,
    "conversations.open": TIER_3,
    "conversations.join": TIER_3,
    "conversations.history": TIER_3,  # internal apps; commercially distributed ones get 1 a minute
    "conversations.replies": TIER_3,  # the same
    "chat.update": TIER_3,
    "chat.delete": TIER_3,
    "reactions.add": TIER_3,
    "users.lookupByEmail": TIER_3,
}
DEFAULT_TIER = TIER_4

POST_MESSAGE_RATE = 1.0
POST_MESSAGE_BURST = 5.0


class RateLimiter:
    """Sliding one-minute windows per method, and a token bucket per channel for chat.postMessage."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, deque[float]] = {}
        self._buckets: dict[str, tuple[float, float]] = {}

    def check(self, method: str, channel: str | None = None) -> int | None:
        """Count one call; the Retry-After seconds if it is over the limit, else None."""
        now = time.time()
        with self._lock:
            if method == "chat.postMessage":
                return self._take_token(channel or "", now)
            limit = TIERS.get(method, DEFAULT_TIER)
            window = self._windows.setdefault(method, deque())
            while window and window[0] <= now - 60:
                window.popleft()
            if len(window) >= limit:
                return max(1, math.ceil(window[0] + 60 - now))
            window.append(now)
            return None

    def _take_token(self, channel: str, now: float) -> int | None:
        tokens, last = self._buckets.get(channel, (POST_MESSAGE_BURST, now))
        tokens = min(POST_MESSAGE_BURST, tokens + (now - last) * POST_MESSAGE_RATE)
        if tokens < 1:
            self._buckets[channel] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / POST_MESSAGE_RATE))
        self._buckets[channel] = (tokens - 1, now)
        return None

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
            self._buckets.clear()
