"""Block Kit for `/warroom status`, the Status button and the executive digests, within Slack's limits."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.i18n import clock as local_clock
from app.i18n import date_time as local_datetime
from app.i18n import duration as format_duration
from app.i18n import language_of, number, percent, say
from app.incidents.models import Incident
from app.incidents.models import IncidentStatus as Lifecycle  # not the status view below
from app.incidents.views import phase_text, severity_label
from app.roles.keys import is_role_key, role_title
from app.severity import ORDER
from app.slack import blocks as bk
from app.slack.text import channel_link, escape, mention, truncate
from app.status.service import IncidentStatus, StatementState

DETAILED_PER_PAGE = 6
PER_PAGE = 50
LINE_MAX = 160
METRICS_SHOWN = 4


def metric_text(name: str, value: float, language: str = "en") -> str:
    """``negative share 58%`` or ``mentions per hour 4,200`` (``58 %`` and ``4.200`` in German)."""
    label = escape(name.replace("_", " ").strip())
    if any(word in name.lower() for word in ("share", "ratio", "rate", "percent")) and 0 <= value <= 1:
        return f"{label} {percent(value, language)}"
    if float(value).is_integer():
        return f"{label} {number(value, language)}"
    return f"{label} {number(value, language, decimals=2)}"


def lang_of(s: IncidentStatus) -> str:
    return language_of(s.incident.language)


def age(incident: Incident, now: datetime, language: str = "en") -> str:
    return format_duration(now - incident.created_at, language)


def room(incident: Incident, language: str = "en") -> str:
    return channel_link(incident.channel_id) if incident.channel_id else say(language, "room_not_ready")


def person(user_id: str | None, language: str = "en") -> str:
    return mention(user_id) if user_id else say(language, "unassigned")


def statement_text(state: StatementState, tz: str, now: datetime, language: str = "en") -> str:
    """none / drafting / waiting for whom since when / approved at."""
    lang = language
    if state.status == "none":
        return say(lang, "none_yet")
    version = f"v{state.version} " if state.version else ""
    if state.status == "approved":
        when = say(lang, "approved_at", at=local_clock(state.approved_at, tz, lang)) if state.approved_at else ""
        return say(lang, "approved", version=version, when=when)
    if state.status == "drafting":
        return say(lang, "drafting")
    since = ""
    if state.since:
        since = say(lang, "since", at=local_clock(state.since, tz, lang),
                    ago=format_duration(now - state.since, lang))
    if state.status == "changes_requested":
        return say(lang, "changes_requested", version=version, since=since)
    if state.status == "pending":
        if state.waiting_role and is_role_key(state.waiting_role):
            roles = state.waiting_roles or [state.waiting_role]
            users = state.waiting_users or [state.waiting_user]
            who = " + ".join(mention(user) if user else say(lang, "nobody_holds") for user in users)
            titles = " + ".join(role_title(role, lang) for role in roles)  # a group step: each signs
            return say(lang, "waiting_for", version=version, who=who, role=titles, since=since)
        return say(lang, "awaiting_approval", version=version, since=since)
    return escape(state.status)


def next_update_text(incident: Incident, tz: str, now: datetime, language: str = "en") -> str:
    if incident.status != Lifecycle.OPEN or not incident.next_update_at:
        return "-"
    due = incident.next_update_at
    if due < now:
        return say(language, "overdue_by", ago=format_duration(now - due, language), at=local_clock(due, tz, language))
    return say(language, "due_in", at=local_clock(due, tz, language), left=format_duration(due - now, language))


def clock_text(s: IncidentStatus, tz: str) -> str:
    lang = lang_of(s)
    lines = []
    for clock in s.clocks:
        left = clock.due_at - s.now
        state = (say(lang, "left", left=format_duration(left, lang)) if left > timedelta(0)
                 else say(lang, "clock_overdue", ago=format_duration(-left, lang)))
        lines.append(say(lang, "clock_status", title=escape(clock.title_in(lang)), state=state,
                         at=local_datetime(clock.due_at, tz, lang)))
    return "\n".join(lines)


def alerts_text(s: IncidentStatus, tz: str) -> str:
    lang = lang_of(s)
    text = str(s.incident.alert_count)
    if s.latest_alert_at:
        text += say(lang, "latest", at=local_clock(s.latest_alert_at, tz, lang))
    shown = [metric_text(k, v, lang) for k, v in list(s.latest_metrics.items())[:METRICS_SHOWN]
             if isinstance(v, int | float) and not isinstance(v, bool)]
    if shown:
        text += "\n" + " · ".join(shown)
    return text


def tasks_text(s: IncidentStatus) -> str:
    t, lang = s.tasks, lang_of(s)
    text = say(lang, "tasks_open", open=t.open, total=t.total)
    if t.overdue:
        text += say(lang, "tasks_overdue", count=t.overdue)
    return text


def title_line(s: IncidentStatus) -> str:
    i, lang = s.incident, lang_of(s)
    lock = ":lock: " if i.confidential else ""
    return (f"{severity_label(i.severity, lang)} · {lock}*{escape(i.title)}* · #{i.id} · {room(i, lang)}\n"
            f"{escape(s.playbook_title)} · {escape(phase_text(i.phase, lang))} · "
            f"{say(lang, 'open_for', age=age(i, s.now, lang))}")


def status_fields(s: IncidentStatus, tz: str) -> list[str]:
    lang = lang_of(s)
    fields = [
        f"{say(lang, 'field.lead')}\n{person(s.lead, lang)}",
        f"{say(lang, 'field.comms')}\n{person(s.comms, lang)}",
        f"{say(lang, 'field.alerts')}\n{alerts_text(s, tz)}",
        f"{say(lang, 'field.tasks')}\n{tasks_text(s)}",
        f"{say(lang, 'field.statement')}\n{statement_text(s.statement, tz, s.now, lang)}",
        f"{say(lang, 'field.next_update')}\n{next_update_text(s.incident, tz, s.now, lang)}",
    ]
    if s.clocks:
        fields.append(f"{say(lang, 'field.clocks')}\n{clock_text(s, tz)}")
    return fields


def decision_lines(s: IncidentStatus, tz: str) -> str:
    lang = lang_of(s)
    return "\n".join(f"• {local_clock(d.decided_at, tz, lang)} {mention(d.decided_by)}: {escape(truncate(d.text, 300))}"
                     for d in s.decisions)


def incident_blocks(s: IncidentStatus, tz: str, *, detail: bool = False) -> list[dict]:
    """One incident at a glance: 2-3 blocks (4-5 with ``detail``), in the incident's language."""
    lang = lang_of(s)
    blocks = [bk.section(title_line(s)), bk.fields_section(status_fields(s, tz))]
    if s.decisions:
        decisions = f"{say(lang, 'latest_decisions')}\n{decision_lines(s, tz)}"
        blocks.append(bk.section(decisions) if detail else bk.context(decisions))
    if detail and s.tasks.overdue_titles:
        more = s.tasks.overdue - len(s.tasks.overdue_titles)
        lines = "\n".join(f"• {escape(title)}" for title in s.tasks.overdue_titles)
        if more > 0:
            lines += "\n" + say(lang, "and_more", count=more)
        blocks.append(bk.section(f"{say(lang, 'overdue_tasks')}\n{lines}"))
    if detail:
        blocks.append(bk.context(say(lang, "detail_context", events=number(s.events, lang),
                                     opened=local_datetime(s.incident.created_at, tz, lang))))
    return blocks


