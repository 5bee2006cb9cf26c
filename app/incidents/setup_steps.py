"""The steps of a room's set-up, each with exactly one visible effect in Slack however often it is retried.

Before a step calls Slack it records what it is about to do (the channel name, the topic, a marker for a
message). When an earlier try's outcome is unknown (the process died, or the answer was lost), the step
first looks whether the effect is already there and only acts when it is not:

- the channel: create it again with the recorded name; ``name_taken`` on a name this incident asked for
  adopts the channel when the bot created it after that first try and no other incident owns it;
- the briefing and the announcement: each message carries a marker in its metadata (``warroom_setup``
  event with a random key); a recovery reads the channel's few messages since the first try
  (conversations.history, only in recovery) and keeps the marked one instead of posting again;
- the topic: conversations.info shows whether the recorded topic is already set;
- the bookmark: bookmarks.list shows whether the alert's link is already there;
- invitations and the pin are idempotent in Slack (``already_in_channel``, ``already_pinned``).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, cast

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Table, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.core import Core
from app.db import transaction, write_alone
from app.i18n import say
from app.incidents import briefing, channel_names, exclusions, service, setup_notices, timeline
from app.incidents.kinds import TimelineKind
from app.incidents.markers import CLOCK_SKEW, find_marked, marker
from app.incidents.models import Incident, SetupStep, StepStatus
from app.incidents.naming import channel_name, code_name
from app.incidents.setup_errors import PermanentSetupError, classify
from app.incidents.views import Briefing, briefing_message, topic
from app.roles import service as roles
from app.slack.text import channel_link, escape
from app.timeutil import utcnow

MAX_NAME_TRIES = 5
STEP_ROWS = cast(Table, SetupStep.__table__)  # type: ignore[attr-defined]  # set by SQLModel, unknown to mypy
# The chain of dependent calls no room can be ready sooner than; their writes go before the others' (urgent).
CRITICAL = ("create_channel", "post_briefing", "pin_briefing")

# Per-person answers of conversations.invite (told to the lead in words: the phrases ``invite_reason.<code>``).
INVITE_REASONS = frozenset({"user_not_found", "cant_invite", "user_is_deactivated", "user_is_restricted",
                            "user_is_ultra_restricted", "ura_max_channels", "user_team_not_in_channel", "excluded"})
_FINE = {"already_in_channel", "cant_invite_self"}


@dataclass
class StepRun:
    """One try of one step: the incident as it is now, the step's record and the Slack client to use."""

    core: Core
    slack: WebClient
    incident: Incident
    step: SetupStep
    uncertain: bool  # an earlier try may have taken effect: look before acting
    detail: dict[str, Any] = field(default_factory=dict)
    # The briefing's content, gathered while the channel was being created (None: gather it now).
    gathered: Future[Briefing] | None = None
    # Set once this step's call is on its way to Slack: the steps beside it start then.
    sent: threading.Event | None = None
    finished: bool = False  # the step marked itself done, in the transaction that recorded its effect

    @property
    def incident_id(self) -> int:
        assert self.incident.id is not None  # a stored incident
        return self.incident.id

    @property
    def channel(self) -> str:
        """The room's channel id: every step but the first runs once ``create_channel`` recorded it."""
        assert self.incident.channel_id is not None, f"incident {self.incident.id} has no channel yet"
        return self.incident.channel_id

    def remember(self, **values: Any) -> None:
        """Store what this try is about to do, before it does it."""
        self.detail.update(values)
        with Session(self.core.engine) as session:
            row = session.get(SetupStep, self.step.id)
            assert row is not None  # steps are kept as long as their incident
            detail = {**row.detail, **values}
        write_step(self.core, self.step, {"detail": detail})

    def remember_reserved(self, name: str, tried: dict[str, float]) -> bool:
        """Reserve the channel name and store it as the one asked for, in one commit; False (only the names
        tried are stored) when another incident reserved it."""
        with transaction(self.core.engine, urgent=True) as session:
            mine = channel_names.reserve_in(session, name, self.incident_id)
            values: dict[str, Any] = {"tried_at": tried, "tried": list(tried), **({"name": name} if mine else {})}
            row = session.get(SetupStep, self.step.id)
            assert row is not None  # steps are kept as long as their incident
            row.detail = {**row.detail, **values}
            session.add(row)
        self.detail.update(values)
        return mine

    def sending(self) -> None:
        """This step's call is about to go to Slack."""
        if self.sent is not None:
            self.sent.set()

    def finish(self, session: Session, detail: dict[str, Any]) -> None:
        """Mark the step done in ``session``, the transaction that records its effect (one commit for both).
        Set ``finished`` once that transaction is committed."""
        mark_done(session, self.step, detail)

    def briefing(self) -> Briefing:
        """The briefing's content: gathered ahead while the channel was created, or now."""
        if self.gathered is not None:
            try:
                return self.gathered.result()
            except Exception:  # noqa: BLE001 - gathered again below, where an error is the step's own
                pass
        return gather_briefing(self.core, self.incident_id)


