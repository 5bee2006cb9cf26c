"""Once-only claims: a reminder is marked sent in ``sent_reminders`` before it is posted.

A job may run more than once (a lease that ran out, a retry after a failure); the claim makes sure the
people in the room hear it once. If posting fails, the claim is released so that the retry may post.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from app.db import HasEngine, transaction
from app.scheduling.models import SentReminder


def claim(core: HasEngine, key: str, incident_id: int) -> bool:
    """True exactly once per key, across threads, processes and restarts."""
    try:
        with transaction(core.engine) as session:
            session.add(SentReminder(key=key, incident_id=incident_id))
        return True
    except IntegrityError:
        return False


def release(core: HasEngine, key: str) -> None:
    """Give a claim back (the reminder was not delivered), so that a retry may send it."""
    with transaction(core.engine) as session:
        session.execute(delete(SentReminder).where(col(SentReminder.key) == key))
