"""Slack surface of statements: ``/warroom statement`` and the packs (``qa``, ``stakeholders``, ``replies``), the
draft button, sign-off buttons and modals.

Who signs which step is the approval chain's own rule (app/statements/service.decide); the permission
rules decide who may take part at all (app/wiring.py declares each listener's action).
"""

from __future__ import annotations

import json

from sqlmodel import Session

from app.core import Core
from app.errors import UserError
from app.i18n import say
from app.incidents.models import Incident
from app.slack.pipeline import Request
from app.statements import flows, kinds, service
from app.statements.channels import parse_channels
from app.statements.models import StatementKind, StatementStatus
from app.statements.views import changes_modal, edit_modal, override_modal, parse_value


def incident_of_statement(core: Core, session: Session, body: dict) -> Incident | None:
    """The incident of the statement a button or modal is about."""
    if body.get("type") == "view_submission":
        statement_id = int(json.loads(body["view"].get("private_metadata") or "{}").get("statement") or 0)
    else:
        statement_id, _ = parse_value((body.get("actions") or [{}])[0].get("value", ""))
    statement = service.find(session, statement_id)
    return session.get(Incident, statement.incident_id) if statement is not None else None


def _button(req: Request) -> tuple[int, int]:
    return parse_value((req.body.get("actions") or [{}])[0].get("value", ""))


def _values(view: dict) -> dict[str, str]:
    values = view["state"]["values"]
    return {block: (actions.get("text") or {}).get("value") or "" for block, actions in values.items()}


def _variants(view: dict) -> dict[str, str]:
    return {block.removeprefix("variant-"): text.strip() for block, text in _values(view).items()
            if block.startswith("variant-")}


def statement(req: Request) -> None:
    channels = parse_channels(req.args) if req.args else None
    flows.start_draft(req.core, req.incident_id, by=req.user_id, channels=channels, reply=req.reply, background=True)


def _pack(kind: StatementKind):
    def start(req: Request) -> None:
        if req.args.strip():
            raise UserError(key="error.pack_no_args", command=kinds.command(kind))
        flows.start_draft(req.core, req.incident_id, by=req.user_id, channels=None, reply=req.reply,
                          background=True, kind=kind)

    start.__name__ = f"draft_{kind.value}"
    return start


qa = _pack(StatementKind.QA)
stakeholders = _pack(StatementKind.STAKEHOLDERS)
replies = _pack(StatementKind.REPLIES)


def draft(req: Request) -> None:
    """The briefing's "Draft holding statement" button."""
    if str(req.incident_id) != str((req.body.get("actions") or [{}])[0].get("value")):
        raise UserError(key="error.statement_where")
    flows.start_draft(req.core, req.incident_id, by=req.user_id, channels=None, reply=req.reply, background=True)


def approve(req: Request) -> None:
    statement_id, number = _button(req)
    if flows.approve(req.core, statement_id, number, user_id=req.user_id, reply=req.reply) == "needs_override":
        _, shown = flows.card(req.core, statement_id)
        req.core.slack.views_open(trigger_id=req.trigger_id, view=override_modal(shown, req.channel_id or ""))


def override_errors(view: dict) -> dict[str, str]:
    reason = _values(view).get("reason", "").strip()
    return {} if reason else {"reason": say(_language(view), "error.override_reason")}


def approved_with_override(req: Request) -> None:
    """The reason was given: the last step is signed, and the override recorded with it."""
    meta = _meta(req)
    flows.approve(req.core, int(meta["statement"]), int(meta["version"]), user_id=req.user_id, reply=req.reply,
                  override_reason=_values(req.body["view"]).get("reason", "").strip())


def edit(req: Request) -> None:
    statement_id, number = _button(req)
    refusal = flows.edit_refusal(req.core, statement_id, number, req.user_id)
    if refusal:
        flows.record_refusal(req.core, statement_id, number, req.user_id, refusal, action="edit")
        req.reply(f":no_entry: {refusal}")
        return
    _, shown = flows.card(req.core, statement_id)
    req.core.slack.views_open(trigger_id=req.trigger_id, view=edit_modal(shown, req.channel_id or ""))


def changes(req: Request) -> None:
    statement_id, number = _button(req)
    if not flows.may_request_changes(req.core, statement_id, number, req.user_id):
        # records the refused attempt and says who may
        flows.request_changes(req.core, statement_id, number, user_id=req.user_id, comment="", reply=req.reply)
        return
    _, shown = flows.card(req.core, statement_id)
    req.core.slack.views_open(trigger_id=req.trigger_id, view=changes_modal(shown, req.channel_id or ""))


def _language(view: dict) -> str | None:
    """The statement's language, which its dialogs carry, for their field errors."""
    return json.loads(view.get("private_metadata") or "{}").get("language")


def _meta(req: Request) -> dict:
    meta = json.loads(req.body["view"].get("private_metadata") or "{}")
    req.channel_id = meta.get("channel") or req.channel_id
    return meta


def edit_errors(core: Core, view: dict) -> dict[str, str]:
    """Field errors of the Edit modal: empty or too long texts, or a version that can no longer be edited."""
    meta = json.loads(view.get("private_metadata") or "{}")
    variants = _variants(view)
    with Session(core.engine) as session:
        current = service.find(session, int(meta.get("statement") or 0))
    problems = flows.edit_problems(variants, current.kind if current is not None else StatementKind.HOLDING,
                                   meta.get("language"))
    if problems:
        return problems
    if current is None or current.status == StatementStatus.APPROVED or current.current_version != meta.get("version"):
        return {f"variant-{next(iter(variants), '')}": say(meta.get("language"), "error.edit_stale")}
    return {}


def edited(req: Request) -> None:
    meta = _meta(req)
    flows.save_edit(req.core, int(meta["statement"]), int(meta["version"]), user_id=req.user_id,
                    variants=_variants(req.body["view"]), note=_values(req.body["view"]).get("note", ""),
                    reply=req.reply)


def changes_errors(view: dict) -> dict[str, str]:
    if _values(view).get("comment", "").strip():
        return {}
    return {"comment": say(_language(view), "error.changes_comment")}


def changes_requested(req: Request) -> None:
    meta = _meta(req)
    flows.request_changes(req.core, int(meta["statement"]), int(meta["version"]), user_id=req.user_id,
                          comment=_values(req.body["view"]).get("comment", "").strip(), reply=req.reply)