def write_step(core: Core, step: SetupStep, values: dict[str, Any]) -> None:
    """Change the step's stored row in a statement of its own, written once its values are ready: on SQLite the
    write lock is held only inside that statement (``write_alone``), so a worker descheduled in between keeps no
    other writer waiting. Only the round running the step writes its row (the set-up lease), so what was read
    before is still what is stored."""
    statement = update(STEP_ROWS).where(STEP_ROWS.c.id == step.id).values(**values)
    write_alone(core.engine, statement, urgent=step.step in CRITICAL)


def mark_done(session: Session, step: SetupStep, detail: dict[str, Any]) -> None:
    """The step's row, done with ``detail``, in ``session``."""
    row = session.get(SetupStep, step.id)
    assert row is not None, f"set-up step {step.step} of incident {step.incident_id} is not stored"
    row.status, row.error, row.retry_at, row.done_at = StepStatus.DONE, None, None, utcnow()
    row.detail = {**row.detail, **detail, "uncertain": False}
    session.add(row)


def new_marker(step: SetupStep) -> dict[str, Any]:
    """The marker a message step records when its first try begins (kept by the tries after it)."""
    if step.detail.get("key"):
        return {}
    return {"key": secrets.token_hex(8), "since": time.time()}


# --- the channel ------------------------------------------------------------------------------------------

def _candidate(incident: Incident, prefix: str, attempt: int) -> str:
    if incident.confidential:
        return code_name(incident.created_at)
    return channel_name(prefix, incident.created_at, incident.title, attempt, number=incident.id)


def _adoptable(run: StepRun, name: str, since: float) -> str | None:
    """The channel of that name if this bot created it after our first try and no incident owns it."""
    cursor: str | None = None
    while True:
        page = run.slack.conversations_list(types="public_channel,private_channel", exclude_archived=True,
                                            limit=1000, cursor=cursor)
        channels: list[dict[str, Any]] = page.get("channels", [])
        for channel in channels:
            if channel.get("name") != name:
                continue
            ours = channel.get("creator") == run.core.bot_user_id and channel.get("created", 0) >= since - CLOCK_SKEW
            if not ours:
                return None
            with Session(run.core.engine) as session:
                owner = session.exec(select(Incident.id).where(Incident.channel_id == channel["id"])).first()
            return channel["id"] if owner in (None, run.incident.id) else None
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None


def _record_channel(run: StepRun, channel_id: str, name: str) -> bool:
    """Record the room's channel and the step done, together; False when another incident owns it."""
    try:
        with transaction(run.core.engine, urgent=True) as session:
            row = service.get(session, run.incident_id)
            row.channel_id, row.channel_name = channel_id, name
            timeline.record(session, run.incident_id, TimelineKind.CHANNEL_CREATED, f"#{name}", actor="warroom",
                            channel=channel_id, private=run.incident.private)
            run.finish(session, {"channel_id": channel_id, "name": name})
    except IntegrityError:
        return False  # another incident owns that channel
    run.finished = True
    return True


def create_channel(run: StepRun) -> dict[str, Any]:
    incident = run.incident
    if incident.channel_id:  # recorded before an interruption, but the step was not yet marked done
        return {"channel_id": incident.channel_id, "name": incident.channel_name}
    prefix = run.core.playbooks.get(incident.playbook_id).channel_prefix
    # name -> time of its first try (names recorded without a time, by older versions, count from 0)
    tried: dict[str, float] = {**dict.fromkeys(run.step.detail.get("tried", []), 0.0),
                               **run.step.detail.get("tried_at", {})}
    # The last name asked for is asked for again (its try failed or was not answered); the next name in line
    # only when Slack says it is taken by a channel that is not ours.
    name = run.step.detail.get("name") or None
    while True:
        if name is None:
            if len(tried) >= MAX_NAME_TRIES:
                raise PermanentSetupError("names_exhausted", f"no free channel name after {MAX_NAME_TRIES} tries")
            name = _candidate(incident, prefix, len(tried) + 1)
        asked_before = name in tried
        tried.setdefault(name, time.time())
        if not run.remember_reserved(name, tried):  # another room's: the next name
            name = None
            continue
        run.sending()
        try:
            channel_id = run.slack.conversations_create(name=name, is_private=incident.private)["channel"]["id"]
        except SlackApiError as exc:
            if exc.response.get("error") != "name_taken":
                raise
            channel_id = _adoptable(run, name, tried[name]) if asked_before else None
            if channel_id is None:
                name = None
                continue
        if _record_channel(run, channel_id, name):
            return {"channel_id": channel_id, "name": name}
        name = None


