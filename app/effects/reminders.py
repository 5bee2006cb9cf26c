"""A reminder told once: claimed in ``sent_reminders``, recorded on the timeline and queued in the outbox, all
in one transaction, so a crash or a Slack outage can neither lose it nor tell it twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from app.db import HasEngine, transaction
from app.effects import service as effects
from app.incidents import timeline
from app.scheduling.models import SentReminder


def claim_once(session: Session, key: str, incident_id: int) -> bool:
    """Mark ``key`` as acted on, in the caller's transaction; False when it already was."""
    if session.get(SentReminder, key) is not None:
        return False
    session.add(SentReminder(key=key, incident_id=incident_id))
    session.flush()
    return True


def claimed(core: HasEngine, key: str) -> bool:
    with Session(core.engine) as session:
        return session.get(SentReminder, key) is not None


def remind_once(core: Any, incident_id: int, channel: str | None, sent_key: str, text: str, /, *, kind: str,
                dms: list[str] | None = None, dm_text: str | None = None,
                also: Callable[[Session], None] | None = None, **data: Any) -> bool:
    """Post ``text`` into ``channel`` (and ``dm_text`` to each of ``dms``) unless ``sent_key`` was told already;
    ``also`` writes what the reminder changes in the same transaction. True when it is now on its way."""
    if not channel:
        return False
    with transaction(core.engine) as session:
        if not claim_once(session, sent_key, incident_id):
            return False
        timeline.record(session, incident_id, "reminder", text, actor="warroom", reminder=kind, **data)
        effects.post(session, f"reminder:{sent_key}", incident_id=incident_id, channel=channel, text=text)
        for user in dms or []:
            effects.post(session, f"reminder:{sent_key}:dm:{user}", incident_id=incident_id, channel=user,
                         text=dm_text or text)
        if also is not None:
            also(session)
    core.deliver()
    return True
