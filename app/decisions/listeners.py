"""Slack surface of the decision log and facts: ``/warroom decision``, ``/warroom fact`` and the
"Log as decision" message shortcut."""

from __future__ import annotations

import re

from app.decisions import flows
from app.errors import UserError
from app.slack.pipeline import Request
from app.slack.text import from_slack


def decision(req: Request) -> None:
    assert req.incident is not None  # the pipeline found it: the action needs an incident
    flows.record_decision(req.core, req.incident_id, from_slack(req.args), by=req.user_id,
                          channel_id=req.incident.channel_id or req.channel_id or "")


_PUBLISH = re.compile(r"^publish\s+#?(\d+)\s*$", re.IGNORECASE)


def fact(req: Request) -> None:
    """``fact [public|private] <text>`` records a fact (internal without a word); ``fact publish <id>`` marks an
    internal fact for publication."""
    assert req.incident is not None  # the pipeline found it: the action needs an incident
    text = from_slack(req.args)
    channel_id = req.incident.channel_id or req.channel_id or ""
    publish = _PUBLISH.match(text.strip())
    if publish:
        flows.publish_fact(req.core, req.incident_id, int(publish.group(1)), by=req.user_id, channel_id=channel_id)
        return
    recorded = flows.record_fact(req.core, req.incident_id, text, by=req.user_id, channel_id=channel_id)
    if recorded.private:
        req.reply(req.say("answer.private_fact"))


def log_from_message(req: Request) -> None:
    """The "Log as decision" shortcut: the message's text, as Slack sent it, becomes a decision."""
    assert req.incident is not None  # the pipeline found it: the action needs an incident
    message = req.body.get("message") or {}
    text = from_slack(message.get("text")).strip()
    if not text:
        raise UserError(key="error.message_empty")
    flows.record_decision(req.core, req.incident_id, text, by=req.user_id, channel_id=req.incident.channel_id or "",
                          source="shortcut", message_ts=message.get("ts"))
