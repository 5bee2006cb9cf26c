"""Everything the bot listens to, in one place: subcommands, buttons, modals, shortcuts, events, close hooks.

Each entry names the action it is for the permission rules (app/access/rules.yml); every request goes
through the one pipeline (app/slack/pipeline.py) into a top-level listener that calls one flow.

The listener modules are named here, not imported (app/later.py): each loads on its first call. The worker
(``build_bolt``) runs them; the web role (``build_web_bolt``) registers the same table but only runs the
acks (a modal's field check, the declare modal's ``views.open``) and stores the follow-ups, so it never loads
the drafting code, the statement checks, the reports or the status read model.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_bolt.context.respond import Respond
from slack_bolt.request import BoltRequest
from sqlmodel import Session

from app.access.actions import Action
from app.core import Core
from app.later import LaterModule
from app.monitoring import runtime as monitoring_runtime
from app.slack.bolt import new_app
from app.slack.commands import CommandRouter, Subcommand
from app.slack.ids import ActionId, CallbackId
from app.slack.pipeline import IncidentOf, Listener, Request, guarded, incident_of_channel

if TYPE_CHECKING:
    from app.effects.delivery import Handler

Body = dict[str, Any]  # a Slack request's parsed body

incidents = LaterModule("app.incidents.listeners")
decisions = LaterModule("app.decisions.listeners")
status = LaterModule("app.status.listeners")
tasks = LaterModule("app.tasks.listeners")
reports = LaterModule("app.reports.listeners")
lessons = LaterModule("app.reports.lessons")
statements = LaterModule("app.statements.listeners")
statement_flows = LaterModule("app.statements.flows")
slack_effects = LaterModule("app.slack.effects")
report_upload = LaterModule("app.reports.upload")
decision_flows = LaterModule("app.decisions.flows")
incident_flows = LaterModule("app.incidents.flows")
invites = LaterModule("app.incidents.invites")

# The modules the worker runs listeners from, loaded when its Bolt app is built (not on a person's first click).
LISTENER_MODULES = ("app.incidents.listeners", "app.decisions.listeners", "app.status.listeners",
                    "app.tasks.listeners", "app.reports.listeners", "app.reports.lessons")
# What the web role's acks call (the declare modal's views.open and its field check), loaded at its start.
WEB_ACK_MODULES = ("app.incidents.listeners", "app.reports.lessons")

STATUS_USAGE = "status [share | all | <severity> | page <n> | <incident id>]"


def _no_listener(_req: Request) -> None:  # `help` is answered by the router itself
    return None


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("help", _no_listener, None, "help", "this list", needs_incident=False),
    Subcommand("declare", incidents.declare, Action.DECLARE, "declare <title>",
               "open an incident by hand (pick playbook and severity)", needs_incident=False),
    Subcommand("status", status.status, None, STATUS_USAGE,
               "where the incident stands (here), or every open incident you may see", needs_incident=False),
    Subcommand("brief", status.brief_command, Action.BRIEF, "brief",
               "a short situation report for leadership, citing the timeline"),
    Subcommand("decision", decisions.decision, Action.RECORD_DECISION, "decision <text>",
               "log a decision (who, when, link)"),
    Subcommand("fact", decisions.fact, Action.RECORD_FACT, "fact [public|private] <text> | fact publish <id>",
               "record a confirmed fact: public ones may be published, internal (the default) stay in the team, "
               "private ones (names) never leave the record"),
    Subcommand("task", tasks.add_task, Action.ADD_TASK, "task <text> [@user] [in 30m]",
               "add a task, optionally with owner and due time"),
    Subcommand("assign", incidents.assign, Action.ASSIGN_ROLE, "assign <role> @user",
               "give a role to someone (crisis lead)"),
    Subcommand("severity", incidents.severity, Action.CHANGE_SEVERITY, "severity <low|medium|high|critical>",
               "change the incident's severity (crisis lead)"),
    Subcommand("statement", statements.statement, Action.DRAFT_STATEMENT, "statement [channel...]",
               "draft a holding statement (channels: press, x, linkedin, website, staff, email)"),
    Subcommand("qa", statements.qa, Action.DRAFT_PACK, "qa",
               "draft the press Q&A pack: likely questions with holding lines, approved like a statement"),
    Subcommand("stakeholders", statements.stakeholders, Action.DRAFT_PACK, "stakeholders",
               "draft the stakeholder map: audiences, channels, owners and approvals, with each one's message"),
    Subcommand("replies", statements.replies, Action.DRAFT_PACK, "replies",
               "draft reply macros for community managers; once approved they are posted ready to copy"),
    Subcommand("report", reports.report_command, None, "report [incident id]",
               "the post-incident report (Markdown and timeline chart)", needs_incident=False),
    Subcommand("label", incidents.label, Action.MANAGE_CLOCKS, "label <key>=<value> [at <time>]",
               "set a label (e.g. personal_data=yes); starts the legal clocks it calls for"),
    Subcommand("clock", incidents.clock, Action.MANAGE_CLOCKS, "clock start|correct|stop <key> [at <time>] <reason>",
               "start, correct or stop a legal clock, with a reason"),
    Subcommand("recuse", incidents.recuse, Action.RECUSE, "recuse @user [reason]",
               "keep a person the incident concerns out of it (role, sign-off, status, room)"),
    Subcommand("retry-setup", incidents.retry_setup, None, "retry-setup <incident id>",
               "resume a room set-up that stopped once its cause is fixed", needs_incident=False),
    Subcommand("close", incidents.close, Action.CLOSE, "close <summary>", "close the incident (crisis lead)"),
    Subcommand("reopen", incidents.reopen, Action.REOPEN, "reopen [reason]", "reopen a closed incident"),
    Subcommand("lesson", reports.lesson_command, Action.RECORD_LESSON, "lesson <text>",
               "a lesson learned (what to change in the playbook) for the post-incident report"),
)


# Subcommands whose first answer is a modal (see build_bolt's ack_command).
MODAL_FIRST = frozenset({"declare"})
# Modals whose field check reads the database (see edit_errors).
VIEWS_CHECKED_IN_DATABASE = frozenset({CallbackId.STATEMENT_EDIT})


def acks_off_loop(request: BoltRequest) -> bool:
    """Whether the ack of ``request`` waits outside the process (a modal opened over Slack's API, a database
    read): the web role runs those acks on a thread, every other ack on its event loop."""
    body = request.body
    if body.get("command"):
        return CommandRouter.name_of(body) in MODAL_FIRST
    if body.get("type") == "view_submission":
        return (body.get("view") or {}).get("callback_id") in VIEWS_CHECKED_IN_DATABASE
    return False


def ack_now(ack: Ack) -> None:
    ack()


def _validated(errors: Callable[[Body], dict[str, str]]) -> Callable[[Ack, Body], None]:
    """A modal's ack: field errors keep the modal open, and then no follow-up work runs (see ``_invalid``)."""

    def ack_view(ack: Ack, view: Body) -> None:
        problems = errors(view)
        if problems:
            ack(response_action="errors", errors=problems)
        else:
            ack()

    return ack_view


