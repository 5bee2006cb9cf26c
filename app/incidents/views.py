"""Block Kit for the incident's headline message (an ICS-201 style briefing), kept up to date in place."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.incidents.clocks import Clock
from app.incidents.models import Incident
from app.roles.keys import role_title
from app.severity import EMOJI, Severity
from app.slack import blocks as bk
from app.slack.ids import ActionId
from app.slack.text import escape, link, mention
from app.tasks.models import Task
from app.tasks.service import is_overdue
from app.timeutil import format_duration, local_clock, local_datetime, utcnow

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


def severity_label(level: str) -> str:
    return f"{EMOJI[Severity(level)]} {level.upper()}"


def headline(b: Briefing) -> list[dict]:
    i = b.incident
    state = "CLOSED" if i.status == "closed" else severity_label(i.severity)
    return [bk.header(f"{'Closed: ' if i.status == 'closed' else ''}{i.title}"),
            bk.context(f"{state} · {escape(b.playbook_title)} · incident #{i.id} · opened "
                       f"{local_datetime(i.created_at, b.tz)}")]


def what_happened(b: Briefing) -> list[dict]:
    i = b.incident
    text = f"*What happened*\n{escape(i.description or i.title)}"
    source = f"Source: {escape(i.source)}"
    if i.url:
        source += f" · {link(i.url, 'open the alert')}"
    if b.alert_count > 1:
        source += f" · {b.alert_count} alerts so far"
    return [bk.section(text), bk.context(source)]


def role_lines(b: Briefing) -> list[dict]:
    rows = [f"{role_title(role, b.language)}: {mention(b.holders[role]) if role in b.holders else '_unassigned_'}"
            for role in b.staffed_roles]
    return [bk.section("*Roles*\n" + "\n".join(rows))] if rows else []


def status_fields(b: Briefing) -> list[dict]:
    i = b.incident
    fields = [f"*Severity*\n{severity_label(i.severity)}", f"*Phase*\n{i.phase}"]
    if i.status == "open" and i.next_update_at:
        fields.append(f"*Next status update*\n{local_clock(i.next_update_at, b.tz)}")
    if b.statement_state:
        fields.append(f"*Holding statement*\n{b.statement_state}")
    return [bk.fields_section(fields)]


def task_row(task: Task, tz: str, now: datetime, *, actionable: bool = True) -> dict:
    owner = mention(task.owner_id) if task.owner_id else "_no owner_"
    if task.done_at:
        return bk.section(f":white_check_mark: ~{escape(task.title)}~ · done by {mention(task.done_by)} "
                          f"at {local_clock(task.done_at, tz)}", block_id=f"task-{task.id}")
    due = ""
    if task.due_at:
        due = f" · {'*overdue* since' if is_overdue(task, now) else 'due'} {local_clock(task.due_at, tz)}"
    if not actionable:  # a closed incident's open tasks are shown as left, without buttons
        return bk.section(f":white_large_square: {escape(task.title)} · {owner} · _not done_",
                          block_id=f"task-{task.id}")
    return bk.section(f":white_large_square: {escape(task.title)} · {owner}{due}", block_id=f"task-{task.id}",
                      accessory=bk.button("Done", ActionId.TASK_DONE, value=str(task.id)))


def task_rows(b: Briefing) -> list[dict]:
    if not b.tasks:
        return []
    now = utcnow()
    open_first = sorted(b.tasks, key=lambda t: (t.done_at is not None, t.id))
    actionable = b.incident.status == "open"
    rows = [task_row(t, b.tz, now, actionable=actionable) for t in open_first[:MAX_TASK_ROWS]]
    done = sum(1 for t in b.tasks if t.done_at)
    blocks = [bk.section(f"*Tasks* ({done}/{len(b.tasks)} done)"), *rows]
    if len(b.tasks) > MAX_TASK_ROWS:
        blocks.append(bk.context(f"…and {len(b.tasks) - MAX_TASK_ROWS} more in `/warroom status`"))
    return blocks


def clock_line(clock, tz: str, now: datetime) -> str:
    due = f":alarm_clock: *{escape(clock.title)}* · due {local_datetime(clock.due_at, tz)}"
    if clock.due_at <= now:
        return f"{due} (*passed* {format_duration(now - clock.due_at)} ago)"
    return f"{due} ({format_duration(clock.due_at - now)} left)"


def clock_rows(b: Briefing) -> list[dict]:
    if not b.clocks or b.incident.status != "open":  # clocks stop with the incident
        return []
    now = utcnow()
    lines = [clock_line(c, b.tz, now) for c in b.clocks]
    return [bk.section("*Clocks*\n" + "\n".join(lines))]


def buttons(b: Briefing) -> list[dict]:
    if b.incident.status != "open":
        return []
    return [bk.actions(bk.button("Draft holding statement", ActionId.STATEMENT_DRAFT, value=str(b.incident.id),
                                 style="primary"),
                       bk.button("Status", ActionId.STATUS_SHOW, value=str(b.incident.id)),
                       block_id="briefing-actions")]


def closing(b: Briefing) -> list[dict]:
    i = b.incident
    if i.status != "closed":
        return []
    return [bk.section(f"*Closed* by {mention(i.closed_by)} at {local_clock(i.closed_at, b.tz)}\n"
                       f"{escape(i.summary or '')}")]


def briefing_message(b: Briefing) -> dict:
    """The whole headline message: text fallback plus blocks within Slack's limits."""
    blocks = [*headline(b), *closing(b), *what_happened(b), *status_fields(b), bk.divider(), *role_lines(b),
              *clock_rows(b), *task_rows(b), *buttons(b)]
    fallback = f"{b.incident.severity.upper()} incident #{b.incident.id}: {escape(b.incident.title)}"
    return bk.message(fallback, blocks)


def topic(b: Briefing) -> str:
    lead = b.holders.get("lead")
    parts = [b.incident.severity.upper(), b.playbook_title, f"Lead: {mention(lead) if lead else 'unassigned'}"]
    if b.incident.next_update_at:
        parts.append(f"Next update {local_clock(b.incident.next_update_at, b.tz)}")
    return " · ".join(parts)[:250]
