"""Room set-up, the first minute of a crisis, as recorded steps.

Each step starts as soon as the steps it needs are done (independent steps run in parallel). Each step
is marked done in the database as soon as it succeeds, so a set-up interrupted by a crash or by Slack
failing resumes at the first unfinished step and never opens a second channel for one incident.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import bindparam, update
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

# What each step waits for. A step starts as soon as these are done, so the briefing is pinned right after
# it is posted, without waiting for the invitations, topic or bookmark of the same wave.
NEEDS = {"create_channel": (), "resolve_roles": (), "post_briefing": ("create_channel", "resolve_roles"),
         "invite": ("create_channel", "resolve_roles"), "set_topic": ("create_channel", "resolve_roles"),
         "bookmark": ("create_channel",), "announce": ("create_channel",), "pin_briefing": ("post_briefing",)}
MAX_NAME_SUFFIX = 50
# Rooms set up at the same time. A room takes about 0.4 s (mostly waiting for Slack) and 60-80 ms of CPU;
# more at once would not be faster in a real workspace (Slack creates about 20 channels a minute) but would
# take the CPU from the alert intake when a storm opens many incidents at once.
CONCURRENT_SETUPS = 2
_running: dict[int, threading.Lock] = {}
_running_guard = threading.Lock()
_setup_slots = threading.BoundedSemaphore(CONCURRENT_SETUPS)
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


_STEPS = SetupStep.__table__
_THIS_STEP = (_STEPS.c.incident_id == bindparam("incident"), _STEPS.c.step == bindparam("name"))
_DETAIL = select(_STEPS.c.detail).where(*_THIS_STEP)


def _set(session: Session, incident_id: int, step: str, **values: Any) -> None:
    session.execute(update(_STEPS).where(*_THIS_STEP).values(**values), {"incident": incident_id, "name": step})


def _mark(core: Core, incident_id: int, step: str, *, status: str, detail: dict | None = None,
          error: str | None = None) -> None:
    # Plain statements: eight of these per room, and a storm sets up many rooms at once.
    with transaction(core.engine) as session:
        values: dict[str, Any] = {"status": status, "error": error, "attempts": _STEPS.c.attempts + 1}
        if detail:
            stored = session.execute(_DETAIL, {"incident": incident_id, "name": step}).scalar_one()
            values["detail"] = {**stored, **detail}
        if status == "done":
            values["done_at"] = utcnow()
        _set(session, incident_id, step, **values)
        if status == "failed":
            timeline.record(session, incident_id, "setup_failed", f"{step}: {error}", actor="warroom", step=step)


def _remember_attempt(core: Core, incident_id: int, name: str) -> None:
    with transaction(core.engine) as session:
        stored = session.execute(_DETAIL, {"incident": incident_id, "name": "create_channel"}).scalar_one()
        tried = sorted({*stored.get("tried", []), name})
        _set(session, incident_id, "create_channel", detail={**stored, "tried": tried})


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
    staffing: dict[str, str] = {}
    for role in wanted:
        users = core.directory.resolve(entries[role])
        people += [u for u in users if u not in people]
        if users:
            staffing[role] = users[0]
    with transaction(core.engine) as session:
        held = roles.holders(session, incident.id)
        roles.assign_many(session, incident.id, {r: u for r, u in staffing.items() if r not in held}, by="warroom")
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


def _run_step(core: Core, incident: Incident, step: SetupStep) -> str | None:
    incident_id, name = incident.id, step.step
    try:
        detail = STEPS[name](core, incident, step)
    except (SlackApiError, SetupFailed) as exc:
        error = exc.response.get("error") if isinstance(exc, SlackApiError) else str(exc)
        _mark(core, incident_id, name, status="failed", error=str(error))
        log.warning("set-up of incident %s: %s failed: %s", incident_id, name, error)
        return f"{name}: {error}"
    _mark(core, incident_id, name, status="done", detail=detail)
    return None


def _planned(planning, incident_id: int) -> None:
    if planning is not None and planning.exception() is not None:
        log.error("could not plan the reminders of incident %s", incident_id, exc_info=planning.exception())


def _run_steps(core: Core, incident: Incident, steps: dict[str, SetupStep]) -> list[str]:
    """Run the unfinished steps, each once what it needs is done; the errors of the ones that failed."""
    done = {name for name, step in steps.items() if step.status == "done"}
    waiting = [name for name in NEEDS if name not in done]
    running: dict[Future, str] = {}
    errors: list[str] = []
    fresh = True  # the incident and steps as loaded reflect every step done so far
    while True:
        ready = [n for n in waiting if all(need in done for need in NEEDS[n])]
        if ready and not fresh:
            incident, steps = _load(core, incident.id)  # once for all the steps starting now
        for name in ready:
            waiting.remove(name)
            running[_steps_pool.submit(_run_step, core, incident, steps[name])] = name
        fresh = False
        if not running:
            return errors  # steps still waiting need one that failed: they run on the retry
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in finished:
            name = running.pop(future)
            error = future.result()
            if error:
                errors.append(error)
            else:
                done.add(name)


def run_setup(core: Core, incident_id: int) -> bool:
    """Run every unfinished step; True when the room is ready. Safe to call again at any time."""
    with _lock_for(incident_id), _setup_slots:
        incident, steps = _load(core, incident_id)
        if incident.phase != "setup":
            return incident.phase == "active"
        # Reminders and clocks are planned (idempotently) while the steps wait for Slack.
        planning = _steps_pool.submit(core.scheduler.schedule_incident, incident_id) if core.scheduler else None
        errors = _run_steps(core, incident, steps)
        _planned(planning, incident_id)
        if errors:
            if core.scheduler is not None:
                core.scheduler.retry_setup(incident_id)
            return False
        with transaction(core.engine) as session:
            row = service.get(session, incident_id)
            row.phase, row.room_ready_at = "active", utcnow()
            timeline.record(session, incident_id, "room_ready", f"#{row.channel_name}", actor="warroom")
        return True


def warm_up(core: Core) -> None:
    """Look up, before the first alert, what every room needs: the bot's own user and the roster's groups."""
    try:
        core.bot_user_id  # noqa: B018 - cached on first use
        handles = {e for role in core.roster.roles for e in core.roster.holders(role) if e.startswith("@")}
        if handles:
            core.directory.group_ids()
            for handle in sorted(handles):
                core.directory.group_members(handle)
    except (SlackApiError, OSError) as exc:  # the first room looks them up itself
        log.warning("could not look up the bot user and user groups at start: %s", exc)


def resume_all(core: Core) -> list[int]:
    """At start: finish every set-up a previous process left unfinished."""
    with Session(core.engine) as session:
        pending = service.pending_setups(session)
    for incident_id in pending:
        core.submit(run_setup, core, incident_id)
    return pending
