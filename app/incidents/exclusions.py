"""People an incident concerns (the executive an allegation is about, the employee in the video).

They are never invited to the incident's room and never hold one of its roles. The room's set-up reads
this list at each step, so a person excluded before the room is ready is never invited.
"""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from app.errors import UserError
from app.incidents import service, timeline
from app.incidents.kinds import TimelineKind
from app.incidents.models import IncidentExclusion
from app.roles.models import RoleAssignment

_USER_ID = r"^[UW][A-Z0-9]{2,}$"


def exclude_person(session: Session, incident_id: int, user_id: str, *, by: str, reason: str) -> bool:
    """Keep ``user_id`` out of the incident (in the caller's transaction); False when already excluded.

    A role the person holds is taken from them (left unstaffed for the lead to give to someone else).
    Raises ValueError naming the problem for an unknown incident or a malformed user id.
    """
    service.get(session, incident_id)  # IncidentError (a ValueError) when there is no such incident
    user_id = (user_id or "").strip()
    if not re.match(_USER_ID, user_id):
        raise UserError(key="error.not_user_id", value=user_id[:40])
    existing = session.exec(select(IncidentExclusion).where(IncidentExclusion.incident_id == incident_id,
                                                            IncidentExclusion.user_id == user_id)).first()
    if existing is not None:
        return False
    session.add(IncidentExclusion(incident_id=incident_id, user_id=user_id, reason=reason.strip()[:500],
                                  excluded_by=by))
    held = session.exec(select(RoleAssignment).where(RoleAssignment.incident_id == incident_id,
                                                     RoleAssignment.user_id == user_id,
                                                     col(RoleAssignment.active))).all()
    for assignment in held:
        assignment.active = False
        session.add(assignment)
    timeline.record(session, incident_id, TimelineKind.PERSON_EXCLUDED,
                    f"{user_id} is kept out of this incident", actor=by,
                    user=user_id, roles=[a.role for a in held])
    return True


def excluded(session: Session, incident_id: int) -> set[str]:
    """User ids kept out of the incident."""
    query = select(IncidentExclusion.user_id).where(IncidentExclusion.incident_id == incident_id)
    return set(session.exec(query))
