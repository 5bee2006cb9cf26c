"""Slack surface of incidents: declare (modal), severity, assign, close, and :pushpin: reactions."""

from __future__ import annotations

import contextlib
import json

from slack_bolt import App
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from app.core import Core
from app.db import transaction
from app.incidents import flows, service, timeline
from app.roles import service as roles
from app.severity import ORDER, Severity
from app.slack import blocks as bk
from app.slack.client import permalink
from app.slack.commands import Command, subcommand, user_ids
from app.slack.text import mention


def _may(cmd: Command, *allowed: str) -> bool:
    """Holders of ``allowed`` roles may; while nobody holds the lead role, anyone in the room may."""
    with Session(cmd.core.engine) as session:
        holders = roles.holders(session, cmd.incident.id)
    if "lead" not in holders:
        return True
    if any(holders.get(role) == cmd.user_id for role in allowed):
        return True
    who = ", ".join(f"{r}: {mention(holders[r])}" for r in allowed if r in holders)
    cmd.reply(f":no_entry: Only the {' or '.join(allowed)} may do that ({who}).")
    return False


@subcommand("declare", usage="declare <title>", summary="open an incident by hand (pick playbook and severity)",
            needs_incident=False)
def declare(cmd: Command) -> None:
    core = cmd.core
    options = [(p.id, p.title[:75]) for p in core.playbooks.all()][:100]
    blocks = [
        bk.plain_input("Title", block_id="title", action_id="value", initial=cmd.args[:150] or None, max_length=150),
        bk.static_select_input("Playbook", block_id="playbook", action_id="value", options=options,
                               initial=core.playbooks.fallback.id),
        bk.static_select_input("Severity", block_id="severity", action_id="value",
                               options=[(s.value, s.value.title()) for s in ORDER], initial="high"),
        bk.plain_input("What happened", block_id="description", action_id="value", multiline=True, optional=True,
                       max_length=3000),
    ]
    view = bk.modal("Declare an incident", blocks, callback_id="declare", submit="Open war room",
                    private_metadata=json.dumps({"channel": cmd.channel_id}))
    core.slack.views_open(trigger_id=cmd.trigger_id, view=view)


def _selected(values: dict, block: str) -> str | None:
    value = values.get(block, {}).get("value", {})
    return (value.get("selected_option") or {}).get("value") or value.get("value")


@subcommand("severity", usage="severity <low|medium|high|critical>", summary="change the incident's severity")
def severity(cmd: Command) -> None:
    level = Severity.parse(cmd.args)
    if not flows.change_severity(cmd.core, cmd.incident.id, level.value, by=cmd.user_id):
        cmd.reply(f"The severity is already {level.value}.")


@subcommand("assign", usage="assign <role> @user", summary="give a role to someone (lead or scribe)")
def assign(cmd: Command) -> None:
    role, _, rest = cmd.args.partition(" ")
    users = user_ids(rest)
    if not role or len(users) != 1:
        cmd.reply("Usage: `/warroom assign <role> @user`, e.g. `/warroom assign legal @dana`")
        return
    if _may(cmd, "lead", "scribe") and not flows.assign(cmd.core, cmd.incident.id, role, users[0], by=cmd.user_id):
        cmd.reply(f"{mention(users[0])} already holds that role.")


@subcommand("close", usage="close <summary>", summary="close the incident (crisis lead)")
def close(cmd: Command) -> None:
    if not cmd.args:
        cmd.reply("Closing needs a summary: `/warroom close <what happened and how it ended>`")
        return
    if _may(cmd, "lead"):
        flows.close(cmd.core, cmd.incident.id, cmd.args, by=cmd.user_id)


def register(app: App, core: Core) -> None:
    def ack_declare(ack, view) -> None:
        values = view["state"]["values"]
        title = (_selected(values, "title") or "").strip()
        if not title:
            ack(response_action="errors", errors={"title": "Give the incident a title."})
            return
        ack()

    def run_declare(body, view, client) -> None:
        values = view["state"]["values"]
        user = body["user"]["id"]
        origin = json.loads(view.get("private_metadata") or "{}").get("channel")
        incident_id = flows.declare(core, title=_selected(values, "title"), playbook_id=_selected(values, "playbook"),
                                    severity=_selected(values, "severity"),
                                    description=_selected(values, "description") or "", by=user)
        with Session(core.engine) as session:
            channel = service.get(session, incident_id).channel_id
        text = f"Incident #{incident_id} is open: <#{channel}>" if channel else f"Incident #{incident_id} is open."
        if origin:
            try:
                client.chat_postEphemeral(channel=origin, user=user, text=text)
                return
            except SlackApiError:
                pass  # not a channel the user is in: tell them by DM instead
        client.chat_postMessage(channel=user, text=text)

    app.view("declare")(ack=ack_declare, lazy=[run_declare])

    def ack_event(ack) -> None:
        ack()

    def pushpin(event, client) -> None:
        item = event.get("item") or {}
        if event.get("reaction") != "pushpin" or item.get("type") != "message":
            return
        with Session(core.engine) as session:
            incident = service.by_channel(session, item.get("channel"))
        if incident is None:
            return
        url = permalink(client, item["channel"], item["ts"])
        with transaction(core.engine) as session:
            timeline.record(session, incident.id, "pinned_message", url or item["ts"], actor=event.get("user"),
                            permalink=url, ts=item["ts"])
        with contextlib.suppress(SlackApiError):  # a visible receipt; already_reacted is fine
            client.reactions_add(channel=item["channel"], timestamp=item["ts"], name="memo")

    app.event("reaction_added")(ack=ack_event, lazy=[pushpin])
    app.event("app_mention")(ack=ack_event, lazy=[lambda event, say: say(
        text=f"Hi {mention(event.get('user', ''))}: use `/warroom help` to see what I can do.")])

