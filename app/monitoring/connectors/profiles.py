"""Follower counts of posts' authors, kept for a while so that a poll asks the platform only about new authors.

Keyed by the author's stable id (a DID on Bluesky); an entry older than its time to live counts as unknown. When
full, the entries fetched longest ago make room first.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

TTL = timedelta(hours=1)
SIZE = 20_000


class FollowerCache:
    def __init__(self, ttl: timedelta = TTL, size: int = SIZE) -> None:
        self.ttl, self.size = ttl, size
        self._entries: dict[str, tuple[int, datetime]] = {}  # in the order they were stored
        self._lock = threading.Lock()

    def get(self, author: str, now: datetime) -> int | None:
        """The author's follower count if fetched less than ``ttl`` before ``now``, else None."""
        with self._lock:
            entry = self._entries.get(author)
            if entry is None or now - entry[1] >= self.ttl:
                return None
            return entry[0]

    def put(self, author: str, followers: int, now: datetime) -> None:
        with self._lock:
            self._entries.pop(author, None)
            self._entries[author] = (followers, now)
            while len(self._entries) > self.size:
                del self._entries[next(iter(self._entries))]

    def __len__(self) -> int:
        return len(self._entries)
