"""The post-incident report: a bounded record of the incident, rendered to Markdown with its timeline chart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlmodel import Session, col, func, select

from app.alerts.models import Alert
from app.decisions.models import Decision
from app.i18n import date_time, event_name, language_of, say
from app.incidents import service
from app.incidents.models import Fact, Incident, TimelineEvent
from app.reports import chart, curve, lessons
from app.reports.figures import Figures, duration_text, figures, rows, task_on_time, when
from app.reports.record import statements_of
from app.roles.keys import is_role_key, role_title
from app.roles.models import RoleAssignment
from app.slack.text import escape
from app.statements.channels import CHANNELS, channel_label
from app.tasks import service as tasks

TIMELINE_ROWS = 1000
ALERT_ROWS = 50


@dataclass
class Report:
    incident_id: int
    markdown: str
    png: bytes | None  # None without matplotlib: the Markdown then carries the figure table instead
    figures: Figures
    language: str = "en"

    @property
    def markdown_name(self) -> str:
        return f"incident-{self.incident_id}-report.md"

    @property
    def chart_name(self) -> str:
        return chart_name(self.incident_id)

    def summary(self, shown: int = 7) -> str:
        """The message that carries the files: the first figures, in the incident's language."""
        lines = [f"• {name}: {escape(value)}" for name, value in rows(self.figures, self.language)[:shown]]
        return say(self.language, "report_summary", id=self.incident_id) + "\n" + "\n".join(lines)

    def file_uploads(self) -> list[dict[str, Any]]:
        """The Markdown report and its chart as ``files_upload_v2`` entries, titled in the incident's language."""
        files: list[dict[str, Any]] = [
            {"content": self.markdown.encode("utf-8"), "filename": self.markdown_name,
             "title": say(self.language, "report_file", id=self.incident_id)}]
        if self.png is not None:
            files.append({"content": self.png, "filename": self.chart_name,
                          "title": say(self.language, "chart_file", id=self.incident_id),
                          "alt_txt": say(self.language, "chart_alt")})
        return files


def chart_name(incident_id: int) -> str:
    return f"incident-{incident_id}-timeline.png"


def _row(obj) -> dict[str, Any]:
    return obj.model_dump()


def event_counts(session: Session, incident_id: int) -> dict[str, int]:
    query = select(TimelineEvent.kind, func.count()).where(TimelineEvent.incident_id == incident_id)
    return dict(session.exec(query.group_by(TimelineEvent.kind)).all())


def report_record(session: Session, incident_id: int, *, light: bool = False) -> dict[str, Any]:
    """The record a report needs, bounded: alert times (not rows), and a timeline of at most 1,000 rows.

    ``light`` leaves out what only the rendered report needs (for `warroom stats` across many incidents).
    """
    incident = service.get(session, incident_id)
    first_alert = session.exec(select(Alert).where(Alert.incident_id == incident_id)
                               .order_by(col(Alert.received_at), col(Alert.id)).limit(1)).first()
    counts = event_counts(session, incident_id)
    record: dict[str, Any] = {
        "incident": _row(incident),
        "alerts": [_row(first_alert)] if first_alert else [],
        "tasks": [_row(t) for t in tasks.for_incident(session, incident_id)],
        "statements": statements_of(session, incident_id),
        "counts": counts,
    }
    if light:
        record["decision_count"] = session.exec(select(func.count()).select_from(Decision)
                                                .where(Decision.incident_id == incident_id)).one()
        return record
    record["decisions"] = [_row(d) for d in session.exec(select(Decision).where(Decision.incident_id == incident_id)
                                                         .order_by(col(Decision.id)))]
    record["alert_times"] = list(session.exec(select(Alert.received_at).where(Alert.incident_id == incident_id)))
    last_alert = session.exec(select(Alert).where(Alert.incident_id == incident_id)
                              .order_by(col(Alert.received_at).desc(), col(Alert.id).desc()).limit(1)).first()
    record["last_alert"] = _row(last_alert) if last_alert else None
    record["roles"] = [_row(a) for a in session.exec(select(RoleAssignment).where(
        RoleAssignment.incident_id == incident_id).order_by(col(RoleAssignment.id)))]
    record["facts"] = [_row(f) for f in session.exec(select(Fact).where(Fact.incident_id == incident_id)
                                                      .order_by(col(Fact.id)))]
    record["lessons"] = [_row(e) for e in lessons.lessons(session, incident_id)]
    query = select(TimelineEvent).where(TimelineEvent.incident_id == incident_id)
    record["alerts_in_timeline"] = counts.get("alert", 0) <= ALERT_ROWS
    if not record["alerts_in_timeline"]:
        query = query.where(TimelineEvent.kind != "alert")
    events = list(session.exec(query.order_by(col(TimelineEvent.at), col(TimelineEvent.id)).limit(TIMELINE_ROWS)))
    record["timeline"] = [_row(e) for e in events]
    shown_total = sum(counts.values()) - (0 if record["alerts_in_timeline"] else counts.get("alert", 0))
    record["timeline_omitted"] = max(0, shown_total - len(events))
    return record