def _invalid(errors: Callable[[Body], dict[str, str]]) -> Callable[[Body], bool]:
    return lambda body: bool(errors(body["view"]))


def _action(app: App, core: Core, action_id: str, listener: Listener, action: Action | None,
            incident_of: IncidentOf = incident_of_channel) -> None:
    app.action(action_id)(ack=ack_now, lazy=[guarded(core, listener, action=action, incident_of=incident_of)])


def _view(app: App, core: Core, callback_id: str, listener: Listener, action: Action | None,
          errors: Callable[[Body], dict[str, str]], *, incident_of: IncidentOf = incident_of_channel,
          needs_incident: bool = True) -> None:
    app.view(callback_id)(ack=_validated(errors), lazy=[guarded(
        core, listener, action=action, incident_of=incident_of, needs_incident=needs_incident,
        skip=_invalid(errors))])


def _event(app: App, core: Core, event: str, listener: Listener, action: Action | None, *,
           in_rooms_only: bool = True, only: Callable[[Body], bool] = lambda _body: True) -> None:
    """Events outside incident rooms (and ones ``only`` does not want) are not ours to answer."""

    def skip(body: Body) -> bool:
        if not only(body):
            return True
        if not in_rooms_only:
            return False
        with Session(core.engine) as session:
            return incident_of_channel(core, session, body) is None

    app.event(event)(ack=ack_now, lazy=[guarded(core, listener, action=action, needs_incident=in_rooms_only,
                                                skip=skip)])


