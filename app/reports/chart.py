"""The report's timeline chart (PNG): the mention curve of the monitor that raised the incident (else alerts per
interval as bars), with decisions and statement events marked on it.

matplotlib is an optional extra (``pip install "warroom[charts]"``): without it ``timeline_png`` returns None and
the report shows its figure table instead."""

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


def on_curve(points: list[tuple[datetime, int]], moment: datetime) -> float:
    """The plotted curve's height at ``moment``: linear between its points (each in the middle of its interval)."""
    if moment <= points[0][0]:
        return float(points[0][1])
    for (t0, y0), (t1, y1) in zip(points, points[1:], strict=False):
        if t0 <= moment <= t1:
            return y0 + (y1 - y0) * ((moment - t0) / (t1 - t0) if t1 > t0 else 0.0)
    return float(points[-1][1])


def available() -> bool:
    """Whether the chart can be drawn (matplotlib, the optional ``charts`` extra, is installed)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def timeline_png(record: dict, tz: str = "UTC") -> bytes | None:
    """Render the chart of an incident's record as PNG bytes (thread-safe: no pyplot state); None without
    matplotlib."""
    # matplotlib is loaded on the first report, not with the bot: it is large and most processes never chart.
    try:
        from matplotlib import dates as mdates
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return None

    events = chart_events(record)
    incident = record["incident"]
    lang = language_of(incident.get("language"))
    start = when(incident.get("created_at")) or utcnow()
    points = [(when(b["at"]), int(b["mentions"])) for b in (record.get("mentions") or {}).get("buckets", [])]
    curve = [(t, n) for t, n in points if t is not None]
    every = [t for times in events.values() for t in times] + [t for t, _ in curve]
    start = min([start, *every])
    end = max([when(incident.get("closed_at")) or start, *every, start + timedelta(minutes=10)])
    step = bucket_size(end - start)
    local = zone(tz)

    figure = Figure(figsize=(9, 3.2), dpi=100)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot(1, 1, 1)
    if curve:
        minutes = int((record.get("mentions") or {}).get("bucket_minutes") or 15)
        half = timedelta(minutes=minutes) / 2
        xs, ys = [t + half for t, _ in curve], [n for _, n in curve]
        plotted = list(zip(xs, ys, strict=True))
        ax.plot(xs, ys, color="#3b6fb6", linewidth=2, label=say(lang, "chart.mentions_per", minutes=minutes))
        ax.fill_between(xs, ys, color="#9db4d6", alpha=0.35)
        if events["alerts"]:
            ax.plot(events["alerts"], [0] * len(events["alerts"]), linestyle="none", marker="|", markersize=12,
                    color="#555555", label=say(lang, "chart.alert"))
        top = max(ys or [1]) or 1
    else:
        buckets = alert_buckets(events["alerts"], start, step)
        if buckets:
            ax.bar([b[0] + step / 2 for b in buckets], [b[1] for b in buckets], width=step * 0.9, color="#9db4d6",
                   label=say(lang, "chart.alerts_per", minutes=int(step.total_seconds() // 60)))
        top = max([b[1] for b in buckets] or [1])
    markers = [("decisions", "D", "#2a7d4f", say(lang, "chart.decision")),
               ("drafts", "o", "#c77d12", say(lang, "chart.draft")),
               ("approved", "*", "#b3261e", say(lang, "chart.approved"))]
    for offset, (key, marker, colour, label) in enumerate(markers):
        if not events[key]:
            continue
        if curve:  # on the curve, so a team sees where in the storm each one fell
            ax.plot(events[key], [on_curve(plotted, t) for t in events[key]], linestyle="none", marker=marker,
                    markersize=9, color=colour, label=label, zorder=3)
        else:
            ax.plot(events[key], [top * (1.08 + 0.08 * offset)] * len(events[key]), linestyle="none",
                    marker=marker, markersize=9, color=colour, label=label)
        if key == "approved":
            for moment in events[key]:
                ax.axvline(moment, color=colour, linestyle="--", linewidth=1, alpha=0.7)
    ax.set_ylim(0, top * 1.6)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(start, end)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=local))
    ax.set_ylabel(say(lang, "chart.mentions" if curve else "chart.alerts"))
    title = str(incident.get("title") or "").replace("$", r"\$")
    ax.set_title(say(lang, "chart.title", id=incident.get("id"), title=title[:70]), fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", fontsize=8, ncols=4, frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
