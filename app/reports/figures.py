"""The figures a post-incident review needs, as pure functions over an incident's record.

A record is the dict of ``app.reports.record.incident_record`` (or ``app.reports.report.report_record``):
``incident``, ``alerts``, ``tasks``, ``statements`` (with ``versions``), ``decisions`` and either ``timeline``
or ``counts`` (events per kind). Times may be datetimes or ISO strings.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.i18n import language_of, percent, say
from app.timeutil import as_utc

STATEMENT_TARGET = timedelta(minutes=60)


@dataclass(frozen=True)
class Figures:
    alert_to_room: timedelta | None
    room_to_first_draft: timedelta | None
    draft_to_approved: timedelta | None
    start_to_first_statement: timedelta | None
    first_statement_on_time: bool | None
    tasks_total: int
    tasks_done: int
    tasks_with_due: int
    tasks_on_time: int
    reminders: int
    alerts: int
    decisions: int
    statements: int
    versions: int
    events: int
    duration: timedelta | None

    @property
    def first_statement_minutes(self) -> float | None:
        if self.start_to_first_statement is None:
            return None
        return round(self.start_to_first_statement.total_seconds() / 60, 1)


def when(value: Any) -> datetime | None:
    """A timezone-aware UTC datetime from a datetime or an ISO string (None stays None)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)


def between(start: Any, end: Any) -> timedelta | None:
    a, b = when(start), when(end)
    return b - a if a is not None and b is not None else None


def earliest(values: Iterable[Any]) -> datetime | None:
    times = [t for t in (when(v) for v in values) if t is not None]
    return min(times) if times else None


def first_alert_at(record: dict) -> datetime | None:
    return earliest(a.get("received_at") for a in record.get("alerts", []))


def holding(record: dict) -> list[dict]:
    """The holding statements of the record (the packs beside them are no public statement)."""
    return [s for s in record.get("statements", []) if s.get("kind", "holding") == "holding"]


def first_draft_at(record: dict) -> datetime | None:
    return earliest(v.get("created_at") for s in holding(record) for v in s.get("versions", []))


def first_approved(record: dict) -> dict | None:
    """The holding statement approved first (by approval time)."""
    approved = [s for s in holding(record) if s.get("approved_at")]
    return min(approved, key=lambda s: when(s["approved_at"]) or datetime.max.replace(tzinfo=UTC)) if approved else None


def event_counts(record: dict) -> Counter:
    if "counts" in record:
        return Counter(record["counts"])
    return Counter(e.get("kind") for e in record.get("timeline", []))


def task_on_time(task: dict) -> bool:
    done, due = when(task.get("done_at")), when(task.get("due_at"))
    return done is not None and due is not None and done <= due


def figures(record: dict) -> Figures:
    """Every figure of one incident; a figure whose events did not happen is None."""
    incident = record["incident"]
    approved = first_approved(record)
    draft_at = first_draft_at(record)
    start_to_first = between(incident.get("created_at"), approved["approved_at"]) if approved else None
    tasks = record.get("tasks", [])
    counts = event_counts(record)
    return Figures(
        alert_to_room=between(first_alert_at(record), incident.get("room_ready_at")),
        room_to_first_draft=between(incident.get("room_ready_at"), draft_at),
        draft_to_approved=between(draft_at, approved["approved_at"]) if approved else None,
        start_to_first_statement=start_to_first,
        first_statement_on_time=None if start_to_first is None else start_to_first <= STATEMENT_TARGET,
        tasks_total=len(tasks),
        tasks_done=sum(1 for t in tasks if t.get("done_at")),
        tasks_with_due=sum(1 for t in tasks if t.get("due_at")),
        tasks_on_time=sum(1 for t in tasks if task_on_time(t)),
        reminders=counts.get("reminder", 0),
        alerts=max(int(incident.get("alert_count") or 0), len(record.get("alerts", []))),
        decisions=int(record["decision_count"]) if "decision_count" in record else len(record.get("decisions", [])),
        statements=len(record.get("statements", [])),
        versions=sum(len(s.get("versions", [])) for s in record.get("statements", [])),
        events=sum(counts.values()),
        duration=between(incident.get("created_at"), incident.get("closed_at")),
    )


UNITS = {"en": ("d", "h", "m", "s", ""), "de": (" Tg.", " Std.", " Min.", " Sek.", " ")}


