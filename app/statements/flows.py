"""Statement flows with Slack: draft into a placeholder, sign-offs, change requests, edits, final text, webhook.

The same flows serve the holding statement and the packs beside it (press Q&A, stakeholder map, reply
macros: app/statements/packs.py). No lock of this process guards them: the database does (see
app/statements/service.py), so they hold when several processes take clicks at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app import i18n
from app.core import Core
from app.db import transaction
from app.decisions import service as decisions
from app.effects import service as effects
from app.effects.models import Effect
from app.errors import UserError
from app.incidents import briefing, invites, timeline
from app.incidents import service as incidents
from app.incidents.models import Incident
from app.incidents.reminders import note_update
from app.incidents.service import as_timedelta
from app.llm import LLMSettings
from app.llm import client as llm_client
from app.roles import service as roles
from app.roles.keys import role_title
from app.slack import effects as slack_effects
from app.slack.client import permalink
from app.slack.text import escape, link, mention, mentions
from app.statements import chain as chains
from app.statements import kinds, packs, publish, reminders, service
from app.statements.channels import parse_channels
from app.statements.drafting import DraftContext, draft_statement
from app.statements.lint import lint_variants, merge, second_opinion
from app.statements.models import Decision, Statement, StatementKind, StatementStatus, StatementVersion
from app.statements.people import chain_people
from app.statements.record import draft_context
from app.statements.service import StatementConflict, StatementError, StepPeople
from app.statements.views import (
    Card,
    Step,
    copy_blocks,
    copy_text,
    failed_message,
    placeholder_message,
    statement_message,
)
from app.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)
Reply = Callable[[str], None]
EDITOR_ROLES = ("comms", "lead")
Status = StatementStatus


# --- people -------------------------------------------------------------------------------------

def may_edit(core: Core, incident_id: int, chain: list[Any], user_id: str) -> bool:
    """The comms lead, the crisis lead and anyone who may sign a step of the chain may edit."""
    with Session(core.engine) as session:
        holders = roles.holders(session, incident_id)
    if any(holders.get(role) == user_id for role in EDITOR_ROLES):
        return True
    return any(user_id in people.allowed
               for people in chain_people(core, incident_id, chains.roles(chain)).values())


def _chain_staff(core: Core, incident_id: int, chain: list[Any]) -> dict[str, str]:
    """Roles of the chain that nobody holds in this incident (e.g. legal for liability), each with the roster
    holder who would be given it (looked up before the version's transaction: the directory may ask Slack)."""
    with Session(core.engine) as session:
        holders = roles.holders(session, incident_id)
    staff: dict[str, str] = {}
    for role in chains.roles(chain):
        if role in holders:
            continue
        users = core.directory.resolve(core.roster.holders(role))
        if users:
            staff[role] = users[0]
    return staff


def _staff_chain(session: Session, incident_id: int, staff: dict[str, str]) -> None:
    """In the new version's transaction: the roles ``_chain_staff`` found unheld are assigned and their people
    invited (from the outbox), so the approver sees the statement; a crash after the commit loses none of it,
    and a crash before it loses the version too, never one without the other."""
    if not staff:
        return
    incident = incidents.get(session, incident_id)
    held = roles.holders(session, incident_id)
    for role, user in staff.items():
        if role not in held and roles.assign(session, incident_id, role, user, by=invites.NOBODY):
            invites.enqueue(session, incident, user, by=invites.NOBODY, role=role)


# --- drafting -----------------------------------------------------------------------------------

def llm_settings(core: Core) -> LLMSettings | None:
    return LLMSettings.from_config(core.settings)


def next_update_clock(core: Core, incident: Incident) -> str:
    """The next update a statement promises: the playbook's public cadence from now (a promise the team can
    keep, e.g. hourly), not the room's internal sitrep rhythm."""
    cadence = core.playbooks.get(incident.playbook_id).public_update_for(incident.severity)
    return i18n.clock(utcnow() + as_timedelta(cadence), core.settings.warroom_timezone,
                      statement_language(core, incident))  # "14:30 CET", in German "14:30 Uhr"


def statement_language(core: Core, incident: Incident) -> str:
    return incident.language or core.settings.warroom_language


def draft_inputs(core: Core, incident_id: int) -> tuple[Incident, DraftContext, list[str]]:
    """The incident, what the draft is built from (the record: public facts, decisions, completed tasks), and
    the private terms it must not name."""
    with Session(core.engine) as session:
        incident = incidents.get(session, incident_id)
        playbook = core.playbooks.get(incident.playbook_id)
        language = statement_language(core, incident)
        company = core.settings.warroom_company_name or i18n.say(language, "company.unnamed")
        ctx = draft_context(session, incident, company=company, severity=incident.severity,
                            next_update=next_update_clock(core, incident),
                            info_source=core.settings.warroom_info_source, language=language,
                            playbook_title=playbook.title)
        ctx.staff_address = core.settings.warroom_staff_address
        private = [fact.text for fact in decisions.facts(session, incident_id, private=True)]
    return incident, ctx, private


def check(ctx: DraftContext, variants: dict[str, str], private: list[str], *,
          llm: LLMSettings | None = None) -> list[dict[str, Any]]:
    """The statement checks; with a model, its second opinion is merged in (it adds warnings, never removes
    or replaces what the rules found)."""
    findings = lint_variants(variants, language=ctx.language, next_update=ctx.next_update,
                             info_source=ctx.info_source, private_terms=private, now=utcnow())
    if llm is not None:
        model = llm_client(llm)
        for channel, text in variants.items():
            findings = merge(findings, second_opinion(model, text, ctx.language, model=llm.model, channel=channel,
                                                      timeout=llm.timeout))
    return service.findings_as_dicts(findings)


def chain_for(core: Core, incident: Incident, findings: list[dict[str, Any]]) -> list[Any]:
    base = core.playbooks.get(incident.playbook_id).approvers_for(incident.severity)
    return service.approval_chain(base, findings)[0]


def start_draft(core: Core, incident_id: int, *, by: str, channels: list[str] | None, reply: Reply,
                background: bool = False, kind: str = StatementKind.HOLDING) -> int | None:
    """Create the statement of ``kind``, post its placeholder and draft it; answers ``reply`` when one of that
    kind is already open (here or in another process: the database keeps one open per incident and kind).

    ``background`` drafts on the core's drafting pool and returns once the placeholder is up.
    """
    kind = StatementKind(kind)
    with Session(core.engine) as session:
        incident = incidents.get(session, incident_id)
    if incident.status != "open" or not incident.channel_id:
        raise StatementError(key="statement.error.open_room",
                             what=i18n.Texts(kinds.plural(kind), kinds.name(kind, "de")))
    language = statement_language(core, incident)
    if kind == StatementKind.HOLDING:
        playbook = core.playbooks.get(incident.playbook_id)
        wanted = parse_channels(channels) if channels else list(playbook.statement.channels)
    else:
        wanted = packs.item_keys(core.playbooks, incident.playbook_id, kind)
    statement_id = None
    try:
        with transaction(core.engine) as session:  # the insert and its placeholder (outbox): no Slack call here
            service.drop_stale(session, incident_id, kind)
            created = service.create(session, incident_id, language=language, channels=wanted, requested_by=by,
                                     kind=kind)
            assert created.id is not None  # given by the insert
            statement_id = created.id
            slack_effects.enqueue_placeholder(session, created.id, incident_id, incident.channel_id,
                                              placeholder_message(kind, language))
    except IntegrityError:  # the unique index: one is open already, whoever created it
        pass
    if statement_id is None:
        with Session(core.engine) as session:
            existing = service.open_statement(session, incident_id, kind)
        where = _where(core, incident, existing, language) if existing is not None else i18n.say(
            language, "statement.in_this_room")
        state = _state_words(existing.status if existing is not None else "open", language)
        reply(i18n.say(language, "statement.already_open", name=kinds.name(kind, language), state=state,
                       where=where))
        return None
    core.deliver()
    if background:
        core.submit(_draft, core, statement_id, incident, by, pool=core.drafting)
        return statement_id
    return _draft(core, statement_id, incident, by)


def _draft(core: Core, statement_id: int, incident: Incident, by: str) -> int | None:
    """Draft into the placeholder; on any failure the placeholder says why and the statement is dropped."""
    try:
        finish_draft(core, statement_id, by=by)
    except Exception as exc:  # the placeholder must never stay forever
        log.exception("drafting statement %s failed", statement_id)
        reason = _failure_reason(core, exc, statement_language(core, incident))
        kind = _kind_of(core, statement_id)
        assert incident.id is not None and incident.channel_id  # a statement is drafted in its incident's room
        with transaction(core.engine) as session:
            service.discard(session, statement_id, reason)
            slack_effects.enqueue_failed(session, statement_id, incident.id, incident.channel_id,
                                         failed_message(reason, kind, statement_language(core, incident)))
            briefing.enqueue_refresh(session, incident.id)
        core.deliver()
        return None
    return statement_id


def _failure_reason(core: Core, exc: Exception, language: str) -> str:
    """Why a draft failed, in ``language``: a mistake's own words, else the kind of fault."""
    if isinstance(exc, UserError):
        return exc.text(language, core.settings.warroom_timezone)
    if isinstance(exc, ValueError):
        return str(exc)
    return i18n.say(language, "statement.unexpected", error=type(exc).__name__)


def resume_drafts(core: Core) -> list[int]:
    """At start: finish the drafts a stopped process left behind its "Drafting…" placeholder."""
    with Session(core.engine) as session:
        unfinished = [(s.id, s.incident_id, s.message_ts, s.requested_by) for s in service.unfinished_drafts(session)]
    resumed: list[int] = []
    for statement_id, incident_id, placeholder_ts, by in unfinished:
        assert statement_id is not None  # a stored statement
        with Session(core.engine) as session:
            incident = incidents.get(session, incident_id)
            asked = placeholder_ts is not None or effects.ever(session, slack_effects.placeholder_key(statement_id))
        if not asked:  # no placeholder was ever on its way: nobody is waiting for it
            with transaction(core.engine) as session:
                service.discard(session, statement_id, "the bot stopped before the draft was started")
            continue
        core.submit(_draft, core, statement_id, incident, by or "warroom", pool=core.drafting)
        resumed.append(statement_id)
    return resumed


def _kind_of(core: Core, statement_id: int) -> str:
    with Session(core.engine) as session:
        found = service.find(session, statement_id)
    return found.kind if found is not None else StatementKind.HOLDING


def finish_draft(core: Core, statement_id: int, *, by: str) -> None:
    """Draft (model or template; a pack by the model onto the playbook's pack, or from the playbook's pack alone),
    check, save version 1 and show it in place of the placeholder."""
    with Session(core.engine) as session:
        statement = service.get(session, statement_id)
    incident, ctx, private = draft_inputs(core, statement.incident_id)
    playbook = core.playbooks.get(incident.playbook_id)
    language = ctx.language
    if statement.kind == StatementKind.HOLDING:
        result = draft_statement(ctx, template=lambda channel, values: playbook.render_statement(
            language, channel, values), channels=list(statement.channels), llm=llm_settings(core))
        findings = check(ctx, result.variants, private, llm=llm_settings(core))  # on the drafting pool
    else:
        result = packs.draft_pack(core.playbooks, incident.playbook_id, statement.kind, ctx, llm=llm_settings(core),
                                  private=private)
        findings = packs.check_pack(statement.kind, ctx, result.variants, private, llm=llm_settings(core))
    chain = chain_for(core, incident, findings)
    incident_id = statement.incident_id
    staff = _chain_staff(core, incident_id, chain)
    with transaction(core.engine) as session:
        _staff_chain(session, incident_id, staff)
        row = service.get(session, statement_id)
        ver = service.add_version(session, row, variants=result.variants, method=result.method, model=result.model,
                                  note=result.note, findings=findings, approvers=chain, created_by=by,
                                  next_update=ctx.next_update)
        if list(row.channels) != list(result.variants):  # a model may add items to a pack
            row.channels = list(result.variants)
            session.add(row)
        assert row.step_started_at is not None  # a new version starts its first step
        _with_new_version(core, session, statement_id, incident_id, ver.number, row.step_started_at)
    core.deliver()


def _with_new_version(core: Core, session: Session, statement_id: int, incident_id: int, number: int,
                      started: datetime) -> None:
    """In the new version's transaction: its card, its first step's reminder and sign-off request, the headline
    (a process that dies after the commit loses none of them)."""
    slack_effects.enqueue_card(session, statement_id, incident_id)
    reminders.plan_step(core, session, incident_id, statement_id, number, 0, started)
    slack_effects.enqueue_sign_off_request(session, statement_id, incident_id, 0)
    briefing.enqueue_refresh(session, incident_id)


# --- showing ------------------------------------------------------------------------------------

def card(core: Core, statement_id: int) -> tuple[Incident, Card]:
    with Session(core.engine) as session:
        statement, ver = service.current(session, statement_id)
        incident = incidents.get(session, statement.incident_id)
        assert ver.id is not None  # a stored version
        rows = service.approvals(session, ver.id)
    people = chain_people(core, statement.incident_id, chains.roles(ver.approvers))
    deadline = reminders.deadline_for(core, statement.incident_id)
    signed = {(row.step, row.role): row for row in service.approved(rows)}
    started = as_utc(statement.step_started_at) if statement.step_started_at else None
    steps = []
    for index, group in enumerate(chains.steps(ver.approvers)):
        for role in group:
            steps.append(Step(index, role, people[role], signed.get((index, role)), waiting_since=started,
                              due_at=started + deadline if started else None, group=len(group) > 1))
    base = chains.roles(core.playbooks.get(incident.playbook_id).approvers_for(incident.severity))
    legal_added = (service.LEGAL in chains.roles(ver.approvers) and service.LEGAL not in base
                   and requires_legal_dicts(ver.findings))
    changes = [row for row in rows if row.decision == Decision.CHANGES_REQUESTED]
    return incident, Card(statement, ver, steps, changes, legal_added, core.settings.warroom_timezone,
                          waiting=service.waiting_step(ver, rows))


def requires_legal_dicts(findings: list[dict[str, Any]]) -> bool:
    return any(item.get("requires_legal") for item in findings)


def render(core: Core, statement_id: int, *, now: bool = False) -> None:
    """Show the statement's current state in its message (in place): through the outbox, which waits for the
    placeholder and retries; ``now`` (the outbox's own handler) calls Slack."""
    if not now:
        with transaction(core.engine) as session:
            slack_effects.enqueue_card(session, statement_id, service.get(session, statement_id).incident_id)
        core.deliver()
        return
    incident, shown = card(core, statement_id)
    if not (incident.channel_id and shown.statement.message_ts):
        return
    core.slack.chat_update(channel=incident.channel_id, ts=shown.statement.message_ts, **statement_message(shown))


def _where(core: Core, incident: Incident, statement: Statement, language: str) -> str:
    url = permalink(core.slack, incident.channel_id, statement.message_ts)
    if url:
        return link(url, i18n.say(language, "statement.see_it_here"))
    return i18n.say(language, "statement.in_this_room")


def _state_words(status: str, language: str) -> str:
    """A statement's state as the answer names it ("being drafted"); an unknown state as stored."""
    known = {Status.DRAFTING: "drafting", Status.PENDING: "pending", Status.CHANGES_REQUESTED: "changes_requested",
             "open": "open"}
    return i18n.say(language, f"statement.state.{known[status]}") if status in known else status


def sign_off_request(core: Core, statement_id: int,
                     waiting_step: int | None = None) -> tuple[Incident, Statement, str] | None:
    """The note asking the waiting step's approvers (None when nothing waits, or another step than ``waiting_step``)."""
    incident, shown = card(core, statement_id)
    if shown.waiting is None or shown.statement.status != Status.PENDING:
        return None
    if waiting_step is not None and shown.waiting.index != waiting_step:
        return None
    waiting = [step for step in shown.steps if step.index == shown.waiting.index and step.role in
               shown.waiting.roles]
    approvers = [step.people.approver for step in waiting if step.people.approver]
    unheld = [step.role for step in waiting if not step.people.approver]
    lang = shown.statement.language
    who = mentions(approvers) if approvers else i18n.say(lang, "thread.nobody_holds")
    due = i18n.say(lang, "card.due", at=i18n.clock(waiting[0].due_at, shown.tz, lang)) \
        if waiting and waiting[0].due_at else ""
    together = i18n.say(lang, "thread.any_order") if len(shown.waiting.group) > 1 else ""

    def title(role: str) -> str:
        return role_title(role, lang)

    missing = i18n.say(lang, "thread.nobody_yet", roles=chains.label(unheld, title)) if approvers and unheld else ""
    return incident, shown.statement, i18n.say(
        lang, "thread.sign_off", who=who, version=shown.version.number, step=shown.waiting.index + 1,
        total=shown.waiting.total, roles=chains.label(shown.waiting.roles, title), together=together, due=due,
        missing=missing)


# --- sign-offs ----------------------------------------------------------------------------------

def _language(core: Core, statement_id: int) -> str:
    """The language a statement's answers are in: its own."""
    with Session(core.engine) as session:
        return i18n.language_of(service.get(session, statement_id).language)


def _tell(core: Core, language: str, key: str, values: dict[str, Any]) -> str:
    """A phrase in ``language``, times in the team's zone."""
    return i18n.render(language, key, values, core.settings.warroom_timezone)


def _people_for_current(core: Core, statement_id: int) -> tuple[int, dict[str, StepPeople]]:
    with Session(core.engine) as session:
        statement, ver = service.current(session, statement_id)
    return statement.incident_id, chain_people(core, statement.incident_id, chains.roles(ver.approvers))


def approve(core: Core, statement_id: int, number: int, *, user_id: str, reply: Reply,
            override_reason: str | None = None) -> str:
    """A click on Approve: sign the waiting step, or refuse (recorded) and say who may.

    The final step is not signed while the checks found errors, unless the approver gives a reason to
    override them ("needs_override": the listener asks for one)."""
    incident_id, people = _people_for_current(core, statement_id)
    language = _language(core, statement_id)
    try:
        with transaction(core.engine) as session:
            outcome = service.decide(session, statement_id, number, user_id=user_id, decision=Decision.APPROVED,
                                     people=people, override_reason=override_reason)
            if outcome.status == "needs_override":
                return outcome.status
            started = outcome.statement.step_started_at
            if outcome.status == "final":  # what the approval owes the room and the webhook, stored with it
                enqueue_final(core, session, statement_id)
                finalize(core, session, statement_id, by=user_id)
            elif outcome.status not in ("refused", "outdated", "closed", "blocked"):  # a step signed: its card
                slack_effects.enqueue_card(session, statement_id, incident_id)
                if outcome.waiting is not None and outcome.waiting.index != outcome.step:  # and the next step's note
                    slack_effects.enqueue_sign_off_request(session, statement_id, incident_id, outcome.waiting.index)
                    assert started is not None  # a signed step started
                    reminders.plan_step(core, session, incident_id, statement_id, number, outcome.waiting.index,
                                        started)  # and its reminder: a crash after the commit loses none of them
    except IntegrityError:  # another process signed this role a moment earlier: the database allows one
        reply(i18n.say(language, "statement.signed_elsewhere"))
        return "closed"
    except StatementConflict as exc:
        reply(f":warning: {exc.text(language, core.settings.warroom_timezone)}")
        return "closed"
    core.deliver()
    if outcome.status == "refused":
        reply(refusal_text(outcome))
        return outcome.status
    if outcome.status in ("outdated", "closed", "blocked"):
        reply(f":warning: {_tell(core, language, outcome.key, outcome.values)}")
        return outcome.status
    return outcome.status


def refusal_text(outcome: service.Outcome) -> str:
    """What a refused sign-off or change request is told, in the statement's language: who may, and why not."""
    lang = outcome.statement.language
    told = i18n.render(lang, outcome.key, outcome.values) if outcome.key else ""
    if outcome.role is None:
        who = mentions(outcome.allowed) if outcome.allowed else i18n.say(lang, "thread.nobody")
        return i18n.say(lang, "thread.refused", message=told or i18n.say(lang, "thread.may_not"), who=who)
    roles_of_step = outcome.roles or [outcome.role]
    names = chains.label(roles_of_step, lambda role: role_title(role, lang))
    who = mentions(outcome.allowed) if outcome.allowed else i18n.say(lang, "thread.nobody_assign")
    extra = f" {told}" if told else ""
    assert outcome.step is not None  # a refused step names it
    return i18n.say(lang, "thread.step_refused", step=outcome.step + 1, names=names, who=who, extra=extra)


def request_changes(core: Core, statement_id: int, number: int, *, user_id: str, comment: str, reply: Reply) -> str:
    """Ask for changes: the decision, the card, the note under the statement (naming the comms lead), the
    headline and the end of the statement's reminders are one transaction."""
    incident_id, people = _people_for_current(core, statement_id)
    with transaction(core.engine) as session:
        outcome = service.decide(session, statement_id, number, user_id=user_id, decision=Decision.CHANGES_REQUESTED,
                                 people=people, comment=comment)
        if outcome.status == Status.CHANGES_REQUESTED:  # what the request owes the room, stored with it
            slack_effects.enqueue_card(session, statement_id, incident_id)
            reminders.cancel(session, incident_id, statement_id)
            incident = incidents.get(session, incident_id)
            comms = roles.holder(session, incident_id, "comms")
            editors = f" {mention(comms)}" if comms and comms != user_id else ""
            if incident.channel_id:
                slack_effects.enqueue_thread(session, statement_id, incident_id, incident.channel_id, i18n.say(
                    outcome.statement.language, "thread.changes", who=mention(user_id), version=number,
                    comment=escape(comment), editors=editors))
            briefing.enqueue_refresh(session, incident_id)
    core.deliver()
    if outcome.status == "refused":
        reply(refusal_text(outcome))
        return outcome.status
    if outcome.status != Status.CHANGES_REQUESTED:
        reply(f":warning: {_tell(core, outcome.statement.language, outcome.key, outcome.values)}")
        return outcome.status
    return outcome.status


def edit_problems(variants: dict[str, str], kind: str = StatementKind.HOLDING,
                  language: str | None = "en") -> dict[str, str]:
    """Input errors of the Edit modal by block id, in ``language``: empty texts and texts over the channel's
    (item's) limit."""
    lang = i18n.language_of(language)
    problems = {}
    for channel, text in variants.items():
        limit = kinds.item_limit(kind, channel)
        name = kinds.item_label(kind, channel, lang)
        if not text.strip():
            problems[f"variant-{channel}"] = i18n.say(lang, "statement.edit_empty", name=name)
        elif limit is not None and len(text) > limit:
            problems[f"variant-{channel}"] = i18n.render(lang, "statement.edit_too_long", {
                "name": name, "limit": i18n.Number(limit), "count": i18n.Number(len(text)),
                "over": i18n.Number(len(text) - limit)})
    return problems


def edit_refusal(core: Core, statement_id: int, number: int, user_id: str) -> str | None:
    """Why ``user_id`` may not edit version ``number`` now (in the statement's language), or None when they may."""
    with Session(core.engine) as session:
        statement, ver = service.current(session, statement_id)
    lang = i18n.language_of(statement.language)
    if statement.status == Status.APPROVED:
        return i18n.say(lang, "statement.edit_locked", version=ver.number)
    if number != ver.number:
        return i18n.say(lang, "statement.edit_outdated", version=ver.number)
    if not may_edit(core, statement.incident_id, ver.approvers, user_id):
        return i18n.say(lang, "statement.edit_who", name=kinds.name(statement.kind, lang))
    return None


def may_request_changes(core: Core, statement_id: int, number: int, user_id: str) -> bool:
    """True when the dialog may open: the version is current and open, and the user signs a step of it."""
    with Session(core.engine) as session:
        statement, ver = service.current(session, statement_id)
    if statement.status == Status.APPROVED or number != ver.number:
        return False
    people = chain_people(core, statement.incident_id, chains.roles(ver.approvers))
    return any(user_id in step.allowed for step in people.values())


def record_refusal(core: Core, statement_id: int, number: int, user_id: str, reason: str, *, action: str) -> None:
    with transaction(core.engine) as session:
        statement = service.get(session, statement_id)
        timeline.record(session, statement.incident_id, "statement_refused", reason, actor=user_id,
                        statement_id=statement_id, version=number, action=action)


def save_edit(core: Core, statement_id: int, number: int, *, user_id: str, variants: dict[str, str], note: str,
              reply: Reply) -> int | None:
    """Save the edited texts as the next version, check them again and restart the approvals."""
    refusal = edit_refusal(core, statement_id, number, user_id)
    language = _language(core, statement_id)
    problems = edit_problems(variants, _kind_of(core, statement_id), language)
    if refusal or problems:
        record_refusal(core, statement_id, number, user_id, refusal or "; ".join(problems.values()), action="edit")
        reply(f":no_entry: {refusal or ' '.join(problems.values())}")
        return None
    with Session(core.engine) as session:
        statement = service.get(session, statement_id)
    incident, ctx, private = draft_inputs(core, statement.incident_id)
    if statement.kind == StatementKind.HOLDING:  # an edited text gets the model's second opinion too (a pack's too)
        findings = check(ctx, variants, private, llm=llm_settings(core))
    else:
        findings = packs.check_pack(statement.kind, ctx, variants, private, llm=llm_settings(core))
    with Session(core.engine) as session:
        _, previous = service.current(session, statement_id)
    # A severity lowered since the last version never drops a step from a chain that is already running.
    chain = chains.join(previous.approvers, chain_for(core, incident, findings))
    staff = _chain_staff(core, statement.incident_id, chain)
    try:
        with transaction(core.engine) as session:
            _staff_chain(session, statement.incident_id, staff)
            row = service.get(session, statement_id)
            ver = service.add_version(session, row, variants=variants, method="edit", model=None,
                                      note=note.strip()[:300], findings=findings, approvers=chain,
                                      created_by=user_id, replaces=number,
                                      next_update=_promised(variants, previous.next_update, ctx.next_update))
            row.channels = list(variants)
            session.add(row)
            new_number = ver.number
            assert row.step_started_at is not None  # a new version starts its first step
            _with_new_version(core, session, statement_id, statement.incident_id, new_number, row.step_started_at)
    except (StatementConflict, IntegrityError) as exc:  # another edit or the final sign-off came first
        reason = exc.text(language, core.settings.warroom_timezone) if isinstance(exc, StatementConflict) else (
            i18n.say(language, "statement.edit_lost", version=number))
        record_refusal(core, statement_id, number, user_id, reason, action="edit")
        reply(f":no_entry: {reason}")
        return None
    core.deliver()
    return new_number


# --- approved -----------------------------------------------------------------------------------

def enqueue_final(core: Core, session: Session, statement_id: int) -> None:
    """In the final sign-off's transaction: each channel's text for copying, the publish webhook, the headline."""
    statement, ver = service.current(session, statement_id)
    incident = incidents.get(session, statement.incident_id)
    incident_id = statement.incident_id
    restamp(core, session, incident, ver)
    if incident.channel_id and statement.kind != StatementKind.HOLDING:  # a pack: one block per item, copyable
        for index, (text, blocks) in enumerate(copy_blocks(statement.kind, ver.variants, statement.language,
                                                           ver.number)):
            effects.post(session, f"statement:{statement_id}:v{ver.number}:copy:{index}", incident_id=incident_id,
                         channel=incident.channel_id, thread_ts=statement.message_ts, text=text, blocks=blocks)
    elif incident.channel_id:
        for channel, text in ver.variants.items():
            effects.post(session, f"statement:{statement_id}:v{ver.number}:copy:{channel}", incident_id=incident_id,
                         channel=incident.channel_id, thread_ts=statement.message_ts,
                         text=copy_text(channel, text, statement.language, ver.number))
    if core.settings.warroom_publish_webhook and statement.kind == StatementKind.HOLDING:
        effects.enqueue(session, "webhook", f"statement:{statement_id}:v{ver.number}:webhook",
                        incident_id=incident_id, statement_id=statement_id)
    briefing.enqueue_refresh(session, incident_id)
    slack_effects.enqueue_card(session, statement_id, incident_id)
    timeline.record(session, incident_id, "statement_final_text", f"v{ver.number} posted for copying",
                    actor="warroom", statement_id=statement_id, version=ver.number, channels=list(ver.variants))


def _promised(variants: dict[str, str], *candidates: str | None) -> str | None:
    """The next-update time an edited text still promises (the one it was drafted with, or today's)."""
    return next((t for t in candidates if t and any(t in text for text in variants.values())), None)


def restamp(core: Core, session: Session, incident: Incident, ver: StatementVersion) -> None:
    """At the final sign-off the promised next-update time counts again from now, so a long approval chain
    never publishes a time already past; the change is on the timeline and in the approved card."""
    fresh = next_update_clock(core, incident)
    old = ver.next_update
    if not old or old == fresh or not any(old in text for text in ver.variants.values()):
        return
    ver.variants = {channel: text.replace(old, fresh) for channel, text in ver.variants.items()}
    note = i18n.say(incident.language or core.settings.warroom_language, "thread.restamped", old=old, new=fresh)
    ver.note = (ver.note + " " if ver.note else "") + note
    ver.next_update = fresh
    session.add(ver)
    assert incident.id is not None  # a stored incident
    timeline.record(session, incident.id, "next_update_restamped", f"v{ver.number}: {old} -> {fresh}",
                    actor="warroom", statement_id=ver.statement_id, version=ver.number, old=old, new=fresh)


def finalize(core: Core, session: Session, statement_id: int, *, by: str) -> None:
    """Every step signed, in the final sign-off's transaction: the statement's reminders go and a holding
    statement counts as an update (the next one is due a cadence from now, its reminder planned); the approved
    card, the texts for copying and the webhook are in the outbox (``enqueue_final``)."""
    statement, ver = service.current(session, statement_id)
    reminders.cancel(session, statement.incident_id, statement_id)
    if statement.kind == StatementKind.HOLDING:  # a pack is no public update
        note_update(core, session, statement.incident_id, by=by, what=f"holding statement v{ver.number} approved")


def webhook_payload(core: Core, statement_id: int) -> dict[str, Any]:
    """The approved statement as the publish webhook receives it."""
    with Session(core.engine) as session:
        statement, ver = service.current(session, statement_id)
        assert ver.id is not None  # a stored version
        rows = service.approved(service.approvals(session, ver.id))
    if statement.status != Status.APPROVED or not ver.locked:
        raise StatementError(key="statement.error.not_approved")
    return {
        "incident_id": statement.incident_id,
        "statement_id": statement.id,
        "version": ver.number,
        "language": statement.language,
        "variants": dict(ver.variants),
        "approvers": [{"role": row.role, "user": row.user_id, "at": as_utc(row.at).isoformat()} for row in rows],
        "approved_at": as_utc(statement.approved_at).isoformat() if statement.approved_at else None,
    }


def send_webhook(core: Core, statement_id: int) -> publish.Delivery | None:
    """POST the approved statement to WARROOM_PUBLISH_WEBHOOK (signed) and record how it went."""
    url = core.settings.warroom_publish_webhook
    if not url:
        return None
    payload = webhook_payload(core, statement_id)
    secret = core.settings.warroom_publish_secret
    if secret:
        delivery = publish.deliver(url, secret, payload)
    else:
        language = i18n.language_of(payload["language"])
        delivery = publish.Delivery(False, None, 0, i18n.say(language, "statement.webhook_no_secret"))
    target = urlsplit(url)
    with transaction(core.engine) as session:  # the outcome and, when it failed, the note under the statement
        text = (f"v{payload['version']} delivered ({delivery.status})" if delivery.ok
                else f"v{payload['version']} not delivered: {delivery.error}")
        timeline.record(session, payload["incident_id"], "statement_webhook", text, actor="warroom",
                        statement_id=statement_id, version=payload["version"], ok=delivery.ok, status=delivery.status,
                        attempts=delivery.attempts, error=delivery.error, target=f"{target.scheme}://{target.netloc}")
        incident = incidents.get(session, payload["incident_id"])
        statement = service.get(session, statement_id)
        if not delivery.ok and incident.channel_id:
            error = delivery.error or i18n.say(statement.language, "statement.unknown_error")
            slack_effects.enqueue_thread(session, statement_id, statement.incident_id, incident.channel_id,
                                         i18n.say(statement.language, "thread.webhook_failed",
                                                  version=payload["version"], error=escape(error)))
    core.deliver()
    return delivery


def deliver_webhook(core: Core, effect: Effect) -> dict[str, Any]:
    """The outbox's webhook effect, on the outbox's thread (its short retries never hold a person's click);
    the outcome is recorded and a failure told in the statement's thread."""
    delivery = send_webhook(core, int(effect.payload["statement_id"]))
    return {"ok": bool(delivery and delivery.ok), "status": delivery.status if delivery else None}