# --- people -----------------------------------------------------------------------------------------------

def resolve_roles(run: StepRun) -> dict[str, Any]:
    core, incident = run.core, run.incident
    playbook = core.playbooks.get(incident.playbook_id)
    wanted = list(playbook.staffed_roles(incident.severity))
    entries = {role: core.roster.holders(role) for role in wanted}
    with Session(core.engine) as session:
        kept_out = exclusions.excluded(session, run.incident_id)
    people: list[str] = []
    staffing: dict[str, str] = {}
    for role in wanted:
        users = [u for u in core.directory.resolve(entries[role]) if u not in kept_out]
        if not users and kept_out:  # everyone on the role is kept out: the people named as backups stand in
            users = [u for u in core.directory.resolve(core.roster.backups_for(role)) if u not in kept_out]
        people += [u for u in users if u not in people]
        if users:
            staffing[role] = users[0]
    declarer = incident.declared_by or ""
    if declarer.startswith(("U", "W")) and declarer not in people:  # who declared it by hand is in its room
        people.append(declarer)
    with transaction(core.engine) as session:
        kept_out = exclusions.excluded(session, run.incident_id)  # again, in the transaction that assigns
        held = roles.holders(session, run.incident_id)
        roles.assign_many(session, run.incident_id, {r: u for r, u in staffing.items()
                                                 if r not in held and u not in kept_out}, by="warroom")
    return {"invitees": [u for u in people if u not in kept_out]}


def _invite_one(run: StepRun, user: str) -> str | None:
    """Invite one person; the per-person error code, or None when they are in the channel."""
    try:
        run.slack.conversations_invite(channel=run.channel, users=user)
    except SlackApiError as exc:
        code = str(exc.response.get("error"))
        if code in _FINE:
            return None
        if code in INVITE_REASONS:
            return code
        raise  # not about this person (a missing scope, the channel, Slack itself): the step fails
    return None


def _invite_batch(run: StepRun, users: list[str]) -> dict[str, str]:
    """Invite up to 100 people with force=true; who could not be invited, with Slack's reason."""
    try:
        answer = run.slack.conversations_invite(channel=run.channel, users=",".join(users), force=True)
        errors = answer.get("errors") or []
    except SlackApiError as exc:
        errors = exc.response.get("errors") or []
        failure = classify(exc)
        if failure.transient:
            raise
        if not errors:
            if exc.response.get("error") == "already_in_channel":
                return {}
            if exc.response.get("error") not in INVITE_REASONS:
                raise
            # Slack refused the call as a whole for one person: invite everyone on their own.
            answers = {u: _invite_one(run, u) for u in users}
            return {u: code for u, code in answers.items() if code}
    problems: dict[str, str] = {}
    for item in errors:
        if isinstance(item, dict) and item.get("user") and item.get("error") not in _FINE:
            problems[item["user"]] = str(item.get("error"))
    return problems


def invite(run: StepRun) -> dict[str, Any]:
    core, incident = run.core, run.incident
    with Session(core.engine) as session:
        step = session.exec(select(SetupStep).where(SetupStep.incident_id == incident.id,
                                                    SetupStep.step == "resolve_roles")).one()
        kept_out = exclusions.excluded(session, run.incident_id)
    invitees = [u for u in step.detail.get("invitees", []) if u != core.bot_user_id]
    people = [u for u in invitees if u not in kept_out]
    problems: dict[str, str] = {}
    for start in range(0, len(people), 100):
        problems.update(_invite_batch(run, people[start:start + 100]))
    restaffed = _restaff(run, problems, kept_out, set(people)) if problems else {}
    if problems:
        setup_notices.tell_lead_uninvited(core, run.incident_id, problems, restaffed)
    return {"invited": [u for u in people if u not in problems], "uninvited": problems, "restaffed": restaffed}


