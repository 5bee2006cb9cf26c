"""Who is asking: the kinds of person a user is for one incident (or for none), from the record and the roster."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from app.access.actions import Kind, role_kind
from app.incidents import exclusions
from app.incidents.models import Incident
from app.roles import service as roles

if TYPE_CHECKING:
    from app.core import Core


@dataclass(frozen=True)
class Caller:
    """A person and what they are, for the incident at hand."""

    user_id: str
    kinds: frozenset[str]
    holders: dict[str, str] = field(default_factory=dict, compare=False)
    excluded: bool = False  # a person the incident concerns: kept out of everything about it

    def has(self, kind: str) -> bool:
        return kind in self.kinds

    @property
    def in_room(self) -> bool:
        return Kind.MEMBER.value in self.kinds


def roster_people(core: Core, role: str) -> list[str]:
    """The roster's holders and backups of ``role``, usergroups resolved."""
    return core.directory.resolve([*core.roster.holders(role), *core.roster.backups_for(role)])


def executives(core: Core) -> list[str]:
    """The roster's executives as user ids (usergroup handles resolved)."""
    return core.directory.resolve(list(core.roster.executives))


def crisis_team(core: Core) -> set[str]:
    entries = [e for people in (*core.roster.roles.values(), *core.roster.backups.values()) for e in people]
    return set(core.directory.resolve(entries))


def in_room(core: Core, incident: Incident | None, user_id: str) -> bool:
    """Whether ``user_id`` is a member of the incident's channel now (False when Slack cannot tell)."""
    if incident is None or not incident.channel_id:
        return False
    ready = incident.room_ready_at or incident.created_at
    try:  # an answer cached before the room was set up cannot know its invitations
        return incident.channel_id in core.directory.rooms_of(user_id, not_before=ready.timestamp())
    except SlackApiError:
        return False


def workspace_kinds(core: Core, user_id: str) -> set[str]:
    """What ``user_id`` is whatever the incident: anyone, and perhaps an executive or on the crisis team."""
    kinds = {Kind.ANYONE.value}
    if user_id in executives(core):
        kinds.add(Kind.EXECUTIVE.value)
    if user_id in crisis_team(core):
        kinds.add(Kind.CRISIS_TEAM.value)
    return kinds


def incident_caller(core: Core, user_id: str, base: set[str], holders: dict[str, str], *, member: bool,
                    excluded: bool = False) -> Caller:
    """The caller for one incident from what is known of it: its role holders and whether they are in the room."""
    if excluded:
        return Caller(user_id, frozenset({Kind.ANYONE.value}), {}, excluded=True)
    kinds = set(base)
    for role, holder in holders.items():
        if holder == user_id:
            kinds.update({role_kind(role), Kind.ROLE_HOLDER.value})
    if holders.get("lead") == user_id or ("lead" not in holders and user_id in roster_people(core, "lead")):
        kinds.add(Kind.LEAD.value)
    if holders.get("scribe") == user_id:
        kinds.add(Kind.DEPUTY.value)
    if member:
        kinds.add(Kind.MEMBER.value)
    return Caller(user_id, frozenset(kinds), holders)


def identify(core: Core, session: Session, incident: Incident | None, user_id: str) -> Caller:
    """The kinds of person ``user_id`` is for ``incident`` (or, with none, in the workspace)."""
    base = workspace_kinds(core, user_id)
    if incident is None or incident.id is None:
        return Caller(user_id, frozenset(base), {})
    if user_id in exclusions.excluded(session, incident.id):
        return incident_caller(core, user_id, base, {}, member=False, excluded=True)
    return incident_caller(core, user_id, base, roles.holders(session, incident.id),
                           member=in_room(core, incident, user_id))
