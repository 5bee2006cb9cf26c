"""Slack surface of the decision log and facts: ``/warroom decision``, ``/warroom fact``, and the
"Log as decision" message shortcut."""

from __future__ import annotations

from slack_bolt import App
from sqlmodel import Session

from app.core import Core
from app.db import transaction
from app.decisions import service
from app.incidents import service as incidents
from app.slack.client import permalink
from app.slack.commands import Command, subcommand
from app.slack.text import escape, mention


def _announce(core: Core, channel: str, user: str, text: str) -> dict:
    return core.slack.chat_postMessage(channel=channel, text=f":scales: *Decision* by {mention(user)}: {escape(text)}")


@subcommand("decision", usage="decision <text>", summary="log a decision (who, when, link)")
def decision(cmd: Command) -> None:
    if not cmd.args:
        raise service.RecordError("a decision needs its text, e.g. `/warroom decision Pause all paid promotion`")
    posted = _announce(cmd.core, cmd.channel_id, cmd.user_id, cmd.args)
    with transaction(cmd.core.engine) as session:
        service.log_decision(session, cmd.incident.id, cmd.args, by=cmd.user_id,
                             permalink=permalink(cmd.core.slack, cmd.channel_id, posted.get("ts")))


@subcommand("fact", usage="fact [private] <text>", summary="record a confirmed fact (private: never in statements)")
def fact(cmd: Command) -> None:
    with transaction(cmd.core.engine) as session:
        recorded = service.add_fact(session, cmd.incident.id, cmd.args, by=cmd.user_id)
        private, text = recorded.private, recorded.text
    if private:
        cmd.reply(":lock: Private fact recorded. It will never appear in a drafted statement.")
    else:
        cmd.core.slack.chat_postMessage(channel=cmd.channel_id,
                                        text=f":pushpin: *Confirmed fact* ({mention(cmd.user_id)}): {escape(text)}")


def register(app: App, core: Core) -> None:
    def ack_now(ack) -> None:
        ack()

    def log_from_message(body, respond) -> None:
        channel = body["channel"]["id"]
        user = body["user"]["id"]
        message = body.get("message") or {}
        with Session(core.engine) as session:
            incident = incidents.by_channel(session, channel)
        if incident is None:
            respond(text="“Log as decision” works on messages inside an incident channel.", response_type="ephemeral")
            return
        text = (message.get("text") or "").strip()
        if not text:
            respond(text="That message has no text to log.", response_type="ephemeral")
            return
        with transaction(core.engine) as session:
            service.log_decision(session, incident.id, text, by=user, source="shortcut",
                                 permalink=permalink(core.slack, channel, message.get("ts")))
        _announce(core, channel, user, text)

    app.shortcut("log_decision")(ack=ack_now, lazy=[log_from_message])
