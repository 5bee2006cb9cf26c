"""Slack surface of tasks: ``/warroom task`` and the "Done" button on the briefing."""

from __future__ import annotations

import re

from slack_bolt import App
from sqlmodel import Session

from app.core import Core
from app.db import transaction
from app.incidents import briefing, service
from app.slack.commands import USER_MENTION, Command, subcommand, user_ids
from app.slack.text import escape, mention
from app.tasks import service as tasks
from app.tasks.service import TaskError
from app.timeutil import local_clock, parse_duration, utcnow

DUE = re.compile(r"\s+in\s+(\d+\s*[dhms](?:\s*\d+\s*[ms])?)\s*$", re.IGNORECASE)


def parse_task(args: str) -> tuple[str, str | None, str | None]:
    """``<text> [@user] [in 30m]`` -> (title, owner id, due duration text)."""
    due = None
    match = DUE.search(args)
    if match:
        due, args = match.group(1), args[: match.start()]
    owners = user_ids(args)
    title = USER_MENTION.sub("", args).strip()
    return title, owners[0] if owners else None, due


@subcommand("task", usage="task <text> [@user] [in 30m]", summary="add a task, optionally with owner and due time")
def add_task(cmd: Command) -> None:
    title, owner, due = parse_task(cmd.args)
    due_at = utcnow() + parse_duration(due) if due else None
    with transaction(cmd.core.engine) as session:
        task = tasks.add(session, cmd.incident.id, title, owner_id=owner or cmd.user_id, due_at=due_at,
                         by=cmd.user_id)
        task_id = task.id
    if due_at and cmd.core.scheduler is not None:
        cmd.core.scheduler.at(f"inc{cmd.incident.id}:task{task_id}", due_at, "task_due", incident_id=cmd.incident.id,
                              task_id=task_id)
    when = f", due {local_clock(due_at, cmd.core.settings.warroom_timezone)}" if due_at else ""
    cmd.core.slack.chat_postMessage(channel=cmd.channel_id, text=f":white_large_square: New task for "
                                    f"{mention(owner or cmd.user_id)}: {escape(title)}{when}")
    briefing.refresh(cmd.core, cmd.incident.id)


def register(app: App, core: Core) -> None:
    def ack_now(ack) -> None:
        ack()

    def done(body, action, respond) -> None:
        user = body["user"]["id"]
        with Session(core.engine) as session:
            incident = service.by_channel(session, (body.get("channel") or {}).get("id"))
        if incident is None:
            return
        try:
            with transaction(core.engine) as session:
                task = tasks.complete(session, int(action["value"]), by=user, incident_id=incident.id)
                title = task.title
        except TaskError as exc:
            respond(text=f":warning: {exc}", response_type="ephemeral", replace_original=False)
            return
        core.slack.chat_postMessage(channel=incident.channel_id, text=f":white_check_mark: {mention(user)} "
                                    f"completed “{escape(title)}”.")
        briefing.refresh(core, incident.id)

    app.action("task_done")(ack=ack_now, lazy=[done])