def _md(text: Any) -> str:
    """Text for one Markdown table cell."""
    return str(text or "").replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ").strip()


def _quote(text: Any) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in str(text or "").splitlines())


@cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("app.reports", "templates"), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, autoescape=False, keep_trailing_newline=True)
    env.filters["md"] = _md
    env.filters["quote"] = _quote
    env.filters["duration"] = duration_text
    return env


TEMPLATES = {"en": "report.md.j2", "de": "report.de.md.j2"}


def language_in(record: dict[str, Any]) -> str:
    """The report's language: the incident's."""
    return language_of(record["incident"].get("language"))


def render(record: dict[str, Any], *, tz: str = "UTC", playbook_title: str | None = None,
           names: Callable[[str], str] | None = None, charted: bool = True) -> str:
    """The report's Markdown; the chart is referenced as ``incident-<id>-timeline.png`` next to it (``charted``),
    else the figure table stands in for it and the report says why."""
    incident = record["incident"]
    figs = figures(record)
    language = language_in(record)

    def local(value: Any) -> str:
        moment = when(value) if not isinstance(value, datetime) else value
        return date_time(moment, tz, language) if moment else "-"

    def who(user_id: Any) -> str:
        if not user_id:
            return "-"
        name = names(str(user_id)) if names else str(user_id)
        return _md(name if name == user_id else f"{name} ({user_id})")

    return _environment().get_template(TEMPLATES[language]).render(
        incident=incident, record=record, figures=figs, figure_rows=rows(figs, language), language=language,
        playbook=playbook_title or incident["playbook_id"], chart=chart_name(incident["id"]), charted=charted,
        curve_summary=curve.summary(record, tz, language), curve_rows=curve.table(record, tz, language),
        local=local, who=who, on_time=task_on_time, tz=tz,
        role=lambda key: role_title(key, language) if is_role_key(key) else key,
        event=lambda kind: event_name(kind, language),
        channel_name=lambda channel: channel_label(channel, language) if channel in CHANNELS else channel,
    )


def build(engine, incident_id: int, *, tz: str = "UTC", playbook_title: str | None = None,
          names: Callable[[str], str] | None = None) -> Report:
    """Read the record once and render the Markdown and the chart."""
    with Session(engine) as session:
        record = report_record(session, incident_id)
    record["mentions"] = curve.mention_curve(engine, record["incident"])
    png = chart.timeline_png(record, tz)
    markdown = render(record, tz=tz, playbook_title=playbook_title, names=names, charted=png is not None)
    return Report(incident_id, markdown, png, figures(record), language_in(record))


def stats_records(engine) -> list[dict[str, Any]]:
    """Light records of every incident, for `warroom stats`."""
    with Session(engine) as session:
        ids = [i for i in session.exec(select(Incident.id).order_by(col(Incident.id))) if i is not None]
        return [report_record(session, incident_id, light=True) for incident_id in ids]
