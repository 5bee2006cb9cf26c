"""Slack surface of incidents: declare (modal), severity, assign, close, reopen, :pushpin: reactions.

Each listener is a top-level function of one request (app/slack/pipeline.Request) that calls one flow;
app/wiring.py says which action each one is and registers it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from app.access import guard
from app.access.actions import Action
from app.alerts.escalations import parse_raise_value
from app.core import Core
from app.db import transaction
from app.effects import service as effects
from app.errors import UserError
from app.i18n import Phrase, say
from app.incidents import clock_flows, clocks, flows, setup, timeline
from app.incidents.kinds import TimelineKind
from app.severity import ORDER, Severity, SeverityError
from app.slack import blocks as bk
from app.slack.client import permalink
from app.slack.commands import USER_MENTION, user_ids
from app.slack.ids import CallbackId
from app.slack.pipeline import Request
from app.slack.text import escape, from_slack, mention

DECLARE_FIELDS = ("title", "playbook", "severity", "description")


def declare(req: Request) -> None:
    """Open the declare modal at once: the trigger is valid for three seconds only."""
    core = req.core
    options = [(p.id, p.title[:75]) for p in core.playbooks.all()][:100]
    blocks = [
        bk.plain_input(req.say("declare.title_field"), block_id="title", action_id="value",
                       initial=from_slack(req.args)[:150] or None, max_length=150),
        bk.static_select_input(req.say("declare.playbook"), block_id="playbook", action_id="value", options=options,
                               initial=core.playbooks.fallback.id),
        bk.static_select_input(req.say("declare.severity"), block_id="severity", action_id="value",
                               options=[(s.value, req.say(f"severity_word.{s.value}").title()) for s in ORDER],
                               initial="high"),
        bk.plain_input(req.say("declare.what"), block_id="description", action_id="value", multiline=True,
                       optional=True, max_length=3000),
    ]
    view = bk.modal(req.say("declare.title"), blocks, callback_id=CallbackId.DECLARE, submit=req.say("declare.submit"),
                    close=req.say("lesson.cancel"),
                    private_metadata=json.dumps({"channel": req.channel_id, "language": req.language}))
    core.slack.views_open(trigger_id=req.trigger_id, view=view)


def _selected(values: dict[str, Any], block: str) -> str | None:
    value = values.get(block, {}).get("value", {})
    chosen = (value.get("selected_option") or {}).get("value") or value.get("value")
    return str(chosen) if chosen is not None else None


def declare_values(view: dict[str, Any]) -> dict[str, str]:
    values = view["state"]["values"]
    return {name: (_selected(values, name) or "").strip() for name in DECLARE_FIELDS}


def declare_errors(view: dict[str, Any]) -> dict[str, str]:
    """Field errors of the declare modal (empty when it may be accepted)."""
    values = declare_values(view)
    language = json.loads(view.get("private_metadata") or "{}").get("language")
    errors = {}
    if not values["title"]:
        errors["title"] = say(language, "error.declare_title")
    return errors


def declared(req: Request) -> None:
    """The declare modal was submitted (and accepted): open the incident; its room follows, with this person in it."""
    values = declare_values(req.body["view"])
    origin = json.loads(req.body["view"].get("private_metadata") or "{}").get("channel")
    req.channel_id = origin
    playbook = req.core.playbooks.get(values["playbook"])
    req.require(guard.declare_action(playbook, values["severity"] or "high"))
    incident_id = flows.declare(req.core, title=values["title"], playbook_id=playbook.id,
                                severity=values["severity"] or "high", description=values["description"],
                                by=req.user_id)
    req.reply(req.say("answer.declared", id=incident_id))


def parse_severity(text: str) -> Severity:
    """A severity as typed (``critical``), or the error listing the levels, in the language of the request."""
    try:
        return Severity.parse(text)
    except SeverityError:
        raise UserError(key="error.severity", value=escape(str(text).strip()[:40])) from None


def severity(req: Request) -> None:
    level = parse_severity(req.args)
    if not flows.change_severity(req.core, req.incident_id, level.value, by=req.user_id):
        req.reply(req.say("answer.same_severity", severity=Phrase.of(f"severity_word.{level.value}")))


def raise_severity(req: Request) -> None:
    """The one-click "Raise to <level>" on an escalation notice."""
    try:
        incident_id, level = parse_raise_value((req.body.get("actions") or [{}])[0].get("value", ""))
    except ValueError:
        raise UserError(key="error.raise_button") from None
    if incident_id != req.incident_id:
        raise UserError(key="error.raise_elsewhere")
    assert req.incident is not None  # the pipeline found it: the button names the incident
    if Severity(req.incident.severity).rank >= level.rank:
        req.reply(req.say("answer.same_severity", severity=Phrase.of(f"severity_word.{req.incident.severity}")))
        return
    flows.change_severity(req.core, req.incident_id, level.value, by=req.user_id)


def assign(req: Request) -> None:
    role, _, rest = req.args.partition(" ")
    users = user_ids(rest)
    if not role or len(users) != 1:
        raise UserError(key="error.assign_usage")
    if not flows.assign(req.core, req.incident_id, role, users[0], by=req.user_id):
        req.reply(req.say("answer.holds_role", who=mention(users[0])))


def close(req: Request) -> None:
    if not req.args:
        raise UserError(key="error.close_usage")
    flows.close(req.core, req.incident_id, from_slack(req.args), by=req.user_id)


def reopen(req: Request) -> None:
    flows.reopen(req.core, req.incident_id, from_slack(req.args), by=req.user_id)


def pinned(req: Request) -> None:
    """A :pushpin: on a message in the room adds it to the timeline (with a :memo: receipt)."""
    item = req.body["event"].get("item") or {}
    url = permalink(req.core.slack, item["channel"], item["ts"])
    with transaction(req.core.engine) as session:
        timeline.record(session, req.incident_id, TimelineKind.PINNED_MESSAGE, url or item["ts"], actor=req.user_id,
                        permalink=url, ts=item["ts"])
        effects.enqueue(session, "react", f"memo:{item['channel']}:{item['ts']}", incident_id=req.incident_id,
                        channel=item["channel"], ts=item["ts"], name="memo")  # a visible receipt
    req.core.deliver()


def is_pushpin(body: dict[str, Any]) -> bool:
    event = body.get("event") or {}
    return event.get("reaction") == "pushpin" and (event.get("item") or {}).get("type") == "message"


def mentioned(req: Request) -> None:
    req.core.slack.chat_postMessage(channel=req.body["event"]["channel"],
                                    text=req.say("answer.mentioned", who=mention(req.user_id)))


def membership_changed(req: Request) -> None:
    """Someone joined or left a channel: who may see its incident is looked up afresh."""
    channel = req.body["event"].get("channel")
    if channel:
        req.core.directory.forget_room(channel, req.body["event"].get("user"))


def _time_and_rest(core: Core, words: list[str]) -> tuple[datetime | None, list[str]]:
    """``at <time> ...``: an awareness time as people write it (08:40, 2026-11-30 08:40, 2h ago) and the rest."""
    if not words or words[0].lower() != "at" or len(words) < 2:
        return None, words
    taken = 2
    if len(words) > 2 and (words[2].lower() == "ago" or (":" in words[2] and "-" in words[1])):
        taken = 3
    return clocks.parse_time(" ".join(words[1:taken]), core.settings.warroom_timezone), words[taken:]


def label(req: Request) -> None:
    """``/warroom label key=value [at <time>]``: may start the clocks the label calls for."""
    words = from_slack(req.args).split()
    if not words or "=" not in words[0]:
        raise UserError(key="label.usage")
    key, _, value = words[0].partition("=")
    aware_at, rest = _time_and_rest(req.core, words[1:])
    if rest:
        raise UserError(key="label.unexpected", rest=escape(" ".join(rest)[:60]))
    started = clock_flows.set_label(req.core, req.incident_id, key, value, by=req.user_id, aware_at=aware_at)
    if not started:
        req.reply(req.say("label.no_clock", label=escape(f"{key}={value}")))


def clock(req: Request) -> None:
    words = from_slack(req.args).split()
    if len(words) < 2 or words[0].lower() not in ("start", "correct", "stop"):
        raise UserError(key="clock.usage")
    verb, key = words[0].lower(), words[1].lower()
    aware_at, rest = _time_and_rest(req.core, words[2:])
    reason = " ".join(rest).strip()
    if not reason:
        raise UserError(key="clock.why", usage=Phrase.of("clock.usage"))
    if verb == "start":
        clock_flows.start_clock(req.core, req.incident_id, key, by=req.user_id, reason=reason, aware_at=aware_at)
    elif verb == "correct":
        if aware_at is None:
            raise UserError(key="clock.correct_needs_time", usage=Phrase.of("clock.usage"))
        clock_flows.correct_clock(req.core, req.incident_id, key, aware_at, by=req.user_id, reason=reason)
    else:
        clock_flows.stop_clock(req.core, req.incident_id, key, by=req.user_id, reason=reason)


def recuse(req: Request) -> None:
    """``/warroom recuse @user [reason]``: a person the incident concerns is kept out of it."""
    users = user_ids(req.args)
    if len(users) != 1:
        raise UserError(key="error.recuse_usage")
    reason = from_slack(USER_MENTION.sub("", req.args)).strip()
    if flows.recuse(req.core, req.incident_id, users[0], by=req.user_id, reason=reason):
        req.reply(req.say("answer.recused", who=mention(users[0]), id=req.incident_id))
    else:
        req.reply(req.say("answer.recused_already", who=mention(users[0])))


def retry_setup(req: Request) -> None:
    """``/warroom retry-setup <incident id>``: resume a room set-up that stopped, once its cause is fixed."""
    arg = req.args.strip().lstrip("#")
    if not arg.isdigit():
        raise UserError(key="error.retry_usage")
    req.require_for(int(arg), Action.RETRY_SETUP)
    req.reply(setup.retry_setup(req.core, int(arg)))

