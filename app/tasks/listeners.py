"""Slack surface of tasks: ``/warroom task`` and the "Done" button on the briefing."""

from __future__ import annotations

import re

from app.access.actions import Action
from app.errors import UserError
from app.slack.commands import USER_MENTION, user_ids
from app.slack.pipeline import Request
from app.slack.text import from_slack
from app.tasks import flows
from app.timeutil import parse_duration, utcnow

DUE = re.compile(r"\s+in\s+(\d+\s*[dhms](?:\s*\d+\s*[ms])?)\s*$", re.IGNORECASE)


def parse_task(args: str) -> tuple[str, str | None, str | None]:
    """``<text> [@user] [in 30m]`` -> (title, owner id, due duration text)."""
    due = None
    match = DUE.search(args)
    if match:
        due, args = match.group(1), args[: match.start()]
    owners = user_ids(args)
    title = from_slack(USER_MENTION.sub("", args)).strip()
    return title, owners[0] if owners else None, due


def add_task(req: Request) -> None:
    assert req.incident is not None  # the pipeline found it: the action needs an incident
    title, owner, due = parse_task(req.args)
    flows.add_task(req.core, req.incident_id, title, owner=owner or req.user_id,
                   due_at=utcnow() + parse_duration(due) if due else None, by=req.user_id,
                   channel_id=req.incident.channel_id or req.channel_id or "")


def done(req: Request) -> None:
    """Anyone may tick off their own task; someone else's needs the rule for completing others' tasks."""
    assert req.incident is not None  # the pipeline found it: the action needs an incident
    try:
        task_id = int(req.body["actions"][0]["value"])
    except (KeyError, IndexError, ValueError):
        raise UserError(key="error.task_button") from None
    if flows.owner_of(req.core, task_id) != req.user_id:
        req.require(Action.COMPLETE_TASK)
    flows.complete_task(req.core, req.incident_id, task_id, by=req.user_id, channel_id=req.incident.channel_id or "")
