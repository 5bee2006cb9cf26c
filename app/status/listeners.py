"""Slack surface of status: `/warroom status`, `/warroom status share`, `/warroom brief` and the Status button.

Private and confidential incidents are shown only to the people the permission rules let see them; to
anyone else they do not exist ("no incident #12 you can see", whether or not it exists).
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from app.access import guard
from app.access.actions import Action
from app.core import Core
from app.db import transaction
from app.effects import service as effects
from app.errors import UserError
from app.incidents import service as incidents
from app.incidents.listeners import parse_severity
from app.incidents.models import Incident
from app.incidents.reminders import note_update
from app.monitoring.trend import with_trend
from app.slack.pipeline import Request
from app.status import brief, views
from app.status.service import gather
from app.timeutil import utcnow


def incident_status(core: Core, incident_id: int) -> dict:
    """The detailed status message of one incident, with the mention trend when a monitor raised it."""
    with Session(core.engine) as session:
        status = gather(core, session, incidents.get(session, incident_id))
    return with_trend(core, incident_id, views.incident_message(status, core.settings.warroom_timezone))


def portfolio(core: Core, user_id: str, *, severity: str | None = None, page: int = 1) -> dict:
    """The open incidents ``user_id`` may see, one page of them, within Slack's block limit."""
    now = utcnow()
    page = max(page, 1)
    with Session(core.engine) as session:
        visible = guard.visible_open(core, session, user_id, severity)
        chunk = visible[(page - 1) * views.PER_PAGE: page * views.PER_PAGE]
        detailed = [gather(core, session, i, now) for i in chunk[: views.DETAILED_PER_PAGE]]
    return views.portfolio_message(detailed, chunk[views.DETAILED_PER_PAGE:], total=visible, page=page,
                                   tz=core.settings.warroom_timezone, now=now, severity=severity)


def parse_args(args: str) -> tuple[str, str | None, int]:
    """``(mode, severity, page)``; mode is here | share | all | page | id."""
    words = args.lower().split()
    if not words:
        return "here", None, 1
    if words[0] == "share":
        return "share", None, 1
    if words[0] == "all":
        return "all", None, 1
    if words[0] == "page" and len(words) > 1 and words[1].isdigit():
        return "all", None, int(words[1])
    if words[0].lstrip("#").isdigit():
        return "id", None, int(words[0].lstrip("#"))
    severity = parse_severity(words[0]).value
    page = int(words[2]) if len(words) > 2 and words[1] == "page" and words[2].isdigit() else 1
    return "all", severity, page


def visible(core: Core, incident_id: int, user_id: str, action: Action = Action.VIEW_STATUS) -> Incident:
    """The incident, if ``user_id`` may see it; otherwise the same answer as for one that does not exist."""
    with Session(core.engine, expire_on_commit=False) as session:
        incident = session.get(Incident, incident_id)
        if incident is None or not guard.may_see(core, session, incident, user_id, action=action):
            raise UserError(key="error.no_incident_visible", id=incident_id)
        return incident


def status(req: Request) -> None:
    mode, severity, page = parse_args(req.args)
    core = req.core
    if mode == "share":
        if req.incident is None:
            raise UserError(key="error.share_where")
        req.require(Action.SHARE_STATUS)
        message = incident_status(core, req.incident_id)
        with transaction(core.engine) as session:  # posted from the outbox: retried, never twice
            effects.post(session, f"status:{req.incident_id}:share:{uuid.uuid4().hex}", incident_id=req.incident_id,
                         channel=req.incident.channel_id or req.channel_id or "", text=message["text"],
                         blocks=message.get("blocks"))
            note_update(core, session, req.incident_id, by=req.user_id, what="status shared")  # counted with it
        core.deliver()
        return
    if mode == "here" and req.incident is not None:
        visible(core, req.incident_id, req.user_id)
        req.reply(**incident_status(core, req.incident_id))
        return
    if mode == "id":
        visible(core, page, req.user_id)
        req.reply(**incident_status(core, page))
        return
    req.reply(**portfolio(core, req.user_id, severity=severity, page=page))


def brief_command(req: Request) -> None:
    assert req.incident is not None  # the pipeline found it: the command needs an incident
    brief.deliver(req.core, req.incident_id, req.incident.channel_id or req.channel_id or "", by=req.user_id)


def show(req: Request) -> None:
    """The briefing's Status button."""
    try:
        incident_id = int((req.body.get("actions") or [{}])[0].get("value") or 0)
    except ValueError:
        raise UserError(key="error.status_button") from None
    visible(req.core, incident_id, req.user_id)
    req.reply(**incident_status(req.core, incident_id))
