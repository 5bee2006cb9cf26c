"""The report's timeline chart (PNG): the mention curve of the monitor that raised the incident (else alerts per
interval as bars), with decisions and statement events marked on it.

matplotlib is an optional extra (``pip install "warroom[charts]"``): without it ``timeline_png`` returns None and
the report shows its figure table instead.

The chart is drawn in a short-lived child process (``python -m app.reports.chart``, the chart's data on its
standard input, the PNG on its output): matplotlib takes about 45 MB once loaded, which a long-running worker
would keep for every later report. A chart that cannot be drawn raises ``ChartError`` with the child's reason."""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
from datetime import datetime, timedelta
from typing import Any

from app import children
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
    """Whether the chart can be drawn (matplotlib, the optional ``charts`` extra, is installed), without loading it."""
    try:
        return importlib.util.find_spec("matplotlib") is not None
    except (ImportError, ValueError):
        return False


CHART_TIMEOUT = 120.0  # seconds the child may take (it loads matplotlib: a second or two on a busy machine)
NO_MATPLOTLIB = 3  # the child's exit status when matplotlib cannot be imported there


class ChartError(RuntimeError):
    """The chart could not be drawn; the message says why."""


def chart_input(record: dict) -> dict[str, Any]:
    """What the chart shows of a report record, as JSON-ready data for the child process."""
    incident = record["incident"]
    return {
        "incident": {key: incident.get(key) for key in ("id", "title", "language", "created_at", "closed_at")},
        "events": {name: [t.isoformat() for t in times] for name, times in chart_events(record).items()},
        "mentions": record.get("mentions") or {},
    }


def _json_default(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def timeline_png(record: dict, tz: str = "UTC") -> bytes | None:
    """The chart of an incident's record as PNG bytes, drawn in a child process; None without matplotlib.

    Raises ChartError when the child fails or takes longer than ``CHART_TIMEOUT``."""
    if not available():
        return None
    payload = json.dumps({"chart": chart_input(record), "tz": tz}, default=_json_default).encode()
    try:
        done = children.run_module("app.reports.chart", stdin=payload, timeout=CHART_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise ChartError(f"the chart was not drawn within {CHART_TIMEOUT:.0f} s") from exc
    except OSError as exc:
        raise ChartError(f"the chart's process could not start: {exc}") from exc
    if done.returncode == NO_MATPLOTLIB:
        return None
    if done.returncode != 0 or not done.stdout:
        lines = done.stderr.decode(errors="replace").strip().splitlines()
        raise ChartError(f"the chart could not be drawn (exit status {done.returncode}): "
                         f"{lines[-1] if lines else 'no output'}")
    return done.stdout


def draw_png(data: dict[str, Any], tz: str = "UTC") -> bytes | None:
    """Render the chart of ``chart_input``'s data as PNG bytes (no pyplot state); None without matplotlib.

    Runs in the chart's child process (``timeline_png``), never in the bot's own processes."""
    try:
        from matplotlib import dates as mdates
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return None

    events = {name: [t for t in map(when, times) if t] for name, times in data["events"].items()}
    incident = data["incident"]
    lang = language_of(incident.get("language"))
    start = when(incident.get("created_at")) or utcnow()
    points = [(when(b["at"]), int(b["mentions"])) for b in (data.get("mentions") or {}).get("buckets", [])]
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
        minutes = int((data.get("mentions") or {}).get("bucket_minutes") or 15)
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


def main() -> int:
    """The child process: the chart's data as JSON on standard input, the PNG on standard output."""
    request = json.loads(sys.stdin.buffer.read())
    png = draw_png(request["chart"], request.get("tz") or "UTC")
    if png is None:
        return NO_MATPLOTLIB
    sys.stdout.buffer.write(png)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
