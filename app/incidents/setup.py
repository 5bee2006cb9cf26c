"""Room set-up, the first minute of a crisis, as recorded steps.

Steps run in dependency waves (in parallel within a wave). Each step is marked done in the database as
soon as it succeeds, so a set-up interrupted by a crash or by Slack failing resumes at the first
unfinished step and never opens a second channel for one incident.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.core import Core
from app.db import transaction
from app.incidents import briefing, service, timeline
from app.incidents.models import Incident, SetupStep
from app.incidents.naming import channel_name
from app.incidents.views import briefing_message, topic
from app.roles import service as roles
from app.slack.text import channel_link, escape
from app.timeutil import utcnow

log = logging.getLogger(__name__)

WAVES = [["create_channel", "resolve_roles"], ["post_briefing", "invite", "set_topic", "bookmark", "announce"],
         ["pin_briefing"]]
MAX_NAME_SUFFIX = 50
_running: dict[int, threading.Lock] = {}
_running_guard = threading.Lock()
_steps_pool = ThreadPoolExecutor(16, thread_name_prefix="warroom-setup")


class SetupFailed(RuntimeError):
    """A step failed after the client's retries; the set-up is retried later from that step."""


def _lock_for(incident_id: int) -> threading.Lock:
    with _running_guard:
        return _running.setdefault(incident_id, threading.Lock())


def _load(core: Core, incident_id: int) -> tuple[Incident, dict[str, SetupStep]]:
    with Session(core.engine) as session:
        incident = service.get(session, incident_id)
        steps = {s.step: s for s in session.exec(select(SetupStep).where(SetupStep.incident_id == incident_id))}
    return incident, steps


def _mark(core: Core, incident_id: int, step: str, *, status: str, detail: dict | None = None,
          error: str | None = None) -> None:
    with transaction(core.engine) as session:
        row = session.exec(select(SetupStep).where(SetupStep.incident_id == incident_id,
                                                   SetupStep.step == step)).one()
        row.status, row.error = status, error
        row.attempts += 1
        if detail:
            row.detail = {**row.detail, **detail}
        if status == "done":
            row.done_at = utcnow()
        session.add(row)
        if status == "failed":
            timeline.record(session, incident_id, "setup_failed", f"{step}: {error}", actor="warroom", step=step)


def _remember_attempt(core: Core, incident_id: int, name: str) -> None:
    with transaction(core.engine) as session:
        row = session.exec(select(SetupStep).where(SetupStep.incident_id == incident_id,
                                                   SetupStep.step == "create_channel")).one()
        row.detail = {**row.detail, "tried": sorted({*row.detail.get("tried", []), name})}
        session.add(row)


def _adoptable(core: Core, name: str) -> str | None:
    """A channel of that name that this bot created and no incident owns: ours, from an interrupted run."""
    cursor = None
    while True:
        page = core.slack.conversations_list(types="public_channel,private_channel", exclude_archived=True,
                                             limit=1000, cursor=cursor)
        for channel in page.get("channels", []):
            if channel.get("name") == name and channel.get("creator") == core.bot_user_id:
                with Session(core.engine) as session:
                    owned = session.exec(select(Incident.id).where(Incident.channel_id == channel["id"])).first()
                return None if owned else channel["id"]
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None


def create_channel(core: Core, incident: Incident, step: SetupStep) -> dict:
    if incident.channel_id:  # recorded before an interruption, but the step was not yet marked done
        return {"channel_id": incident.channel_id, "name": incident.channel_name}
    playbook = core.playbooks.get(incident.playbook_id)
    tried_before = set(step.detail.get("tried", []))
    for suffix in range(1, MAX_NAME_SUFFIX + 1):
        name = channel_name(playbook.channel_prefix, incident.created_at, incident.title, suffix)
        _remember_attempt(core, incident.id, name)
        try:
            channel_id = core.slack.conversations_create(name=name, is_private=incident.private)["channel"]["id"]
        except SlackApiError as exc:
            if exc.response.get("error") != "name_taken":
                raise
            channel_id = _adoptable(core, name) if name in tried_before else None
            if channel_id is None:
                continue
        try:
            with transaction(core.engine) as session:
                row = service.get(session, incident.id)
                row.channel_id, row.channel_name = channel_id, name
                timeline.record(session, incident.id, "channel_created", f"#{name}", actor="warroom",
                                channel=channel_id, private=incident.private)
        except IntegrityError:
            continue  # another incident owns that channel; try the next name
        return {"channel_id": channel_id, "name": name}
    raise SetupFailed(f"no free channel name after {MAX_NAME_SUFFIX} tries")


