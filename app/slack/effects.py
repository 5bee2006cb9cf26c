"""How the outbox's effects reach Slack: posting and updating messages, refreshing an incident's headline and
a statement's card, removing someone from a room, the channel topic.

Every message the outbox posts carries ``metadata`` naming its effect. When an earlier attempt may have
reached Slack (it was started and no result was recorded: the process died, or the answer was lost), the
channel is read back from the first attempt on and a message carrying the effect's id is adopted instead of
posting a second one. A direct message, addressed to the person, is read back in the conversation Slack keeps
between the app and that person (``conversations.open``, ``im:history``).
"""

from __future__ import annotations

import threading
import uuid
import weakref
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.db import transaction
from app.effects import service as effects
from app.effects.delivery import Waiting
from app.effects.models import Effect, EffectStatus
from app.incidents import briefing, flows, timeline
from app.incidents.kinds import TimelineKind
from app.incidents.models import Incident, IncidentStatus
from app.slack.client import make_client
from app.statements.models import Statement
from app.timeutil import as_utc

# Follow-ups of a posted message, by name: called with (core, channel, ts, **then_args).
AFTER_POST: dict[str, Callable[..., None]] = {}
EVENT_TYPE = "warroom_effect"
HISTORY_PAGES = 10
CLOCK_SKEW = 5.0  # seconds: Slack's clock and ours may differ a little


def metadata(effect: Effect) -> dict[str, Any]:
    """The ``metadata`` argument of chat.postMessage / chat.update that names the effect."""
    return {"event_type": EVENT_TYPE, "event_payload": {"effect": effect.id}}


def readable(slack: WebClient, channel: str) -> str | None:
    """Where a message posted to ``channel`` can be read back: the channel itself (rooms, direct-message
    conversations), or for a person's id the app's direct-message conversation with that person."""
    if channel.startswith(("C", "G", "D")):
        return channel
    if channel.startswith(("U", "W")):
        opened: dict[str, Any] = slack.conversations_open(users=channel)["channel"]
        return str(opened["id"])
    return None


def find_posted(slack: WebClient, channel: str, effect_id: int, since: float, thread_ts: str | None = None
                ) -> dict[str, Any] | None:
    """The message carrying ``effect_id`` posted in ``channel`` (or under ``thread_ts``) since ``since``."""
    cursor = None
    for _ in range(HISTORY_PAGES):
        oldest = f"{since - CLOCK_SKEW:.6f}"
        if thread_ts:
            page = slack.conversations_replies(channel=channel, ts=thread_ts, oldest=oldest, limit=15,
                                               include_all_metadata=True, cursor=cursor)
        else:
            page = slack.conversations_history(channel=channel, oldest=oldest, limit=15, include_all_metadata=True,
                                               cursor=cursor)
        messages: list[dict[str, Any]] = page.get("messages", [])
        for message in messages:
            marked = message.get("metadata") or {}
            payload = marked.get("event_payload") or {}
            if marked.get("event_type") == EVENT_TYPE and payload.get("effect") == effect_id:
                return message
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not (page.get("has_more") and cursor):
            return None
    return None


def maybe_posted(effect: Effect) -> bool:
    """An earlier attempt was started and left no result: Slack may have acted on it (an attempt that only
    waited for another effect never called Slack)."""
    waited = (effect.last_error or "").startswith("waiting")
    return effect.attempts > 1 and effect.tried_at is not None and not waited


_posters: weakref.WeakKeyDictionary[Engine, WebClient] = weakref.WeakKeyDictionary()
_posters_lock = threading.Lock()


def poster(core) -> WebClient:
    """The client that posts the outbox's messages: it never repeats a call by itself (a lost answer may hide
    a message that was posted); the outbox retries, after looking for the message."""
    with _posters_lock:
        client = _posters.get(core.engine)
        if client is None or client.base_url != core.slack.base_url:
            client = _posters[core.engine] = make_client(core.slack.token or "", core.slack.base_url, max_retries=0)
        return client


def _statement_ts(core, statement_id: int) -> str | None:
    with Session(core.engine) as session:
        statement = session.get(Statement, statement_id)
    if statement is None:
        return None
    if not statement.message_ts:
        raise Waiting(f"the message of statement {statement_id}")
    return statement.message_ts