def fallback(s: IncidentStatus) -> str:
    i, lang = s.incident, lang_of(s)
    return say(lang, "status_fallback", severity=say(lang, f"severity.{i.severity}"), id=i.id, title=escape(i.title),
               phase=phase_text(i.phase, lang), age=age(i, s.now, lang))


def incident_message(s: IncidentStatus, tz: str) -> dict:
    """The status of one incident (inside its room, or from the briefing's Status button)."""
    lang = lang_of(s)
    return bk.message(say(lang, "status_text", text=fallback(s)),
                      [bk.header(say(lang, "status_header", title=s.incident.title)),
                       *incident_blocks(s, tz, detail=True)])


def compact_line(incident: Incident, now: datetime, language: str = "en") -> str:
    lock = ":lock: " if incident.confidential else ""
    line = (f"{severity_label(incident.severity, language)} {lock}*{escape(truncate(incident.title, 90))}* · "
            f"#{incident.id} · {room(incident, language)} · {age(incident, now, language)}")
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


def severity_counts(incidents: list[Incident], language: str = "en") -> str:
    counts = {level.value: 0 for level in ORDER}
    for incident in incidents:
        counts[incident.severity] = counts.get(incident.severity, 0) + 1
    return " · ".join(f"{n} {severity_word(level, language)}"
                      for level, n in reversed(list(counts.items())) if n)


def severity_word(level: str, language: str) -> str:
    return say(language, f"severity_word.{level}") if level in ORDER else level


def portfolio_language(incidents: list[Incident]) -> str:
    """German when every incident listed is German, else English (the portfolio mixes incidents)."""
    languages = {language_of(i.language) for i in incidents}
    return "de" if languages == {"de"} else "en"


def portfolio_message(statuses: list[IncidentStatus], listed: list[Incident], *, total: list[Incident],
                      page: int, tz: str, now: datetime, severity: str | None = None,
                      language: str | None = None) -> dict:
    """Every open incident the caller may see: the first few in detail, then one line each, then "and N more".

    ``language`` is the frame's language (e.g. WARROOM_LANGUAGE); unset, it is German when every incident is.
    """
    lang = language_of(language) if language else portfolio_language(total)
    what = say(lang, "what", severity=severity_word(severity, lang)) if severity else ""
    if not total:
        text = say(lang, "no_open", what=what)
        return bk.message(text, [bk.section(f":white_check_mark: {text}")])
    counts = severity_counts(total, lang)
    blocks = [bk.header(say(lang, "open_header", what=what, count=len(total))),
              bk.context(say(lang, "portfolio_context", counts=counts, at=local_clock(now, tz, lang)))]
    for s in statuses:
        blocks += [bk.divider(), *incident_blocks(s, tz)]
    if listed:
        blocks.append(bk.divider())
        blocks += line_sections([compact_line(i, now, language_of(i.language)) for i in listed],
                                say(lang, "also_open"))
    shown = (page - 1) * PER_PAGE + len(statuses) + len(listed)
    remaining = len(total) - shown
    if remaining > 0:
        narrow = "" if severity else say(lang, "narrow")
        blocks.append(bk.context(say(lang, "more_pages", count=remaining, page=page + 1, narrow=narrow)))
    noun = say(lang, "incident_one" if len(total) == 1 else "incident_many")
    return bk.message(say(lang, "portfolio_fallback", count=len(total), what=what, noun=noun, counts=counts), blocks)


def digest_message(s: IncidentStatus, tz: str, next_at: datetime | None) -> dict:
    """The executive digest of one incident, in its language: compact, the same content as its status."""
    lang = lang_of(s)
    tail = say(lang, "next_digest", at=local_clock(next_at, tz, lang)) if next_at else ""
    blocks = [bk.context(say(lang, "digest_context", at=local_clock(s.now, tz, lang), tail=tail)),
              *incident_blocks(s, tz)]
    return bk.message(say(lang, "digest_fallback", text=fallback(s)), blocks)