def _restaff(run: StepRun, problems: dict[str, str], kept_out: set[str], invited: set[str]) -> dict[str, str]:
    """Roles given to someone who could not be invited go to the next person on the roster who can be
    (a backup is invited first); role -> new holder."""
    core = run.core
    with Session(core.engine) as session:
        stuck = [role for role, user in roles.holders(session, run.incident_id).items() if user in problems]
    changes: dict[str, str] = {}
    for role in stuck:
        candidates = core.directory.resolve(core.roster.holders(role) + core.roster.backups_for(role))
        for candidate in candidates:
            if candidate in problems or candidate in kept_out or candidate == core.bot_user_id:
                continue
            if candidate not in invited:
                code = _invite_one(run, candidate)
                if code:
                    problems[candidate] = code
                    continue
                invited.add(candidate)
            changes[role] = candidate
            break
    if changes:
        with transaction(core.engine) as session:
            roles.assign_many(session, run.incident_id, changes, by="warroom")
    return changes


# --- topic, messages, pin, bookmark ------------------------------------------------------------------------

def gather_briefing(core: Core, incident_id: int) -> Briefing:
    """The briefing's content as recorded now."""
    with Session(core.engine) as session:
        return briefing.gather(core, session, incident_id)



def set_topic(run: StepRun) -> dict[str, Any]:
    channel = run.channel
    if run.uncertain and run.step.detail.get("topic"):
        current = run.slack.conversations_info(channel=channel)["channel"].get("topic", {}).get("value")
        if current == run.step.detail["topic"]:
            return {"topic": current, "found": True}
    text = topic(run.briefing())
    run.remember(topic=text)
    run.slack.conversations_setTopic(channel=channel, topic=text)
    return {"topic": text}


def _post_once(run: StepRun, channel: str, message: dict[str, Any]) -> tuple[str, bool]:
    """Post the message unless an earlier try did; (ts, found) where found means it was already there."""
    key = run.step.detail.get("key")
    if run.uncertain and key:
        ts = find_marked(run.slack, channel, key, run.step.detail.get("since", 0.0))
        if ts:
            return ts, True
    if not key:
        key = secrets.token_hex(8)
        run.remember(key=key, since=time.time())
    answer = run.slack.chat_postMessage(channel=channel, metadata=marker(key, run.incident_id, run.step.step),
                                        **message)
    return str(answer["ts"]), False


def post_briefing(run: StepRun) -> dict[str, Any]:
    if run.incident.briefing_ts:  # recorded before an interruption: never post a second headline
        return {"ts": run.incident.briefing_ts}
    content = run.briefing()
    run.sending()
    ts, found = _post_once(run, run.channel, briefing_message(content))
    with transaction(run.core.engine, urgent=True) as session:  # the message and the step done, one commit
        row = service.get(session, run.incident_id)
        row.briefing_ts = ts
        run.finish(session, {"ts": ts, "found": found})
    run.finished = True
    return {"ts": ts, "found": found}


def pin_briefing(run: StepRun) -> dict[str, Any]:
    try:
        run.slack.pins_add(channel=run.channel, timestamp=run.incident.briefing_ts)
    except SlackApiError as exc:
        if exc.response.get("error") != "already_pinned":
            raise
    return {}


def bookmark(run: StepRun) -> dict[str, Any]:
    incident = run.incident
    if not incident.url:
        return {"skipped": "no link"}
    title = say(incident.language, "bookmark.alert_source")  # in the incident's language
    if run.uncertain:
        marks: list[dict[str, Any]] = run.slack.bookmarks_list(channel_id=run.channel).get("bookmarks", [])
        if any(b.get("link") == incident.url and b.get("title") == title for b in marks):
            return {"found": True}
    run.remember(link=incident.url)
    run.slack.bookmarks_add(channel_id=run.channel, title=title, type="link", link=incident.url)
    return {}


def announce(run: StepRun) -> dict[str, Any]:
    incident = run.incident
    channel = run.core.settings.warroom_announce_channel
    if not channel:
        return {"skipped": "WARROOM_ANNOUNCE_CHANNEL not set"}
    if incident.confidential:
        return {"skipped": "confidential"}
    language, severity = incident.language, say(incident.language, f"severity.{incident.severity}")
    if incident.private:  # the announce channel is read by people the private room does not include
        text = say(language, "announce.private", severity=severity, id=incident.id)
    else:
        text = say(language, "announce.public", severity=severity, title=escape(incident.title),
                   room=channel_link(run.channel))
    ts, found = _post_once(run, channel, {"text": text})
    return {"ts": ts, "found": found}


# What a step records when a try begins, in the transaction that marks it started.
BEGIN: dict[str, Callable[[SetupStep], dict[str, Any]]] = {"post_briefing": new_marker, "announce": new_marker}

STEPS: dict[str, Callable[[StepRun], dict[str, Any]]] = {
    "create_channel": create_channel, "resolve_roles": resolve_roles, "invite": invite, "set_topic": set_topic,
    "post_briefing": post_briefing, "pin_briefing": pin_briefing, "bookmark": bookmark, "announce": announce,
}