def register(app: App, core: Core) -> App:
    """Every command, button, modal, shortcut and event on ``app``: its ack, and its follow-up (lazy) listener."""
    router = CommandRouter(core, SUBCOMMANDS)

    def ack_command(ack: Ack, body: Body, respond: Respond) -> None:
        """Subcommands that open a modal run right here, before the ack is sent: a modal's trigger lives three
        seconds, and the follow-up pool may be busy. Everything else runs after the ack."""
        ack()
        if router.name_of(body) in MODAL_FIRST:
            router.run(body, respond)

    def after_ack(body: Body, respond: Respond) -> None:
        if router.name_of(body) not in MODAL_FIRST:
            router.run(body, respond)

    app.command("/warroom")(ack=ack_command, lazy=[after_ack])

    _action(app, core, ActionId.TASK_DONE, tasks.done, Action.COMPLETE_OWN_TASK)
    _action(app, core, ActionId.RAISE_SEVERITY, incidents.raise_severity, Action.CHANGE_SEVERITY)
    _action(app, core, ActionId.STATUS_SHOW, status.show, None)  # visibility is the listener's own check
    _action(app, core, ActionId.STATEMENT_DRAFT, statements.draft, Action.DRAFT_STATEMENT)
    _action(app, core, ActionId.STATEMENT_APPROVE, statements.approve, Action.REVIEW_STATEMENT,
            statements.incident_of_statement)
    _action(app, core, ActionId.STATEMENT_EDIT, statements.edit, Action.REVIEW_STATEMENT,
            statements.incident_of_statement)
    _action(app, core, ActionId.LESSON_ADD, reports.lesson_button, Action.RECORD_LESSON, lessons.incident_of_lesson)
    _action(app, core, ActionId.STATEMENT_CHANGES, statements.changes, Action.REVIEW_STATEMENT,
            statements.incident_of_statement)

    _view(app, core, CallbackId.DECLARE, incidents.declared, None, incidents.declare_errors, needs_incident=False,
          incident_of=lambda *_: None)
    _view(app, core, CallbackId.STATEMENT_EDIT, statements.edited, Action.REVIEW_STATEMENT,
          lambda view: statements.edit_errors(core, view), incident_of=statements.incident_of_statement)
    _view(app, core, CallbackId.LESSON, reports.lesson_submitted, Action.RECORD_LESSON, lessons.modal_errors,
          incident_of=lessons.incident_of_lesson)
    _view(app, core, CallbackId.STATEMENT_OVERRIDE, statements.approved_with_override, Action.REVIEW_STATEMENT,
          statements.override_errors, incident_of=statements.incident_of_statement)
    _view(app, core, CallbackId.STATEMENT_CHANGES, statements.changes_requested, Action.REVIEW_STATEMENT,
          statements.changes_errors, incident_of=statements.incident_of_statement)

    app.shortcut(CallbackId.LOG_DECISION)(ack=ack_now, lazy=[guarded(core, decisions.log_from_message,
                                                                      action=Action.RECORD_DECISION)])

    _event(app, core, "reaction_added", incidents.pinned, Action.PIN_MESSAGE, only=incidents.is_pushpin)
    _event(app, core, "app_mention", incidents.mentioned, None, in_rooms_only=False)
    for event in ("member_joined_channel", "member_left_channel"):
        _event(app, core, event, incidents.membership_changed, None, in_rooms_only=False)

    return app


def build_bolt(core: Core, *, verify: bool = True, deliver: bool = True) -> App:
    """The Bolt app with every listener, and the core's close hooks (and the outbox's worker unless not
    ``deliver``). ``verify=False``: requests come from the worker's queue, checked when they were accepted."""
    load(LISTENER_MODULES)
    app = register(new_app(core, verify=verify), core)
    wire_core(core, deliver=deliver)
    return app


def build_web_bolt(core: Core) -> App:
    """The web role's Bolt app: the same table, of which it runs only the acks (its follow-ups are stored, see
    app/web.py). Nothing of the follow-up work is wired: no close hooks, reminders or outbox."""
    load(WEB_ACK_MODULES)
    app = register(new_app(core), core)
    if core.monitoring is None:
        monitoring_runtime.configure(core)  # the monitors' files are read and checked at start
    return app


def load(modules: tuple[str, ...]) -> None:
    for module in modules:
        importlib.import_module(module)


EFFECT_HANDLERS: dict[str, Handler] = {
    "post": slack_effects.post,
    "briefing": slack_effects.refresh_briefing,
    "webhook": statement_flows.deliver_webhook,
    "kick": slack_effects.kick,
    "topic": slack_effects.refresh_topic,
    "update": slack_effects.update,
    "statement": slack_effects.refresh_statement,
    "upload": report_upload.deliver,
    "archive": slack_effects.archive,
    "react": slack_effects.react,
    "sign_off_request": slack_effects.sign_off_request,
    "invite": invites.deliver,
    "hooks": incident_flows.run_hooks,  # the close and severity hooks, written in the change's transaction
}
AFTER_POST = {"decision_permalink": decision_flows.link_announcement}


def wire_core(core: Core, *, deliver: bool = True) -> None:
    """The core's close hooks and the outbox's worker with its handlers, once per core."""
    from app import reminders
    from app.alerts import updates as alert_updates
    from app.effects.delivery import Deliverer
    from app.incidents import flows as incident_flows_module
    from app.reports import lessons as lesson_hooks
    from app.slack import effects as slack_effects_module
    from app.status import digests

    if alert_updates.told_at_close not in core.close_hooks:  # before the lessons: the room hears the alerts first
        core.close_hooks.append(alert_updates.told_at_close)
    if lesson_hooks.ask_for_lessons not in core.close_hooks:
        core.close_hooks.append(lesson_hooks.ask_for_lessons)
    if digests.follow_severity not in incident_flows_module.SEVERITY_PLANS:  # stored with the severity change
        incident_flows_module.SEVERITY_PLANS.append(digests.follow_severity)
    reminders.register_all()
    core.plan_reminders = reminders.schedule_incident
    slack_effects_module.AFTER_POST.update(AFTER_POST)
    if core.monitoring is None:
        monitoring_runtime.configure(core)  # the monitors' files are read and checked at start
    if core.effects is None and deliver:
        core.effects = Deliverer(core, EFFECT_HANDLERS).start()
