"""Slack surface of status: `/warroom status`, `/warroom status share`, `/warroom brief` and the Status button."""

from __future__ import annotations

import logging

from slack_bolt import App
from sqlmodel import Session

from app.core import Core
from app.incidents import service as incidents
from app.incidents.models import Incident
from app.scheduling.reminders import mark_update
from app.severity import Severity
from app.slack.commands import Command, subcommand
from app.status import brief, views
from app.status.service import executives, gather, may_see, visible_open
from app.timeutil import utcnow

log = logging.getLogger(__name__)

USAGE = "status [share | all | <severity> | page <n> | <incident id>]"


def incident_status(core: Core, incident_id: int) -> dict:
    """The detailed status message of one incident."""
    with Session(core.engine) as session:
        status = gather(core, session, incidents.get(session, incident_id))
    return views.incident_message(status, core.settings.warroom_timezone)


def portfolio(core: Core, user_id: str, *, severity: str | None = None, page: int = 1) -> dict:
    """The open incidents ``user_id`` may see, one page of them, within Slack's block limit."""
    now = utcnow()
    page = max(page, 1)
    with Session(core.engine) as session:
        visible = visible_open(session, user_id, executives(core), severity)
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
    severity = Severity.parse(words[0]).value
    page = int(words[2]) if len(words) > 2 and words[1] == "page" and words[2].isdigit() else 1
    return "all", severity, page


def _visible(core: Core, incident_id: int, user_id: str) -> Incident | None:
    with Session(core.engine) as session:
        incident = session.get(Incident, incident_id)
        if incident is None or not may_see(session, incident, user_id, executives(core)):
            return None
        return incident


@subcommand("status", usage=USAGE, summary="where the incident stands (here), or every open incident you may see",
            needs_incident=False)
def status(cmd: Command) -> None:
    mode, severity, page = parse_args(cmd.args)
    core = cmd.core
    if mode == "share":
        if cmd.incident is None:
            cmd.reply("`/warroom status share` posts the status in an incident's room: run it there.")
            return
        core.slack.chat_postMessage(channel=cmd.channel_id, **incident_status(core, cmd.incident.id))
        mark_update(core, cmd.incident.id, by=cmd.user_id, what="status shared")
        return
    if mode == "here" and cmd.incident is not None:
        cmd.reply(**incident_status(core, cmd.incident.id))
        return
    if mode == "id":
        if _visible(core, page, cmd.user_id) is None:
            cmd.reply(f"There is no incident #{page} you can see.")
            return
        cmd.reply(**incident_status(core, page))
        return
    cmd.reply(**portfolio(core, cmd.user_id, severity=severity, page=page))


@subcommand("brief", usage="brief", summary="a short situation report for leadership, citing the timeline")
def brief_command(cmd: Command) -> None:
    brief.deliver(cmd.core, cmd.incident.id, cmd.channel_id, by=cmd.user_id)


def register(app: App, core: Core) -> None:
    def ack_now(ack) -> None:
        ack()

    def show(body, action, respond) -> None:
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        try:
            incident_id = int(action.get("value") or 0)
        except ValueError:
            return
        with Session(core.engine) as session:
            incident = session.get(Incident, incident_id)
            allowed = incident is not None and (incident.channel_id == channel or
                                                may_see(session, incident, user, executives(core)))
        if not allowed:
            respond(text="That incident is not one you can see.", response_type="ephemeral", replace_original=False)
            return
        respond(response_type="ephemeral", replace_original=False, **incident_status(core, incident_id))

    app.action("status_show")(ack=ack_now, lazy=[show])
