"""Signals over per-minute counts and the posts of a window: pure functions, no clock, no database.

Volume: the mentions of the last ``window`` minutes against what the same time of day brought on the
previous days (weekdays against weekdays, weekends against weekends when there are enough of them), each
day's figure smoothed over half an hour either side; the median of those days is the expectation (robust
to past spikes) and their spread (median absolute deviation) widens the Poisson noise. Only the last week
counts, so slow growth moves the baseline with it. An alert needs a z-score above the threshold, a ratio
above ``min_ratio`` and at least ``min_mentions``: a statistical threshold, not a fixed count.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.severity import ORDER, Severity

DAY = 1440
SMOOTH = 30  # minutes either side of the window taken from each previous day
HISTORY_DAYS = 7
COLD_START_MINUTES = 12 * 60  # without a previous day: the last 12 hours, flat


@dataclass(frozen=True)
class Baseline:
    expected: float  # mentions expected in the window
    spread: float  # robust standard deviation of that expectation across days
    days: int  # previous days it is built on (0: the last hours, no daily rhythm yet)


@dataclass(frozen=True)
class Finding:
    """One signal that fires: which, the playbook kind it asks for, how severe, and its figures."""

    signal: str
    kind: str
    severity: Severity
    summary: str
    figures: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Post:
    """What detection needs of a stored mention."""

    text: str
    platform: str
    followers: int
    engagement: int
    minutes_old: float
    url: str | None = None


def _is_weekend(moment: datetime) -> bool:
    return moment.weekday() >= 5


def baseline(counts: Sequence[float], end: datetime, window: int, history_days: int = HISTORY_DAYS) -> Baseline | None:
    """The expected count of the ``window`` minutes ending with ``counts[-1]`` (the minute before ``end``).

    ``counts`` are per-minute mentions, oldest first, the last one the latest complete minute. None when
    fewer than three hours of history exist.
    """
    n = len(counts)
    values: list[tuple[float, bool]] = []
    for day in range(1, history_days + 1):
        stop = n - day * DAY
        lo, hi = stop - window - SMOOTH, stop + SMOOTH
        if lo < 0:
            break
        rate = sum(counts[lo:hi]) / (hi - lo)
        values.append((rate * window, _is_weekend(end - timedelta(days=day))))
    if values:
        same = [v for v, weekend in values if weekend == _is_weekend(end)]
        chosen = same if len(same) >= 2 else [v for v, _ in values]
        expected = statistics.median(chosen)
        deviations = [abs(v - expected) for v in chosen]
        spread = 1.4826 * statistics.median(deviations) if len(chosen) >= 3 else 0.25 * expected
        return Baseline(expected, spread, len(chosen))
    history = counts[max(0, n - window - COLD_START_MINUTES):n - window]
    if len(history) < 180:
        return None
    expected = sum(history) / len(history) * window
    return Baseline(expected, 0.5 * expected, 0)


def z_score(observed: float, base: Baseline) -> float:
    """How far ``observed`` is above the baseline, in standard deviations (Poisson noise plus the days' spread)."""
    return (observed - base.expected) / math.sqrt(base.expected + base.spread ** 2 + 1.0)


def volume_severity(ratio: float) -> Severity:
    """low at 2x the baseline, medium at 3x, high at 5x, critical at 10x."""
    if ratio >= 10:
        return Severity.CRITICAL
    if ratio >= 5:
        return Severity.HIGH
    if ratio >= 3:
        return Severity.MEDIUM
    return Severity.LOW


def volume(counts: Sequence[float], end: datetime, *, window: int, z: float, min_ratio: float, min_mentions: int,
           kind: str = "shitstorm") -> Finding | None:
    """A volume spike in the last ``window`` minutes, or None."""
    base = baseline(counts, end, window)
    if base is None:
        return None
    observed = float(sum(counts[-window:]))
    score = z_score(observed, base)
    ratio = observed / max(base.expected, 1.0)
    if observed < min_mentions or ratio < min_ratio or score < z:
        return None
    return Finding("volume", kind, volume_severity(ratio),
                   f"{observed:.0f} mentions in {window} min, {ratio:.1f}x the baseline of {base.expected:.1f} "
                   f"for this time of day (z {score:.1f})",
                   {"mentions": observed, "baseline": round(base.expected, 2), "ratio": round(ratio, 2),
                    "z": round(score, 2), "window_minutes": window})


def negative_share(negative: int, scored: int, *, share: float, min_mentions: int,
                   kind: str = "shitstorm") -> Finding | None:
    """Too large a share of negative posts among those scored (at least ``min_mentions``), or None."""
    if scored < min_mentions:
        return None
    value = negative / scored
    if value < share:
        return None
    severity = Severity.HIGH if value >= 0.6 else Severity.MEDIUM
    return Finding("negative", kind, severity, f"{value:.0%} of {scored} scored mentions are negative",
                   {"negative_share": round(value, 3), "scored": scored, "negative": negative})


def reach(posts: Sequence[Post], *, followers: int, engagement_per_minute: float,
          kind: str = "viral-complaint") -> Finding | None:
    """A post from an account above ``followers``, or one gathering engagement fast, or None."""
    loud = [p for p in posts if p.followers >= followers]
    fast = [p for p in posts if p.engagement / max(p.minutes_old, 1.0) >= engagement_per_minute]
    if not loud and not fast:
        return None
    top_followers = max((p.followers for p in loud), default=0)
    top_velocity = max((p.engagement / max(p.minutes_old, 1.0) for p in fast), default=0.0)
    big = top_followers >= 10 * followers or top_velocity >= 10 * engagement_per_minute
    parts = []
    if loud:
        parts.append(f"{len(loud)} post(s) from accounts above {followers:,} followers (the largest {top_followers:,})")
    if fast:
        parts.append(f"a post gathering {top_velocity:.0f} engagements per minute")
    return Finding("reach", kind, Severity.HIGH if big else Severity.MEDIUM, "; ".join(parts),
                   {"max_followers": top_followers, "max_engagement_per_minute": round(top_velocity, 1)})


def lift(findings: list[Finding], risky: int, min_posts: int) -> list[Finding]:
    """Risk terms in at least ``min_posts`` posts of the window raise each finding one level."""
    if risky < min_posts:
        return findings
    return [Finding(f.signal, f.kind, ORDER[min(f.severity.rank + 1, len(ORDER) - 1)],
                    f"{f.summary}; {risky} posts carry risk terms", {**f.figures, "risk_posts": risky})
            for f in findings]


def top_posts(posts: Sequence[Post], limit: int = 3) -> list[Post]:
    """The posts that matter most: by reach (followers) and engagement."""
    return sorted(posts, key=lambda p: (p.followers + 20 * p.engagement), reverse=True)[:limit]
