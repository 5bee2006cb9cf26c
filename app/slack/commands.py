"""The ``/warroom`` command: parses the subcommand and hands it to the domain that registered it.

The request is acknowledged at once; the subcommand runs afterwards in a Bolt lazy listener.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from sqlmodel import Session

from app.core import Core
from app.incidents import service as incidents
from app.incidents.models import Incident

log = logging.getLogger(__name__)
USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


@dataclass
class Command:
    """One invocation of a subcommand, with the incident of the channel it was run in (if any)."""

    core: Core
    name: str
    args: str
    user_id: str
    channel_id: str
    trigger_id: str | None
    respond: Callable[..., Any]
    incident: Incident | None

    def reply(self, text: str, **kwargs) -> None:
        """Answer only the person who ran the command."""
        self.respond(text=text, response_type="ephemeral", replace_original=False, **kwargs)


@dataclass(frozen=True)
class Subcommand:
    name: str
    handler: Callable[[Command], None]
    usage: str
    summary: str
    needs_incident: bool


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, *, usage: str, summary: str, needs_incident: bool = True):
    def register(fn: Callable[[Command], None]):
        SUBCOMMANDS[name] = Subcommand(name, fn, usage, summary, needs_incident)
        return fn

    return register


def user_ids(text: str) -> list[str]:
    return USER_MENTION.findall(text)


def help_text() -> str:
    lines = ["*War room commands*"]
    lines += [f"`/warroom {s.usage}`: {s.summary}" for s in SUBCOMMANDS.values()]
    return "\n".join(lines)


def run(core: Core, body: dict, respond) -> None:
    text = (body.get("text") or "").strip()
    name, _, args = text.partition(" ")
    name = name.lower() or "help"
    spec = SUBCOMMANDS.get(name)
    if spec is None:
        respond(text=f"Unknown subcommand `{name[:40]}`.\n{help_text()}", response_type="ephemeral")
        return
    with Session(core.engine, expire_on_commit=False) as session:
        incident = incidents.by_channel(session, body.get("channel_id"))
    if spec.needs_incident and incident is None:
        respond(text=f"`/warroom {spec.name}` works inside an incident channel. Run it in the incident's room, "
                "or use `/warroom status` to list open incidents.", response_type="ephemeral")
        return
    command = Command(core, name, args.strip(), body["user_id"], body.get("channel_id", ""), body.get("trigger_id"),
                      respond, incident)
    try:
        spec.handler(command)
    except ValueError as exc:  # domain errors carry a message meant for the user
        command.reply(f":warning: {exc}")


def register(app: App, core: Core) -> None:
    def ack_now(ack) -> None:
        ack()

    def lazy(body, respond) -> None:
        run(core, body, respond)

    app.command("/warroom")(ack=ack_now, lazy=[lazy])


@subcommand("help", usage="help", summary="this list", needs_incident=False)
def _help(cmd: Command) -> None:
    cmd.reply(help_text())
