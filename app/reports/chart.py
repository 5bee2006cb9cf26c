"""The report's timeline chart: alerts per interval as bars, decisions and statement events as markers (PNG)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from app.i18n import language_of, say
from app.reports.figures import when
from app.timeutil import utcnow, zone

STEPS = [timedelta(minutes=m) for m in (1, 2, 5, 10, 15, 30, 60, 120, 360, 720, 1440)]
TARGET_BARS = 40


def bucket_size(span: timedelta) -> timedelta:
    """A round interval giving about 40 bars over ``span``."""
    for step in STEPS:
        if span / step <= TARGET_BARS:
            return step
    return STEPS[-1]


def alert_buckets(times: list[datetime], start: datetime, step: timedelta) -> list[tuple[datetime, int]]:
    """(interval start, alerts in it) for every interval from ``start`` through the last alert."""
    if not times:
        return []
    counts: dict[int, int] = {}
    for t in times:
        index = max(0, int((t - start) / step))
        counts[index] = counts.get(index, 0) + 1
    return [(start + i * step, counts.get(i, 0)) for i in range(max(counts) + 1)]


def chart_events(record: dict) -> dict[str, list[datetime]]:
    """The times the chart shows, from a report record."""
    alerts = record.get("alert_times") or [a.get("received_at") for a in record.get("alerts", [])]
    statements = record.get("statements", [])
    return {
        "alerts": sorted(t for t in map(when, alerts) if t),
        "decisions": sorted(t for t in (when(d.get("decided_at")) for d in record.get("decisions", [])) if t),
        "drafts": sorted(t for t in (when(v.get("created_at")) for s in statements for v in s.get("versions", []))
                         if t),
        "approved": sorted(t for t in (when(s.get("approved_at")) for s in statements) if t),
    }


def timeline_png(record: dict, tz: str = "UTC") -> bytes:
    """Render the chart of an incident's record as PNG bytes (thread-safe: no pyplot state)."""
    # matplotlib is loaded on the first report, not with the bot: it is large and most processes never chart.
    from matplotlib import dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    events = chart_events(record)
    incident = record["incident"]
    lang = language_of(incident.get("language"))
    start = when(incident.get("created_at")) or utcnow()
    every = [t for times in events.values() for t in times]
    start = min([start, *every])
    end = max([when(incident.get("closed_at")) or start, *every, start + timedelta(minutes=10)])
    step = bucket_size(end - start)
    local = zone(tz)

    figure = Figure(figsize=(9, 3.2), dpi=100)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot(1, 1, 1)
    buckets = alert_buckets(events["alerts"], start, step)
    if buckets:
        ax.bar([b[0] + step / 2 for b in buckets], [b[1] for b in buckets], width=step * 0.9, color="#9db4d6",
               label=say(lang, "chart.alerts_per", minutes=int(step.total_seconds() // 60)))
    top = max([b[1] for b in buckets] or [1])
    markers = [("decisions", "D", "#2a7d4f", say(lang, "chart.decision")),
               ("drafts", "o", "#c77d12", say(lang, "chart.draft")),
               ("approved", "*", "#b3261e", say(lang, "chart.approved"))]
    for offset, (key, marker, colour, label) in enumerate(markers):
        if events[key]:
            ax.plot(events[key], [top * (1.08 + 0.08 * offset)] * len(events[key]), linestyle="none", marker=marker,
                    markersize=9, color=colour, label=label)
    ax.set_ylim(0, top * 1.6)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(start, end)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=local))
    ax.set_ylabel(say(lang, "chart.alerts"))
    title = str(incident.get("title") or "").replace("$", r"\$")
    ax.set_title(say(lang, "chart.title", id=incident.get("id"), title=title[:70]), fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", fontsize=8, ncols=4, frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
