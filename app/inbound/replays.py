"""Replay protection: a signed request re-sent within Slack's five-minute window is acted on once.

Each request's signature is inserted once into ``seen_slack_requests`` (its primary key makes a second
insert fail, also across processes sharing the database); rows past the window are pruned now and then.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import delete, insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from app.db import transaction
from app.inbound.models import SeenRequest
from app.inbound.signature import MAX_AGE

PRUNE_EVERY = 60.0  # seconds between two clean-ups of expired signatures


class ReplayGuard:
    """Remembers the signatures of handled requests for as long as they could be replayed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._next_prune = 0.0
        self._lock = threading.Lock()

    def first_time(self, signature: str, timestamp: int, now: float | None = None) -> bool:
        """Record the request; False when the same signature was recorded before (a replay)."""
        now = time.time() if now is None else now
        try:
            with transaction(self.engine, urgent=True) as session:  # Slack waits on this write
                session.execute(insert(SeenRequest).values(signature=signature, timestamp=timestamp))
                if self._prune_due(now):
                    # A request older than the window is refused by its timestamp: its signature can go.
                    session.execute(delete(SeenRequest).where(SeenRequest.timestamp < int(now) - MAX_AGE))
        except IntegrityError:
            return False
        return True

    def _prune_due(self, now: float) -> bool:
        with self._lock:
            if now < self._next_prune:
                return False
            self._next_prune = now + PRUNE_EVERY
            return True
