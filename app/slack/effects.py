"""How the outbox's effects reach Slack: posting a message, refreshing an incident's headline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from app.db import transaction
from app.effects import service as effects
from app.effects.models import Effect
from app.incidents import briefing, flows

# Follow-ups of a posted message, by name: called with (core, channel, ts, **then_args).
AFTER_POST: dict[str, Callable[..., None]] = {}


def post(core, effect: Effect) -> dict[str, Any]:
    payload = effect.payload
    kwargs: dict[str, Any] = {"channel": payload["channel"], "text": payload["text"]}
    if payload.get("blocks"):
        kwargs["blocks"] = payload["blocks"]
    if payload.get("thread_ts"):
        kwargs["thread_ts"] = payload["thread_ts"]
    posted = core.slack.chat_postMessage(**kwargs)
    then = payload.get("then")
    if then:
        AFTER_POST[then](core, payload["channel"], posted.get("ts"), **(payload.get("then_args") or {}))
    return {"ts": posted.get("ts"), "channel": posted.get("channel")}


def refresh_briefing(core, effect: Effect) -> None:
    """One chat.update shows every change committed before it read the record: earlier refreshes are done too."""
    with Session(core.engine) as session:
        earlier = effects.siblings(session, effect)
    briefing.refresh(core, int(effect.incident_id or 0), strict=True)
    with transaction(core.engine) as session:
        effects.covered(session, effect, earlier)


def kick(core, effect: Effect) -> None:
    """Remove someone from a room (a person the incident concerns); gone already is fine."""
    try:
        core.slack.conversations_kick(channel=effect.payload["channel"], user=effect.payload["user"])
    except SlackApiError as exc:
        if exc.response.get("error") not in ("not_in_channel", "cant_kick_self"):
            raise


def refresh_topic(core, effect: Effect) -> None:
    """The channel topic shows severity, lead and next update."""
    flows.refresh_topic(core, int(effect.incident_id or 0))