def post(core, effect: Effect) -> dict[str, Any]:
    payload = effect.payload
    channel = payload["channel"]
    thread_ts = payload.get("thread_ts")
    if payload.get("thread_of") is not None:
        thread_ts = _statement_ts(core, int(payload["thread_of"]))
        if thread_ts is None:
            return {"skipped": "the statement is gone"}
    found = None
    where: str | None = None
    if maybe_posted(effect):
        where = readable(core.slack, channel)
    if where is not None:
        assert effect.id is not None and effect.tried_at is not None
        found = find_posted(core.slack, where, effect.id, as_utc(effect.tried_at).timestamp(), thread_ts)
    if found is not None:
        ts = found["ts"]
    else:
        kwargs: dict[str, Any] = {"channel": channel, "text": payload["text"], "metadata": metadata(effect)}
        if payload.get("blocks"):
            kwargs["blocks"] = payload["blocks"]
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        posted = poster(core).chat_postMessage(**kwargs)
        ts, where = posted.get("ts"), posted.get("channel") or channel
    then = payload.get("then")
    if then:
        AFTER_POST[then](core, where, ts, **(payload.get("then_args") or {}))
    return {"ts": ts, "channel": where, **({"adopted": True} if found is not None else {})}


def update(core, effect: Effect) -> dict[str, Any]:
    """Replace a message in place (idempotent: the same text twice shows once)."""
    payload = effect.payload
    ts = payload.get("ts")
    if not ts and payload.get("ts_of"):
        with Session(core.engine) as session:
            before = effects.outcome(session, payload["ts_of"])
        if before is None or before[0] == EffectStatus.FAILED:
            return {"skipped": f"{payload['ts_of']} was never posted"}
        if before[0] == EffectStatus.PENDING:
            raise Waiting(payload["ts_of"])
        ts = before[1].get("ts")
    kwargs: dict[str, Any] = {"channel": payload["channel"], "ts": ts, "text": payload["text"],
                              "metadata": metadata(effect)}
    if payload.get("blocks"):
        kwargs["blocks"] = payload["blocks"]
    core.slack.chat_update(**kwargs)
    return {"ts": ts, "channel": payload["channel"]}


def refresh_briefing(core, effect: Effect) -> None:
    """One chat.update shows every change committed before it read the record: earlier refreshes are done too."""
    with Session(core.engine) as session:
        earlier = effects.siblings(session, effect)
    briefing.refresh(core, int(effect.incident_id or 0), strict=True)
    with transaction(core.engine) as session:
        effects.covered(session, effect, earlier)


def refresh_statement(core, effect: Effect) -> dict[str, Any]:
    """A statement's card shows its current state (draft, sign-offs, approved); refreshes asked for before it
    read the record are covered by it."""
    from app.statements import flows as statement_flows  # the statement flows import this package's kin

    statement_id = int(effect.payload["statement_id"])
    if _statement_ts(core, statement_id) is None:
        return {"skipped": "the statement is gone"}
    with Session(core.engine) as session:
        earlier = effects.siblings(session, effect, prefix=card_prefix(statement_id))
    statement_flows.render(core, statement_id, now=True)
    with transaction(core.engine) as session:
        effects.covered(session, effect, earlier)
    return {}


def card_prefix(statement_id: int) -> str:
    return f"statement:{statement_id}:card:"


def kick(core, effect: Effect) -> None:
    """Remove someone from a room (a person the incident concerns); gone already is fine."""
    try:
        core.slack.conversations_kick(channel=effect.payload["channel"], user=effect.payload["user"])
    except SlackApiError as exc:
        if exc.response.get("error") not in ("not_in_channel", "cant_kick_self"):
            raise


def archive(core, effect: Effect) -> dict[str, Any]:
    """Archive a closed incident's room, once the report's upload is done (an archived room takes no files);
    archived already is done. A room reopened meanwhile stays open."""
    incident_id = int(effect.incident_id or 0)
    with Session(core.engine) as session:
        if effects.pending(session, incident_id, "upload"):
            raise Waiting("the post-incident report's upload")
        incident = session.get(Incident, incident_id)
    if incident is None or incident.status != IncidentStatus.CLOSED:
        return {"skipped": "the incident is open again"}
    already = False
    try:
        poster(core).conversations_archive(channel=effect.payload["channel"])  # Slack's 429: the outbox waits
    except SlackApiError as exc:  # e.g. an earlier attempt archived it and its answer was lost
        if exc.response.get("error") != "already_archived":
            raise
        already = True
    with transaction(core.engine) as session:
        timeline.record(session, incident_id, TimelineKind.ARCHIVED, f"#{incident.channel_name}", actor="warroom")
    return {"already_archived": True} if already else {}


