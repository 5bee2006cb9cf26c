"""Block Kit for `/warroom status`, the Status button and the executive digests, within Slack's limits."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.incidents.models import Incident
from app.incidents.views import severity_label
from app.roles.keys import is_role_key, role_title
from app.severity import ORDER
from app.slack import blocks as bk
from app.slack.text import channel_link, escape, mention, truncate
from app.status.service import IncidentStatus, StatementState
from app.timeutil import as_utc, format_duration, local_clock, local_datetime

DETAILED_PER_PAGE = 6
PER_PAGE = 50
LINE_MAX = 160
METRICS_SHOWN = 4


def metric_text(name: str, value: float) -> str:
    """``negative share 58%`` or ``mentions per hour 4,200``."""
    label = escape(name.replace("_", " ").strip())
    if any(word in name.lower() for word in ("share", "ratio", "rate", "percent")) and 0 <= value <= 1:
        return f"{label} {value:.0%}"
    if float(value).is_integer():
        return f"{label} {int(value):,}"
    return f"{label} {value:,.2f}"


def age(incident: Incident, now: datetime) -> str:
    return format_duration(now - as_utc(incident.created_at))


def room(incident: Incident) -> str:
    return channel_link(incident.channel_id) if incident.channel_id else "_room not ready yet_"


def person(user_id: str | None) -> str:
    return mention(user_id) if user_id else "_unassigned_"


def statement_text(state: StatementState, tz: str, now: datetime) -> str:
    """none / drafting / waiting for whom since when / approved at."""
    if state.status == "none":
        return "none yet"
    version = f"v{state.version} " if state.version else ""
    if state.status == "approved":
        when = f" at {local_clock(state.approved_at, tz)}" if state.approved_at else ""
        return f":white_check_mark: {version}approved{when}"
    if state.status == "drafting":
        return "drafting"
    since = ""
    if state.since:
        since = f" since {local_clock(state.since, tz)} ({format_duration(now - as_utc(state.since))})"
    if state.status == "changes_requested":
        return f"{version}changes requested{since}"
    if state.status == "pending":
        if state.waiting_role and is_role_key(state.waiting_role):
            who = mention(state.waiting_user) if state.waiting_user else "_nobody holds the role_"
            return f":hourglass: {version}waiting for {who} ({role_title(state.waiting_role)}){since}"
        return f":hourglass: {version}awaiting approval{since}"
    return escape(state.status)


def next_update_text(incident: Incident, tz: str, now: datetime) -> str:
    if incident.status != "open" or not incident.next_update_at:
        return "-"
    due = as_utc(incident.next_update_at)
    if due < now:
        return f":warning: *overdue* by {format_duration(now - due)} (was due {local_clock(due, tz)})"
    return f"{local_clock(due, tz)} (in {format_duration(due - now)})"


def clock_text(s: IncidentStatus, tz: str) -> str:
    lines = []
    for clock in s.clocks:
        left = as_utc(clock.due_at) - s.now
        state = f"{format_duration(left)} left" if left > timedelta(0) else f"*overdue* by {format_duration(-left)}"
        lines.append(f":alarm_clock: {escape(clock.title)}: {state} (due {local_datetime(clock.due_at, tz)})")
    return "\n".join(lines)


def alerts_text(s: IncidentStatus, tz: str) -> str:
    text = str(s.incident.alert_count)
    if s.latest_alert_at:
        text += f" · latest {local_clock(s.latest_alert_at, tz)}"
    shown = [metric_text(k, v) for k, v in list(s.latest_metrics.items())[:METRICS_SHOWN]
             if isinstance(v, int | float) and not isinstance(v, bool)]
    if shown:
        text += "\n" + " · ".join(shown)
    return text


def tasks_text(s: IncidentStatus) -> str:
    t = s.tasks
    text = f"{t.open} open of {t.total}"
    if t.overdue:
        text += f", :warning: *{t.overdue} overdue*"
    return text


def title_line(s: IncidentStatus) -> str:
    i = s.incident
    lock = ":lock: " if i.confidential else ""
    return (f"{severity_label(i.severity)} · {lock}*{escape(i.title)}* · #{i.id} · {room(i)}\n"
            f"{escape(s.playbook_title)} · {escape(i.phase)} · open for {age(i, s.now)}")


def status_fields(s: IncidentStatus, tz: str) -> list[str]:
    fields = [
        f"*Crisis lead*\n{person(s.lead)}",
        f"*Communications lead*\n{person(s.comms)}",
        f"*Alerts*\n{alerts_text(s, tz)}",
        f"*Tasks*\n{tasks_text(s)}",
        f"*Holding statement*\n{statement_text(s.statement, tz, s.now)}",
        f"*Next status update*\n{next_update_text(s.incident, tz, s.now)}",
    ]
    if s.clocks:
        fields.append(f"*Legal clocks*\n{clock_text(s, tz)}")
    return fields


def decision_lines(s: IncidentStatus, tz: str) -> str:
    return "\n".join(f"• {local_clock(d.decided_at, tz)} {mention(d.decided_by)}: {escape(truncate(d.text, 300))}"
                     for d in s.decisions)


def incident_blocks(s: IncidentStatus, tz: str, *, detail: bool = False) -> list[dict]:
    """One incident at a glance: 2-3 blocks (4-5 with ``detail``)."""
    blocks = [bk.section(title_line(s)), bk.fields_section(status_fields(s, tz))]
    if s.decisions:
        blocks.append(bk.section(f"*Latest decisions*\n{decision_lines(s, tz)}") if detail
                      else bk.context(f"*Latest decisions*\n{decision_lines(s, tz)}"))
    if detail and s.tasks.overdue_titles:
        more = s.tasks.overdue - len(s.tasks.overdue_titles)
        lines = "\n".join(f"• {escape(title)}" for title in s.tasks.overdue_titles)
        if more > 0:
            lines += f"\n…and {more} more"
        blocks.append(bk.section(f"*Overdue tasks*\n{lines}"))
    if detail:
        blocks.append(bk.context(f"{s.events:,} timeline events · opened {local_datetime(s.incident.created_at, tz)}"
                                 f" · full record: `/warroom report`"))
    return blocks


def fallback(s: IncidentStatus) -> str:
    i = s.incident
    return f"{i.severity.upper()} incident #{i.id}: {escape(i.title)} ({i.phase}, open for {age(i, s.now)})"


def incident_message(s: IncidentStatus, tz: str) -> dict:
    """The status of one incident (inside its room, or from the briefing's Status button)."""
    return bk.message(f"Status: {fallback(s)}", [bk.header(f"Status: {s.incident.title}"),
                                                 *incident_blocks(s, tz, detail=True)])


def compact_line(incident: Incident, now: datetime) -> str:
    lock = ":lock: " if incident.confidential else ""
    line = (f"{severity_label(incident.severity)} {lock}*{escape(truncate(incident.title, 90))}* · #{incident.id} · "
            f"{room(incident)} · {age(incident, now)}")
    return truncate(line, LINE_MAX) if len(line) > LINE_MAX else line


def line_sections(lines: list[str], heading: str) -> list[dict]:
    """Lines packed into as few sections as fit 3,000 characters each."""
    sections, current = [], heading
    for line in lines:
        if len(current) + 1 + len(line) > bk.SECTION_TEXT_MAX:
            sections.append(bk.section(current))
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        sections.append(bk.section(current))
    return sections


def severity_counts(incidents: list[Incident]) -> str:
    counts = {level.value: 0 for level in ORDER}
    for incident in incidents:
        counts[incident.severity] = counts.get(incident.severity, 0) + 1
    return " · ".join(f"{n} {level}" for level, n in reversed(list(counts.items())) if n)


def portfolio_message(statuses: list[IncidentStatus], listed: list[Incident], *, total: list[Incident],
                      page: int, tz: str, now: datetime, severity: str | None = None) -> dict:
    """Every open incident the caller may see: the first few in detail, then one line each, then "and N more"."""
    what = f"{severity} " if severity else ""
    if not total:
        text = f"No open {what}incidents you can see."
        return bk.message(text, [bk.section(f":white_check_mark: {text}")])
    blocks = [bk.header(f"Open {what}incidents: {len(total)}"),
              bk.context(f"{severity_counts(total)} · as of {local_clock(now, tz)} · most severe first")]
    for s in statuses:
        blocks += [bk.divider(), *incident_blocks(s, tz)]
    if listed:
        blocks.append(bk.divider())
        blocks += line_sections([compact_line(i, now) for i in listed], "*Also open*")
    shown = (page - 1) * PER_PAGE + len(statuses) + len(listed)
    remaining = len(total) - shown
    if remaining > 0:
        narrow = "" if severity else " or narrow with `/warroom status critical`"
        blocks.append(bk.context(f"…and {remaining} more: see `/warroom status page {page + 1}`{narrow}"))
    noun = "incident" if len(total) == 1 else "incidents"
    return bk.message(f"{len(total)} open {what}{noun} ({severity_counts(total)})", blocks)


def digest_message(s: IncidentStatus, tz: str, next_at: datetime | None) -> dict:
    """The executive digest of one incident: compact, the same content as its status."""
    tail = f" · next digest at {local_clock(next_at, tz)}" if next_at else ""
    blocks = [bk.context(f":newspaper: *Executive digest* · {local_clock(s.now, tz)}{tail}"),
              *incident_blocks(s, tz)]
    return bk.message(f"Executive digest: {fallback(s)}", blocks)
