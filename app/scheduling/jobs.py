"""The job registry: every scheduled job is ``run(kind, **kwargs)``, stored by reference in the database.

Handlers register with ``@handler("kind")``. Each handler is idempotent: a reminder is marked sent in
``sent_reminders`` before it is posted, so a restart never sends it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from app.db import transaction
from app.scheduling.models import SentReminder

log = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[..., None]] = {}
_core = None


def handler(kind: str):
    def register(fn):
        HANDLERS[kind] = fn
        return fn

    return register


def bind(core) -> None:
    """The core that jobs act on (one per process)."""
    global _core
    _core = core


def run(kind: str, **kwargs) -> None:
    """Entry point APScheduler calls; unknown kinds are logged, not retried forever."""
    if _core is None:
        log.error("job %s fired before a core was bound", kind)
        return
    fn = HANDLERS.get(kind)
    if fn is None:
        log.error("no handler for job kind %s", kind)
        return
    fn(_core, **kwargs)


def claim(core, key: str, incident_id: int) -> bool:
    """True exactly once per key, across threads, processes and restarts."""
    try:
        with transaction(core.engine) as session:
            session.add(SentReminder(key=key, incident_id=incident_id))
        return True
    except IntegrityError:
        return False