def resolve_roles(core: Core, incident: Incident, step: SetupStep) -> dict:
    playbook = core.playbooks.get(incident.playbook_id)
    wanted = list(playbook.staffed_roles(incident.severity))
    entries = {role: core.roster.holders(role) for role in wanted}
    handles = sorted({e for es in entries.values() for e in es if e.startswith("@")})
    if handles:
        core.directory.group_ids()
        list(_steps_pool.map(core.directory.group_members, handles))
    people: list[str] = []
    with transaction(core.engine) as session:
        for role in wanted:
            users = core.directory.resolve(entries[role])
            people += [u for u in users if u not in people]
            if users and role not in roles.holders(session, incident.id):
                roles.assign(session, incident.id, role, users[0], by="warroom")
    return {"invitees": people}


def invite(core: Core, incident: Incident, step: SetupStep) -> dict:
    _, steps = _load(core, incident.id)
    people = [u for u in steps["resolve_roles"].detail.get("invitees", []) if u != core.bot_user_id]
    for start in range(0, len(people), 100):
        try:
            core.slack.conversations_invite(channel=incident.channel_id, users=",".join(people[start:start + 100]))
        except SlackApiError as exc:
            if exc.response.get("error") != "already_in_channel":
                raise
    return {"invited": people}


def _briefing(core: Core, incident_id: int):
    with Session(core.engine) as session:
        return briefing.gather(core, session, incident_id)


def set_topic(core: Core, incident: Incident, step: SetupStep) -> dict:
    core.slack.conversations_setTopic(channel=incident.channel_id, topic=topic(_briefing(core, incident.id)))
    return {}


def post_briefing(core: Core, incident: Incident, step: SetupStep) -> dict:
    if incident.briefing_ts:  # posted before an interruption: never post a second headline
        return {"ts": incident.briefing_ts}
    message = briefing_message(_briefing(core, incident.id))
    response = core.slack.chat_postMessage(channel=incident.channel_id, **message)
    with transaction(core.engine) as session:
        row = service.get(session, incident.id)
        row.briefing_ts = response["ts"]
    return {"ts": response["ts"]}


def pin_briefing(core: Core, incident: Incident, step: SetupStep) -> dict:
    try:
        core.slack.pins_add(channel=incident.channel_id, timestamp=incident.briefing_ts)
    except SlackApiError as exc:
        if exc.response.get("error") != "already_pinned":
            raise
    return {}


def bookmark(core: Core, incident: Incident, step: SetupStep) -> dict:
    if not incident.url:
        return {"skipped": "no link"}
    core.slack.bookmarks_add(channel_id=incident.channel_id, title="Alert source", type="link", link=incident.url)
    return {}


def announce(core: Core, incident: Incident, step: SetupStep) -> dict:
    channel = core.settings.warroom_announce_channel
    if not channel:
        return {"skipped": "WARROOM_ANNOUNCE_CHANNEL not set"}
    if incident.confidential:
        return {"skipped": "confidential"}
    text = (f":rotating_light: New {incident.severity.upper()} incident: *{escape(incident.title)}* "
            f"· war room {channel_link(incident.channel_id)}")
    core.slack.chat_postMessage(channel=channel, text=text)
    return {}


STEPS: dict[str, Callable[[Core, Incident, SetupStep], dict[str, Any]]] = {
    "create_channel": create_channel, "resolve_roles": resolve_roles, "invite": invite, "set_topic": set_topic,
    "post_briefing": post_briefing, "pin_briefing": pin_briefing, "bookmark": bookmark, "announce": announce,
}


def _run_step(core: Core, incident_id: int, name: str) -> str | None:
    incident, steps = _load(core, incident_id)
    try:
        detail = STEPS[name](core, incident, steps[name])
    except (SlackApiError, SetupFailed) as exc:
        error = exc.response.get("error") if isinstance(exc, SlackApiError) else str(exc)
        _mark(core, incident_id, name, status="failed", error=str(error))
        log.warning("set-up of incident %s: %s failed: %s", incident_id, name, error)
        return f"{name}: {error}"
    _mark(core, incident_id, name, status="done", detail=detail)
    return None


def run_setup(core: Core, incident_id: int) -> bool:
    """Run every unfinished step; True when the room is ready. Safe to call again at any time."""
    with _lock_for(incident_id):
        incident, steps = _load(core, incident_id)
        if incident.phase != "setup":
            return incident.phase == "active"
        for wave in WAVES:
            todo = [name for name in wave if steps[name].status != "done"]
            errors = [e for e in _steps_pool.map(lambda n: _run_step(core, incident_id, n), todo) if e]
            if errors:
                if core.scheduler is not None:
                    core.scheduler.retry_setup(incident_id)
                return False
        with transaction(core.engine) as session:
            row = service.get(session, incident_id)
            row.phase, row.room_ready_at = "active", utcnow()
            timeline.record(session, incident_id, "room_ready", f"#{row.channel_name}", actor="warroom")
        return True


def resume_all(core: Core) -> list[int]:
    """At start: finish every set-up a previous process left unfinished."""
    with Session(core.engine) as session:
        pending = service.pending_setups(session)
    for incident_id in pending:
        core.submit(run_setup, core, incident_id)
    return pending
