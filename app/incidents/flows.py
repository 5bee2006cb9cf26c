"""Incident flows that combine the domain service with Slack: declare, change severity, assign, close."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from app import metrics
from app.access.caller import roster_people
from app.access.guard import policy_for
from app.core import Core
from app.db import transaction
from app.effects import service as effects
from app.effects.models import Effect
from app.errors import UserError
from app.i18n import Phrase, Texts
from app.i18n import say as words
from app.incidents import briefing, exclusions, invites, reminders, service, timeline
from app.incidents.kinds import TimelineKind
from app.incidents.models import Incident
from app.incidents.setup import start_setup
from app.incidents.views import topic
from app.roles import service as roles
from app.roles.keys import ROLES, role_title
from app.severity import Severity
from app.slack.text import escape, mention
from app.timeutil import parse_duration, utcnow

log = logging.getLogger(__name__)


def declare(core: Core, *, title: str, playbook_id: str, severity: str, description: str, by: str) -> int:
    """Open an incident by hand; its room is set up in line with the others (the person who declared it is
    invited). Returns at once: a follow-up that waited for its room would hold a worker thread while rooms
    queue, and under load those threads are what every other person's answer waits for."""
    playbook = core.playbooks.get(playbook_id)
    with transaction(core.engine) as session:
        incident = service.open_incident(session, playbook, title=title, kind=playbook.id, severity=severity,
                                         source="declared", description=description, declared_by=by,
                                         language=core.settings.warroom_language)
        assert incident.id is not None  # flushed by open_incident
        incident_id = incident.id
    metrics.INCIDENTS_OPENED.labels(playbook=metrics.playbook_label(playbook)).inc()
    start_setup(core)  # the set-up also plans the reminders and clocks
    return incident_id


def say(session: Session, incident: Incident, key: str, text: str) -> None:
    """Tell the room, from the outbox, once this transaction commits (nothing when there is no room yet)."""
    if incident.channel_id:
        effects.post(session, key, incident_id=incident.id, channel=incident.channel_id, text=text)


def refresh_topic(core: Core, incident_id: int) -> None:
    """The outbox's topic effect: the channel topic shows severity, lead and next update."""
    with Session(core.engine) as session:
        b = briefing.gather(core, session, incident_id)
    if b.incident.channel_id:
        core.slack.conversations_setTopic(channel=b.incident.channel_id, topic=topic(b))


def _topic(session: Session, incident_id: int) -> None:
    effects.enqueue(session, "topic", f"topic:{incident_id}:{uuid.uuid4().hex}", incident_id=incident_id)


def change_severity(core: Core, incident_id: int, level: str, *, by: str) -> bool:
    with transaction(core.engine) as session:
        incident = service.get(session, incident_id)
        playbook = core.playbooks.get(incident.playbook_id)
        old = incident.severity
        changed = service.change_severity(session, incident, level, by=by, playbook=playbook)
        next_update = incident.next_update_at
        if changed:
            new = Severity.parse(level)
            say(session, incident, f"severity:{incident_id}:{old}:{new.value}:{uuid.uuid4().hex}",
                words(incident.language, "notice.severity", who=mention(by),
                      old=words(incident.language, f"severity.{Severity.parse(old).value}"),
                      new=words(incident.language, f"severity.{new.value}")))
            briefing.enqueue_refresh(session, incident_id)
            _topic(session, incident_id)
            if next_update is not None:  # stored with the change: a crash after the commit does not lose it
                reminders.plan_status(session, incident_id, next_update)
            for plan in SEVERITY_PLANS:  # e.g. the executives' digest follows the new severity, stored with it
                plan(core, session, incident)
            if core.severity_hooks:
                _hooks(session, incident_id, "severity")
    core.deliver()
    return changed


HOOKS = {"close": "close_hooks", "severity": "severity_hooks"}
# What other domains store with a severity change, in its transaction (added by app/wiring.py): e.g. the
# executives' next digest at the new severity's interval.
SEVERITY_PLANS: list[Callable[[Core, Session, Incident], None]] = []


def _hooks(session: Session, incident_id: int, which: str) -> None:
    """Run the core's ``which`` hooks for this change from the outbox, written in the change's transaction."""
    effects.enqueue(session, "hooks", f"hooks:{which}:{incident_id}:{uuid.uuid4().hex}", incident_id=incident_id,
                    which=which)


