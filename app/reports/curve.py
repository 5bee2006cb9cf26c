"""The report's mention curve: mentions per 15 minutes of the monitor that raised the incident (from
app/monitoring/trend.py), with the decisions and statements that fell into each interval, so a team sees whether
its statement turned the curve. Also the curve's summary line and its Markdown table (the report's figure when
the chart cannot be drawn)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from app.i18n import clock, language_of, number, percent, say
from app.monitoring import trend as trends
from app.reports.chart import chart_events
from app.reports.figures import first_approved, when
from app.timeutil import utcnow

BUCKET = trends.BUCKET


@dataclass(frozen=True)
class _Engine:
    """What ``trend`` reads from the core: the engine only."""

    engine: Engine


def mention_curve(engine: Engine, incident: dict[str, Any]) -> dict[str, Any] | None:
    """The curve for a report record, up to the close (or now): None when no monitor raised the incident."""
    end = when(incident.get("closed_at")) or utcnow()
    found = trends.trend(_Engine(engine), int(incident["id"]), now=min(end + BUCKET, utcnow()))
    if found is None:
        return None
    return {"monitor": found.monitor_id, "bucket_minutes": int(BUCKET.total_seconds() // 60),
            "buckets": [{"at": start, "mentions": count, "negative_share": share}
                        for start, count, share in found.buckets]}


def marks(record: dict[str, Any], starts: list[datetime], step: timedelta) -> list[list[str]]:
    """For each interval starting at ``starts[i]``: the kinds of event that fell into it."""
    events = chart_events(record)
    found: list[list[str]] = [[] for _ in starts]
    for key in ("decisions", "drafts", "approved"):
        for moment in events[key]:
            for index, start in enumerate(starts):
                if start <= moment < start + step:
                    found[index].append(key)
                    break
    return found


def summary(record: dict[str, Any], tz: str, language: str) -> str:
    """E.g. "peak 910 per 15 minutes at 09:45 CET; 880 in the quarter hour the first statement was approved, 240
    an hour later"."""
    lang = language_of(language)
    curve = record.get("mentions")
    if not curve or not curve["buckets"]:
        return ""
    buckets = curve["buckets"]
    peak = max(buckets, key=lambda b: b["mentions"])
    peak_at = when(peak["at"])
    assert peak_at is not None
    text = say(lang, "curve.peak", peak=number(peak["mentions"], lang), at=clock(peak_at, tz, lang))
    approved = first_approved(record)
    at = when(approved["approved_at"]) if approved else None
    if at is not None:
        then = count_at(buckets, at)
        later = count_at(buckets, at + timedelta(hours=1))
        text += say(lang, "curve.at_statement", then=number(then or 0, lang))
        if later is not None:
            text += say(lang, "curve.hour_later", later=number(later, lang))
    return text + "."


def count_at(buckets: list[dict[str, Any]], moment: datetime) -> int | None:
    """Mentions in the interval holding ``moment`` (None when the curve does not reach it)."""
    for bucket in buckets:
        start = when(bucket["at"])
        if start is not None and start <= moment < start + BUCKET:
            return int(bucket["mentions"])
    return None


def table(record: dict[str, Any], tz: str, language: str) -> list[tuple[str, str, str, str]]:
    """Rows of the figure table (from, count, negative share, what happened): the mention curve, or without one
    the alerts per interval."""
    lang = language_of(language)
    curve = record.get("mentions")
    if curve and curve["buckets"]:
        step = timedelta(minutes=int(curve["bucket_minutes"]))
        series = [(when(b["at"]), int(b["mentions"]), b["negative_share"]) for b in curve["buckets"]]
    else:
        from app.reports.chart import alert_buckets, bucket_size

        events = chart_events(record)
        start = when(record["incident"].get("created_at")) or utcnow()
        end = when(record["incident"].get("closed_at")) or utcnow()
        step = bucket_size(max(end - start, timedelta(minutes=10)))
        series = [(at, count, None) for at, count in alert_buckets(events["alerts"], start, step)]
    starts = [at for at, _, _ in series if at is not None]
    found = marks(record, starts, step)
    return [(clock(at, tz, lang), number(count, lang), "-" if share is None else percent(share, lang),
             ", ".join(say(lang, f"curve.mark.{kind}") for kind in kinds))
            for (at, count, share), kinds in zip(series, found, strict=True) if at is not None]
