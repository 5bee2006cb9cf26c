"""Slack surface of reports: `/warroom report [incident id]`, and lessons learned (command, button, modal)."""

from __future__ import annotations

from app.access.actions import Action
from app.errors import UserError
from app.reports import flows, lessons
from app.slack.pipeline import Request
from app.slack.text import from_slack
from app.status.listeners import visible


def report_command(req: Request) -> None:
    arg = req.args.strip().lstrip("#")
    if arg:
        if not arg.isdigit():
            raise UserError(key="error.report_usage")
        incident = visible(req.core, int(arg), req.user_id, Action.REPORT)
    elif req.incident is not None:
        incident = visible(req.core, req.incident_id, req.user_id, Action.REPORT)
    else:
        raise UserError(key="error.report_where")
    target = flows.deliver(req.core, incident, user_id=req.user_id, channel_id=req.channel_id)
    if target != req.channel_id:
        req.reply(req.say("answer.report_dm", id=incident.id))


def lesson_command(req: Request) -> None:
    """``/warroom lesson <text>``: a lesson for the report, on the timeline."""
    lessons.record_lesson(req.core, req.incident_id, from_slack(req.args), by=req.user_id)


def lesson_button(req: Request) -> None:
    """*Add a lesson* under the close message: the modal opens at once (its trigger lives three seconds)."""
    assert req.incident is not None
    req.core.slack.views_open(trigger_id=req.trigger_id, view=lessons.modal(req.incident, req.channel_id))


def lesson_submitted(req: Request) -> None:
    lessons.record_lesson(req.core, req.incident_id, lessons.submitted_text(req.body["view"]), by=req.user_id)
