"""The ``/warroom`` command: finds the subcommand and runs it through the request pipeline.

The subcommands themselves, with the action each one declares to the permission rules, are listed in
app/wiring.py; this module only parses and dispatches.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.access.actions import Action
from app.core import Core
from app.i18n import help_summary, say
from app.slack.pipeline import Listener, Request, handle, language_for

USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


@dataclass(frozen=True)
class Subcommand:
    name: str
    listener: Listener
    action: Action | None  # None: the listener asks the rules itself (e.g. status, which depends on the target)
    usage: str
    summary: str
    needs_incident: bool = True


def user_ids(text: str) -> list[str]:
    return USER_MENTION.findall(text)


def help_text(subcommands: Sequence[Subcommand], language: str = "en") -> str:
    lines = [say(language, "help.title")]
    lines += [f"`/warroom {s.usage}`: {help_summary(s.name, language) or s.summary}" for s in subcommands]
    return "\n".join(lines)


class CommandRouter:
    """Routes ``/warroom <name> <args>`` to its subcommand."""

    def __init__(self, core: Core, subcommands: Sequence[Subcommand]) -> None:
        self.core = core
        self.subcommands = {s.name: s for s in subcommands}
        self.help = help_text(subcommands)
        self.helps = {language: help_text(subcommands, language) for language in ("en", "de")}

    def room_language(self, channel_id: str | None) -> str:
        """The language of the request (its room's incident's, else the workspace's), for the command list."""
        from sqlmodel import Session

        from app.incidents.service import by_channel  # the router is built before the incident modules

        with Session(self.core.engine) as session:
            return language_for(self.core, by_channel(session, channel_id) if channel_id else None)

    @staticmethod
    def name_of(body: dict) -> str:
        return (body.get("text") or "").strip().partition(" ")[0].lower() or "help"

    def run(self, body: dict, respond) -> None:
        text = (body.get("text") or "").strip()
        name, _, args = text.partition(" ")
        name = name.lower() or "help"
        req = Request(self.core, body.get("user_id", ""), body.get("channel_id"), body, args=args.strip(),
                      respond=respond)
        spec = self.subcommands.get(name)
        if spec is None:
            language = self.room_language(req.channel_id)
            req.reply(say(language, "help.unknown", name=name[:40]) + f"\n{self.helps[language]}")
            return
        if name == "help":
            req.reply(self.helps[self.room_language(req.channel_id)])
            return
        handle(self.core, body, respond, spec.listener, name=f"/warroom {name}", action=spec.action,
               needs_incident=spec.needs_incident, args=args.strip())