def run_hooks(core: Core, effect: Effect) -> dict[str, Any]:
    """The outbox's hooks effect: each hook of the core's list (e.g. the alerts told at close, the lessons
    asked for), in order. Every hook writes what it tells once, so an attempt repeated after a crash or a
    failing hook tells nothing twice; a failing hook is on the timeline (its first failure) and the effect is
    tried again."""
    incident_id = int(effect.incident_id or 0)
    failed = []
    for hook in list(getattr(core, HOOKS[effect.payload["which"]])):
        try:
            hook(core, incident_id)
        except Exception as exc:
            log.exception("%s hook %s failed for incident %s", effect.payload["which"], hook.__name__, incident_id)
            failed.append(hook.__name__)
            if effect.attempts > 1:  # on the timeline once; the outbox notes it again if it fails for good
                continue
            with transaction(core.engine) as session:
                timeline.record(session, incident_id, TimelineKind.ERROR, f"{hook.__name__} failed: {exc}"[:500],
                                actor="warroom")
    if failed:
        raise RuntimeError(f"hooks failed: {', '.join(failed)}")
    return {"ran": effect.payload["which"]}


def assign(core: Core, incident_id: int, role: str, user_id: str, *, by: str) -> bool:
    role = role.lower()
    if role not in ROLES:
        raise UserError(key="error.unknown_role", role=escape(role[:40]), roles=", ".join(ROLES))
    with transaction(core.engine) as session:
        incident = service.get(session, incident_id)
        if user_id in exclusions.excluded(session, incident_id):
            raise UserError(key="error.role_kept_out", who=mention(user_id))
        if policy_for(core, incident).roster_only(role) and user_id not in roster_people(core, role):
            listed = ", ".join(mention(u) for u in roster_people(core, role)) or Phrase.of("error.nobody_yet")
            raise UserError(key="error.role_roster_only", title=Texts(role_title(role).lower(), role_title(role, "de")),
                            listed=listed)
        changed = roles.assign(session, incident_id, role, user_id, by=by)
        if changed:
            # Invited first (from the outbox), so the announcement never names someone not yet in the room.
            invite = invites.enqueue(session, incident, user_id, by=by, role=role)
            if incident.channel_id:
                effects.post(session, f"assign:{incident_id}:{role}:{user_id}:{uuid.uuid4().hex}",
                             incident_id=incident_id, channel=incident.channel_id, after=invite,
                             text=words(incident.language, "notice.assigned", who=mention(user_id),
                                        role=role_title(role, incident.language), by=mention(by)))
            briefing.enqueue_refresh(session, incident_id)
            if role == "lead":
                _topic(session, incident_id)
    core.deliver()
    return changed


def close(core: Core, incident_id: int, summary: str, *, by: str) -> None:
    with transaction(core.engine) as session:
        incident = service.close(session, service.get(session, incident_id), summary, by=by)
        say(session, incident, f"close:{incident_id}:{uuid.uuid4().hex}",
            words(incident.language, "notice.closed", who=mention(by), summary=escape(incident.summary),
                  after=core.settings.warroom_archive_after))
        briefing.enqueue_refresh(session, incident_id)
        if incident.channel_id:  # the post-incident report, uploaded by the outbox (app/reports/upload.py)
            effects.enqueue(session, "upload", f"report:{incident_id}:{uuid.uuid4().hex}", incident_id=incident_id,
                            channel=incident.channel_id)
        # The reminders go and the archiving is planned with the close: a crash after the commit loses neither.
        reminders.plan_archive(session, incident_id, utcnow() + parse_duration(core.settings.warroom_archive_after))
        _hooks(session, incident_id, "close")  # the close hooks, run from the outbox: a crash never skips them
    core.deliver()


def reopen(core: Core, incident_id: int, reason: str, *, by: str) -> None:
    with transaction(core.engine) as session:
        incident = service.reopen(session, service.get(session, incident_id), by=by, reason=reason)
        why = f"\n>{escape(reason)}" if reason.strip() else ""
        say(session, incident, f"reopen:{incident_id}:{uuid.uuid4().hex}",
            words(incident.language, "notice.reopened", who=mention(by), why=why))
        briefing.enqueue_refresh(session, incident_id)
        reminders.cancel_archive(session, incident_id)  # with the reopening: a crash never archives an open room
    core.deliver()


def recuse(core: Core, incident_id: int, user_id: str, *, by: str, reason: str) -> bool:
    """Keep a person the incident concerns out of it: no role, no approvals, no status; removed from the room."""
    with transaction(core.engine) as session:
        incident = service.get(session, incident_id)
        if not exclusions.exclude_person(session, incident_id, user_id, by=by, reason=reason or "concerned"):
            return False
        if incident.channel_id:
            effects.enqueue(session, "kick", f"recuse:{incident_id}:{user_id}", incident_id=incident_id,
                            channel=incident.channel_id, user=user_id)
        briefing.enqueue_refresh(session, incident_id)
    if incident.channel_id:
        core.directory.forget_room(incident.channel_id, user_id)
    core.deliver()
    return True

