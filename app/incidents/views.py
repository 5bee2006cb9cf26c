"""Block Kit for the incident's headline message (an ICS-201 style briefing), kept up to date in place."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.i18n import clock as local_clock
from app.i18n import date_time as local_datetime
from app.i18n import duration as format_duration
from app.i18n import say
from app.incidents.clocks import Clock
from app.incidents.models import Incident, IncidentStatus
from app.roles.keys import role_title
from app.severity import EMOJI, Severity
from app.slack import blocks as bk
from app.slack.blocks import Blocks
from app.slack.ids import ActionId
from app.slack.text import escape, link, mention
from app.tasks.models import Task
from app.tasks.service import is_overdue
from app.timeutil import utcnow

MAX_TASK_ROWS = 25


@dataclass
class Briefing:
    """Everything the headline message shows, gathered by the caller from the database."""

    incident: Incident
    playbook_title: str
    holders: dict[str, str]
    staffed_roles: list[str]
    tasks: list[Task]
    clocks: list[Clock] = field(default_factory=list)
    alert_count: int = 0
    statement_state: str | None = None
    tz: str = "UTC"
    language: str = "en"


def severity_label(level: str, language: str = "en") -> str:
    return f"{EMOJI[Severity(level)]} {say(language, f'severity.{Severity(level).value}')}"


def headline(b: Briefing) -> Blocks:
    i, lang = b.incident, b.language
    closed = i.status == IncidentStatus.CLOSED
    state = say(lang, "closed_state") if closed else severity_label(i.severity, lang)
    return [bk.header(f"{say(lang, 'closed_prefix') if closed else ''}{i.title}"),
            bk.context(say(lang, "headline_context", state=state, playbook=escape(b.playbook_title), id=i.id,
                           opened=local_datetime(i.created_at, b.tz, lang)))]


def what_happened(b: Briefing) -> Blocks:
    i, lang = b.incident, b.language
    text = f"{say(lang, 'what_happened')}\n{escape(i.description or i.title)}"
    source = say(lang, "source", source=escape(i.source))
    if i.url:
        source += f" · {link(i.url, say(lang, 'open_alert'))}"
    if b.alert_count > 1:
        source += " · " + say(lang, "alerts_so_far", count=b.alert_count)
    return [bk.section(text), bk.context(source)]


def role_lines(b: Briefing) -> Blocks:
    lang = b.language
    rows = [f"{role_title(role, lang)}: {mention(b.holders[role]) if role in b.holders else say(lang, 'unassigned')}"
            for role in b.staffed_roles]
    return [bk.section(say(lang, "roles") + "\n" + "\n".join(rows))] if rows else []


def phase_text(phase: str, language: str) -> str:
    return say(language, f"phase.{phase}") if phase in ("setup", "active", "closed") else phase


def status_fields(b: Briefing) -> Blocks:
    i, lang = b.incident, b.language
    fields = [f"{say(lang, 'field.severity')}\n{severity_label(i.severity, lang)}",
              f"{say(lang, 'field.phase')}\n{phase_text(i.phase, lang)}"]
    if i.status == IncidentStatus.OPEN and i.next_update_at:
        fields.append(f"{say(lang, 'field.next_update')}\n{local_clock(i.next_update_at, b.tz, lang)}")
    if b.statement_state:
        fields.append(f"{say(lang, 'field.statement')}\n{b.statement_state}")
    return [bk.fields_section(fields)]


def task_row(task: Task, tz: str, now: datetime, *, actionable: bool = True, language: str = "en") -> dict[str, Any]:
    lang = language
    owner = mention(task.owner_id) if task.owner_id else say(lang, "no_owner")
    if task.done_at:
        return bk.section(say(lang, "task_done", title=escape(task.title), who=mention(task.done_by or ""),
                              at=local_clock(task.done_at, tz, lang)), block_id=f"task-{task.id}")
    due = ""
    if task.due_at:
        state = say(lang, "overdue_since") if is_overdue(task, now) else say(lang, "due")
        due = f" · {state} {local_clock(task.due_at, tz, lang)}"
    if not actionable:  # a closed incident's open tasks are shown as left, without buttons
        return bk.section(f":white_large_square: {escape(task.title)} · {owner} · {say(lang, 'not_done')}",
                          block_id=f"task-{task.id}")
    return bk.section(f":white_large_square: {escape(task.title)} · {owner}{due}", block_id=f"task-{task.id}",
                      accessory=bk.button(say(lang, "done_button"), ActionId.TASK_DONE, value=str(task.id)))


def task_rows(b: Briefing) -> Blocks:
    if not b.tasks:
        return []
    lang = b.language
    now = utcnow()
    open_first = sorted(b.tasks, key=lambda t: (t.done_at is not None, t.id))
    actionable = b.incident.status == IncidentStatus.OPEN
    rows = [task_row(t, b.tz, now, actionable=actionable, language=lang) for t in open_first[:MAX_TASK_ROWS]]
    done = sum(1 for t in b.tasks if t.done_at)
    blocks = [bk.section(say(lang, "tasks_heading", done=done, total=len(b.tasks))), *rows]
    if len(b.tasks) > MAX_TASK_ROWS:
        blocks.append(bk.context(say(lang, "more_tasks", count=len(b.tasks) - MAX_TASK_ROWS)))
    return blocks


def clock_line(clock: Clock, tz: str, now: datetime, language: str = "en") -> str:
    lang = language
    due = say(lang, "clock_due", title=escape(clock.title_in(lang)), at=local_datetime(clock.due_at, tz, lang))
    if clock.due_at <= now:
        return say(lang, "clock_passed", due=due, ago=format_duration(now - clock.due_at, lang))
    return say(lang, "clock_left", due=due, left=format_duration(clock.due_at - now, lang))


def clock_rows(b: Briefing) -> Blocks:
    if not b.clocks or b.incident.status != IncidentStatus.OPEN:  # clocks stop with the incident
        return []
    now = utcnow()
    lines = [clock_line(c, b.tz, now, b.language) for c in b.clocks]
    return [bk.section(say(b.language, "clocks") + "\n" + "\n".join(lines))]


def buttons(b: Briefing) -> Blocks:
    if b.incident.status != IncidentStatus.OPEN:
        return []
    lang = b.language
    return [bk.actions(bk.button(say(lang, "draft_button"), ActionId.STATEMENT_DRAFT, value=str(b.incident.id),
                                 style="primary"),
                       bk.button(say(lang, "status_button"), ActionId.STATUS_SHOW, value=str(b.incident.id)),
                       block_id="briefing-actions")]


def closing(b: Briefing) -> Blocks:
    i = b.incident
    if i.status != IncidentStatus.CLOSED:
        return []
    assert i.closed_at is not None  # set with the status when it closed
    closed = say(b.language, "closed_by", who=mention(i.closed_by or ""), at=local_clock(i.closed_at, b.tz, b.language))
    return [bk.section(f"{closed}\n{escape(i.summary or '')}")]


def briefing_message(b: Briefing) -> dict[str, Any]:
    """The whole headline message: text fallback plus blocks within Slack's limits."""
    blocks = [*headline(b), *closing(b), *what_happened(b), *status_fields(b), bk.divider(), *role_lines(b),
              *clock_rows(b), *task_rows(b), *buttons(b)]
    i = b.incident
    fallback = say(b.language, "briefing_fallback", severity=say(b.language, f"severity.{Severity(i.severity).value}"),
                   id=i.id, title=escape(i.title))
    return bk.message(fallback, blocks)


def topic(b: Briefing) -> str:
    lang = b.language
    lead = b.holders.get("lead")
    parts = [say(lang, f"severity.{Severity(b.incident.severity).value}"), b.playbook_title,
             say(lang, "topic_lead", lead=mention(lead) if lead else say(lang, "unassigned_plain"))]
    if b.incident.next_update_at:
        parts.append(say(lang, "topic_next", at=local_clock(b.incident.next_update_at, b.tz, lang)))
    return " · ".join(parts)[:250]
