"""Slack surface of holding statements: ``/warroom statement``, the draft button, sign-off buttons and modals."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from slack_bolt import App
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from app.core import Core
from app.incidents import service as incidents
from app.slack.commands import Command, subcommand
from app.statements import flows, service
from app.statements.channels import parse_channels
from app.statements.views import CHANGES_CALLBACK, EDIT_CALLBACK, changes_modal, edit_modal, parse_value

log = logging.getLogger(__name__)


@subcommand("statement", usage="statement [channel...]",
            summary="draft a holding statement (channels: press, x, linkedin, website, staff, email)")
def statement(cmd: Command) -> None:
    channels = parse_channels(cmd.args) if cmd.args else None
    flows.start_draft(cmd.core, cmd.incident.id, by=cmd.user_id, channels=channels, reply=cmd.reply,
                      background=True)


def _respond(respond) -> Callable[[str], None]:
    return lambda text: respond(text=text, response_type="ephemeral", replace_original=False)


def _ephemeral(core: Core, channel: str | None, user: str) -> Callable[[str], None]:
    """Answer one person in the room; by DM when the room does not take it."""

    def reply(text: str) -> None:
        try:
            if channel:
                core.slack.chat_postEphemeral(channel=channel, user=user, text=text)
                return
        except SlackApiError:
            pass
        core.slack.chat_postMessage(channel=user, text=text)

    return reply


def _values(view: dict) -> dict[str, str]:
    values = view["state"]["values"]
    return {block: (actions.get("text") or {}).get("value") or "" for block, actions in values.items()}


def register(app: App, core: Core) -> None:
    def ack_now(ack) -> None:
        ack()

    def draft(body, action, respond) -> None:
        reply = _respond(respond)
        channel = (body.get("channel") or {}).get("id")
        with Session(core.engine) as session:
            incident = incidents.by_channel(session, channel)
        if incident is None or str(incident.id) != str(action.get("value")):
            reply(":warning: Draft holding statements from the incident's own room.")
            return
        try:
            flows.start_draft(core, incident.id, by=body["user"]["id"], channels=None, reply=reply, background=True)
        except ValueError as exc:
            reply(f":warning: {exc}")

    def approve(body, action, respond) -> None:
        reply = _respond(respond)
        try:
            statement_id, number = parse_value(action.get("value", ""))
            flows.approve(core, statement_id, number, user_id=body["user"]["id"], reply=reply)
        except ValueError as exc:
            reply(f":warning: {exc}")

    def open_modal(body, action, respond, build) -> None:
        reply = _respond(respond)
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id", "")
        try:
            statement_id, number = parse_value(action.get("value", ""))
            if build is edit_modal:
                refusal = flows.edit_refusal(core, statement_id, number, user)
                if refusal:
                    flows.record_refusal(core, statement_id, number, user, refusal, action="edit")
                    reply(f":no_entry: {refusal}")
                    return
            elif not flows.may_request_changes(core, statement_id, number, user):
                # records the refused attempt and says who may
                flows.request_changes(core, statement_id, number, user_id=user, comment="", reply=reply)
                return
            _, shown = flows.card(core, statement_id)
            core.slack.views_open(trigger_id=body["trigger_id"], view=build(shown, channel))
        except ValueError as exc:
            reply(f":warning: {exc}")

    def edit(body, action, respond) -> None:
        open_modal(body, action, respond, edit_modal)

    def changes(body, action, respond) -> None:
        open_modal(body, action, respond, changes_modal)

    app.action("statement_draft")(ack=ack_now, lazy=[draft])
    app.action("statement_approve")(ack=ack_now, lazy=[approve])
    app.action("statement_edit")(ack=ack_now, lazy=[edit])
    app.action("statement_changes")(ack=ack_now, lazy=[changes])

    def ack_edit(ack, view) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        values = _values(view)
        variants = {block.removeprefix("variant-"): text for block, text in values.items()
                    if block.startswith("variant-")}
        problems = flows.edit_problems(variants)
        if not problems:
            with Session(core.engine) as session:
                try:
                    current = service.get(session, int(meta.get("statement", 0)))
                except service.StatementError:
                    current = None
            first = next(iter(variants), "")
            if current is None or current.status == "approved" or current.current_version != meta.get("version"):
                problems = {f"variant-{first}": "This version can no longer be edited: a newer version exists or "
                                                "the statement is approved. Close this dialog and reload."}
        if problems:
            ack(response_action="errors", errors=problems)
            return
        ack()

    def run_edit(body, view) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        user = body["user"]["id"]
        values = _values(view)
        variants = {block.removeprefix("variant-"): text.strip() for block, text in values.items()
                    if block.startswith("variant-")}
        reply = _ephemeral(core, meta.get("channel"), user)
        try:
            flows.save_edit(core, int(meta["statement"]), int(meta["version"]), user_id=user, variants=variants,
                            note=values.get("note", ""), reply=reply)
        except ValueError as exc:
            reply(f":warning: {exc}")

    def ack_changes(ack, view) -> None:
        if not _values(view).get("comment", "").strip():
            ack(response_action="errors", errors={"comment": "Say what should change."})
            return
        ack()

    def run_changes(body, view) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        user = body["user"]["id"]
        reply = _ephemeral(core, meta.get("channel"), user)
        try:
            flows.request_changes(core, int(meta["statement"]), int(meta["version"]), user_id=user,
                                  comment=_values(view).get("comment", "").strip(), reply=reply)
        except ValueError as exc:
            reply(f":warning: {exc}")

    app.view(EDIT_CALLBACK)(ack=ack_edit, lazy=[run_edit])
    app.view(CHANGES_CALLBACK)(ack=ack_changes, lazy=[run_changes])

