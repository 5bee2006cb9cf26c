"""Who signs each step of a statement's approval chain: the holder, the roster, the backups, never the person
the incident concerns."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from app.access.guard import policy_for
from app.core import Core
from app.incidents import exclusions
from app.roles import service as roles
from app.statements.service import StepPeople


def chain_people(core: Core, incident_id: int, chain: Iterable[str]) -> dict[str, StepPeople]:
    """Who signs each role: the incident's holder, else the roster's first holder; then the role's backups.

    Backups may sign too, so an unreachable approver never stalls the chain. A role nobody holds or
    backs up falls to the crisis lead.
    """
    with Session(core.engine) as session:
        holders = roles.holders(session, incident_id)
        kept_out = exclusions.excluded(session, incident_id)
    people: dict[str, StepPeople] = {}
    policy = policy_for(core)
    for role in dict.fromkeys(chain):
        listed = [u for u in core.directory.resolve(core.roster.holders(role)) if u not in kept_out]
        if holders.get(role) in kept_out:
            holders.pop(role)
        holder = holders.get(role)
        if policy.roster_only(role) and holder not in listed:
            holder = None  # e.g. the executive step: only people the roster lists for it ever sign it
        approver = holder or next(iter(listed), None)
        backups = tuple(user for user in core.directory.resolve(core.roster.backups_for(role))
                        if user != approver and user not in kept_out)
        if approver is None and not backups:
            approver = holders.get("lead")
        people[role] = StepPeople(approver, backups)
    return people
