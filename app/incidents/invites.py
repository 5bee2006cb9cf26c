"""Inviting someone given a role into the incident's room, from the outbox.

The invite is written in the transaction that assigns the role, so a crash after the commit never leaves a
role holder outside the room; the announcement naming them is written ``after`` it and waits until the invite
is delivered (or failed for good), so the room never reads about someone who is not in it yet. Slack's
"already in the room" is done; any other refusal is told to the person who assigned the role, by direct
message, and on the timeline (once, however often the delivery is tried).
"""

from __future__ import annotations

import uuid
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from app.db import transaction
from app.effects import service as effects
from app.effects.delivery import is_transient
from app.effects.models import Effect
from app.i18n import say
from app.incidents import timeline
from app.incidents.kinds import TimelineKind
from app.incidents.models import Incident
from app.slack.text import mention

FINE = ("already_in_channel", "cant_invite_self")
NOBODY = "warroom"  # the bot itself assigned the role (e.g. an approver a statement's chain needs)


def enqueue(session: Session, incident: Incident, user_id: str, *, by: str, role: str) -> str | None:
    """The invite of ``user_id`` into the incident's room, in the caller's transaction; its key (for an
    announcement written ``after`` it), or None when the room is not there yet (the set-up invites)."""
    if not incident.channel_id:
        return None
    key = f"invite:{incident.id}:{role}:{user_id}:{uuid.uuid4().hex}"
    effects.enqueue(session, "invite", key, incident_id=incident.id, channel=incident.channel_id, user=user_id,
                    by=by, role=role, awaited=True)
    return key


def deliver(core: Any, effect: Effect) -> dict[str, Any]:
    """The outbox's invite effect."""
    channel, user = effect.payload["channel"], effect.payload["user"]
    try:
        core.slack.conversations_invite(channel=channel, users=user)
    except SlackApiError as exc:
        if is_transient(exc):
            raise
        error = str(exc.response.get("error") or exc.response.status_code)
        if error not in FINE:
            _refused(core, effect, error)
            return {"invited": False, "error": error}
    core.directory.forget_room(channel, user)
    return {"invited": True}


def _refused(core: Any, effect: Effect, error: str) -> None:
    """Slack refused the invite for good: the person who assigned the role hears why (once), the timeline keeps it."""
    told = f"{effect.key}:refused"
    by, user = effect.payload.get("by") or NOBODY, effect.payload["user"]
    incident_id = int(effect.incident_id or 0)
    with transaction(core.engine) as session:
        if effects.ever(session, told):
            return
        incident = session.get(Incident, incident_id)
        language = incident.language if incident is not None else None
        text = say(language, "error.invite_failed", who=mention(user), error=error)
        timeline.record(session, incident_id, TimelineKind.ERROR, f"could not invite {user}: {error}",
                        actor="warroom", user=user, role=effect.payload.get("role"), error=error)
        # The person who assigned the role, in the app's direct messages; the bot's own assignment: the room.
        target = by if by != NOBODY else effect.payload["channel"]
        effects.post(session, told, incident_id=incident_id, channel=target, text=f":warning: {text}")
    core.deliver()