def duration_text(value: timedelta | None, language: str = "en") -> str:
    """``45s``, ``2m 10s``, ``1h 05m``, ``2d 3h`` (German: ``2 Min. 10 Sek.``); ``-`` when the figure does not
    exist."""
    if value is None:
        return "-"
    d, h, m, s, gap = UNITS[language_of(language)]
    total = int(value.total_seconds())
    sign, total = ("-" if total < 0 else ""), abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{sign}{days}{d} {hours}{h}"
    if hours:
        return f"{sign}{hours}{h} {minutes:02d}{m}"
    if minutes:
        return f"{sign}{minutes}{m} {seconds:02d}{s}" if seconds else f"{sign}{minutes}{m}"
    return f"{sign}{seconds}{s}"


def ratio_text(part: int, whole: int, language: str = "en") -> str:
    return say(language, "ratio", part=part, whole=whole, share=percent(part / whole, language)) if whole else "-"


def rows(f: Figures, language: str = "en") -> list[tuple[str, str]]:
    """(figure, value) pairs in the order a review reads them, labelled in ``language``."""
    lang = language_of(language)
    if f.first_statement_on_time is None:
        target = say(lang, "no_statement_approved")
    else:
        minutes = f"{f.first_statement_minutes:g}"
        minutes = minutes.replace(".", ",") if lang == "de" else minutes
        target = say(lang, "target_met" if f.first_statement_on_time else "target_missed", minutes=minutes)

    def label(key: str) -> str:
        return say(lang, f"figure.{key}")

    return [
        (label("alert_to_room"), duration_text(f.alert_to_room, lang)),
        (label("room_to_draft"), duration_text(f.room_to_first_draft, lang)),
        (label("draft_to_approved"), duration_text(f.draft_to_approved, lang)),
        (label("first_statement"), target),
        (label("tasks_on_time"), ratio_text(f.tasks_on_time, f.tasks_with_due, lang)),
        (label("tasks_done"), ratio_text(f.tasks_done, f.tasks_total, lang)),
        (label("reminders"), str(f.reminders)),
        (label("alerts"), str(f.alerts)),
        (label("decisions"), str(f.decisions)),
        (label("statements"), f"{f.statements} ({f.versions})"),
        (label("duration"), duration_text(f.duration, lang)),
    ]


def median(values: Iterable[timedelta | None]) -> timedelta | None:
    seconds = [v.total_seconds() for v in values if v is not None]
    return timedelta(seconds=statistics.median(seconds)) if seconds else None


@dataclass(frozen=True)
class PlaybookStats:
    playbook: str
    incidents: int
    closed: int
    alert_to_room: timedelta | None
    room_to_first_draft: timedelta | None
    draft_to_approved: timedelta | None
    start_to_first_statement: timedelta | None
    statements_on_time: int
    statements_approved: int
    tasks_on_time: int
    tasks_with_due: int
    reminders: int


def aggregate(playbook: str, items: list[tuple[dict, Figures]]) -> PlaybookStats:
    """Medians and totals of the incidents of one playbook; ``items`` are (incident row, figures)."""
    figs = [f for _, f in items]
    return PlaybookStats(
        playbook=playbook,
        incidents=len(items),
        closed=sum(1 for incident, _ in items if incident.get("status") == "closed"),
        alert_to_room=median(f.alert_to_room for f in figs),
        room_to_first_draft=median(f.room_to_first_draft for f in figs),
        draft_to_approved=median(f.draft_to_approved for f in figs),
        start_to_first_statement=median(f.start_to_first_statement for f in figs),
        statements_on_time=sum(1 for f in figs if f.first_statement_on_time),
        statements_approved=sum(1 for f in figs if f.first_statement_on_time is not None),
        tasks_on_time=sum(f.tasks_on_time for f in figs),
        tasks_with_due=sum(f.tasks_with_due for f in figs),
        reminders=sum(f.reminders for f in figs),
    )


def by_playbook(records: Iterable[dict]) -> list[PlaybookStats]:
    """Per playbook (alphabetical): the figures across its incidents."""
    groups: dict[str, list[tuple[dict, Figures]]] = {}
    for record in records:
        incident = record["incident"]
        groups.setdefault(incident["playbook_id"], []).append((incident, figures(record)))
    return [aggregate(playbook, items) for playbook, items in sorted(groups.items())]
