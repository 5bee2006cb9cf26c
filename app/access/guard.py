"""The one place that decides: may this person do this action on this incident, and may they see it.

Every Slack entry point passes through ``check`` (app/slack/pipeline.py calls it with the action each
listener declares); a refusal names who may, and is written to the incident's timeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from sqlmodel import Session, col, select

from app import metrics
from app.access.actions import Action, Kind
from app.access.caller import Caller, identify, in_room, incident_caller, workspace_kinds
from app.access.policy import Policy, default_policy
from app.db import transaction
from app.errors import Refused
from app.i18n import Either, Phrase, Texts, localize
from app.incidents import exclusions, timeline
from app.incidents.kinds import TimelineKind
from app.incidents.models import Incident, IncidentExclusion, IncidentStatus
from app.roles.keys import role_title
from app.roles.models import RoleAssignment
from app.severity import Severity
from app.slack.text import mention

if TYPE_CHECKING:
    from app.core import Core
    from app.playbooks.schema import Playbook


def policy_for(core: Core, incident: Incident | None = None) -> Policy:
    """The default rules with the roster's overrides, then the incident's playbook's."""
    playbook = core.playbooks.get(incident.playbook_id) if incident is not None else None
    return default_policy().overridden(getattr(core.roster, "permissions", None),
                                       getattr(playbook, "permissions", None))


def _role(role: str, holders: dict[str, str]) -> Phrase:
    title = Texts(role_title(role).lower(), role_title(role, "de"))
    if role in holders:
        return Phrase.of("who.role", title=title, holder=mention(holders[role]))
    return Phrase.of("who.role_vacant", title=title)


def _people(kind: str, caller: Caller) -> Phrase:
    if kind == Kind.LEAD:
        return _role("lead", caller.holders)
    if kind == Kind.DEPUTY:
        return _role("scribe", caller.holders)
    if kind.startswith("role:"):
        return _role(kind.removeprefix("role:"), caller.holders)
    return Phrase.of(f"who.{Kind(kind).value}")


def _who(policy: Policy, action: Action, caller: Caller) -> Either:
    return Either(tuple(_people(kind, caller) for kind in policy.rule(action).who))


def who_may(policy: Policy, action: Action, caller: Caller, language: str = "en") -> str:
    """Who may do ``action``, as one list of people in ``language``."""
    return localize(language, _who(policy, action, caller))


def refused(policy: Policy, action: Action, caller: Caller, incident: Incident | None) -> Refused | None:
    """Why ``caller`` may not do ``action``, as the error to raise (None when they may)."""
    if incident is not None and caller.excluded:
        return Refused(key="refusal.kept_out", id=incident.id)
    if incident is not None and incident.status == IncidentStatus.CLOSED and not policy.open_when_closed(action):
        return Refused(key="refusal.closed", id=incident.id)
    if policy.allows(action, caller.kinds):
        return None
    rule = policy.rule(action)
    return Refused(key="refusal.only", who=_who(policy, action, caller), what=Texts(rule.summary, rule.summary_de))


def refusal(policy: Policy, action: Action, caller: Caller, incident: Incident | None) -> str | None:
    """Why ``caller`` may not do ``action``, in English (None when they may)."""
    error = refused(policy, action, caller, incident)
    return None if error is None else str(error)


def check(core: Core, session: Session, incident: Incident | None, caller: Caller, action: Action) -> None:
    """Raise Refused (recorded on the incident's timeline) unless ``caller`` may do ``action``."""
    error = refused(policy_for(core, incident), action, caller, incident)
    if error is None:
        return
    metrics.REFUSALS.labels(action=action.value).inc()
    if incident is not None and incident.id is not None:  # in a transaction of its own: the caller only read
        with transaction(core.engine) as writing:
            timeline.record(writing, incident.id, TimelineKind.REFUSED,
                            str(error), actor=caller.user_id, action=action.value)
    raise error


def declare_action(playbook: Playbook | None, severity: str) -> Action:
    """Confidential playbooks and critical incidents need more than a plain declaration."""
    if getattr(playbook, "confidential", False) or Severity.parse(severity) == Severity.CRITICAL:
        return Action.DECLARE_RESTRICTED
    return Action.DECLARE


def restricted(incident: Incident) -> bool:
    """Private and confidential incidents are seen only by their room's members and the executives."""
    return bool(incident.private or incident.confidential)


def may_see(core: Core, session: Session, incident: Incident | None, user_id: str, *,
            action: Action = Action.VIEW_STATUS) -> bool:
    if incident is None:
        return False
    if incident.id is not None and user_id in exclusions.excluded(session, incident.id):
        return False  # never shown to the person it concerns, public or not
    if not restricted(incident):
        return True
    return policy_for(core, incident).allows(action, identify(core, session, incident, user_id).kinds)


def visible_open(core: Core, session: Session, user_id: str, severity: str | None = None) -> list[Incident]:
    """The open incidents ``user_id`` may see, most severe first, then oldest.

    A fixed number of queries and at most one Slack call, however many incidents are open."""
    query = select(Incident).where(Incident.status == IncidentStatus.OPEN)
    if severity:
        query = query.where(Incident.severity == Severity.parse(severity).value)
    incidents = list(session.exec(query.order_by(col(Incident.id))))
    ids = [i.id for i in incidents]
    kept_out = set(session.exec(select(IncidentExclusion.incident_id).where(
        IncidentExclusion.user_id == user_id, col(IncidentExclusion.incident_id).in_(ids)))) if ids else set()
    hidden = [i for i in incidents if restricted(i) and i.id not in kept_out]
    holders: dict[int, dict[str, str]] = {}
    if hidden:
        rows = session.exec(select(RoleAssignment).where(col(RoleAssignment.incident_id).in_([i.id for i in hidden]),
                                                         RoleAssignment.active).order_by(col(RoleAssignment.id)))
        for row in rows:
            holders.setdefault(row.incident_id, {})[row.role] = row.user_id
    base = workspace_kinds(core, user_id)
    rooms: frozenset[str] = frozenset()
    if hidden:
        newest = max((i.room_ready_at or i.created_at).timestamp() for i in hidden)
        try:
            rooms = core.directory.rooms_of(user_id, not_before=newest)
        except SlackApiError:
            rooms = frozenset()

    def may(incident: Incident) -> bool:
        if incident.id is None or incident.id in kept_out:
            return False
        if not restricted(incident):
            return True
        caller = incident_caller(core, user_id, base, holders.get(incident.id, {}),
                                 member=bool(incident.channel_id) and incident.channel_id in rooms)
        return policy_for(core, incident).allows(Action.VIEW_STATUS, caller.kinds)

    return sorted((i for i in incidents if may(i)), key=lambda i: (-Severity(i.severity).rank, i.created_at, i.id))


__all__ = ["check", "declare_action", "identify", "in_room", "may_see", "policy_for", "refusal", "refused",
           "restricted", "visible_open", "who_may"]