def react(core, effect: Effect) -> None:
    """A reaction on a message (e.g. :memo: on a pinned one); reacted already is done."""
    try:
        poster(core).reactions_add(channel=effect.payload["channel"], timestamp=effect.payload["ts"],
                                   name=effect.payload["name"])
    except SlackApiError as exc:
        if exc.response.get("error") != "already_reacted":
            raise


def refresh_topic(core, effect: Effect) -> None:
    """The channel topic shows severity, lead and next update."""
    flows.refresh_topic(core, int(effect.incident_id or 0))


# --- a statement's messages, written in the transaction of the change they show ----------------------------

def placeholder_key(statement_id: int) -> str:
    return f"statement:{statement_id}:placeholder"


def enqueue_placeholder(session: Session, statement_id: int, incident_id: int, channel: str,
                        message: dict[str, Any]) -> None:
    """The "Drafting…" message; once posted, its ts is the statement's message (``statement_placeholder``)."""
    effects.post(session, placeholder_key(statement_id), incident_id=incident_id, channel=channel,
                 text=message["text"], blocks=message.get("blocks"), then="statement_placeholder",
                 then_args={"statement_id": statement_id, "incident_id": incident_id})


def enqueue_failed(session: Session, statement_id: int, incident_id: int, channel: str,
                   message: dict[str, Any]) -> None:
    """The placeholder of a draft that failed says why (after the placeholder itself, if it still waits)."""
    effects.update(session, f"statement:{statement_id}:failed", incident_id=incident_id, channel=channel,
                   text=message["text"], blocks=message.get("blocks"), ts_of=placeholder_key(statement_id))


def enqueue_card(session: Session, statement_id: int, incident_id: int) -> None:
    """Show the statement's current state in its message (refreshes asked for before one runs are covered)."""
    effects.enqueue(session, "statement", f"{card_prefix(statement_id)}{uuid.uuid4().hex}", incident_id=incident_id,
                    statement_id=statement_id)


def enqueue_thread(session: Session, statement_id: int, incident_id: int, channel: str, text: str) -> None:
    """A reply under the statement's message."""
    effects.post(session, f"statement:{statement_id}:thread:{uuid.uuid4().hex}", incident_id=incident_id,
                 channel=channel, text=text, thread_of=statement_id)


def enqueue_sign_off_request(session: Session, statement_id: int, incident_id: int, step: int) -> None:
    """The note asking the approvers of ``step`` (now waiting) for their sign-off, under the statement's message;
    written when the step before it is signed, worded when it is delivered."""
    effects.enqueue(session, "sign_off_request", f"statement:{statement_id}:ask:{step}:{uuid.uuid4().hex}",
                    incident_id=incident_id, statement_id=statement_id, step=step)


def sign_off_request(core, effect: Effect) -> dict[str, Any]:
    """Post the note (a step signed meanwhile has its own note: this one is skipped)."""
    from app.statements import flows as statement_flows  # the statement flows import this package's kin

    asked = statement_flows.sign_off_request(core, int(effect.payload["statement_id"]), int(effect.payload["step"]))
    if asked is None:
        return {"skipped": "the step is no longer waiting"}
    incident, statement, text = asked
    if not incident.channel_id:
        return {"skipped": "the incident has no room"}
    note = effect.model_copy(update={"payload": {"channel": incident.channel_id, "text": text,
                                                 "thread_of": statement.id}})
    return post(core, note)


def placeholder_posted(core, channel: str, ts: str, *, statement_id: int, incident_id: int) -> None:
    """The placeholder is the statement's message: remember its ts; what waited for it is due now (a draft
    that failed meanwhile has no statement left: its failure notice updates the placeholder)."""
    with transaction(core.engine) as session:
        statement = session.get(Statement, statement_id)
        if statement is not None and not statement.message_ts:
            statement.message_ts = ts
            session.add(statement)
        effects.hurry(session, incident_id)


AFTER_POST["statement_placeholder"] = placeholder_posted
