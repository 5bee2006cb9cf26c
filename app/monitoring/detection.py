"""Signals over per-minute counts and the posts of a window: pure functions, no clock, no database.

Volume: the mentions of the last ``window`` minutes against what the same time of day brought on the
previous days (weekdays against weekdays, weekends against weekends when there are enough of them), each
day's figure smoothed over half an hour either side. The median of those days is the expectation (robust
to past spikes); only the last week counts, so slow growth moves the baseline with it. The windows around
that time on those days also show how bursty the stream is beyond Poisson noise; the probability of the
observed count under Poisson counts with that log-normal burstiness is the statistical threshold (as
standard deviations, ``z``), together with a ratio above ``min_ratio`` and at least ``min_mentions``.
"""

from __future__ import annotations

import itertools
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
VELOCITY_MINUTES = 5.0
BURST_DAYS = 3  # days of history the burstiness is measured on
LOCAL = 60  # minutes either side of a window that make its local level
MIN_NOISE = 0.1  # the least burstiness assumed beyond Poisson
COLD_START_NOISE = 0.5  # without previous days the baseline is rough: assume much noise
_NORMAL = statistics.NormalDist()
_Z90 = _NORMAL.inv_cdf(0.9)
_GRID = [(z / 4, _NORMAL.pdf(z / 4) / 4) for z in range(-24, 25)]  # standard normal quantiles and weights


@dataclass(frozen=True)
class Baseline:
    expected: float  # mentions expected in the window
    noise: float  # the bursts beyond Poisson: standard deviation of the log of the window's rate
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


class Series:
    """Per-minute counts with prefix sums, so that any window's total costs one subtraction (long replays)."""

    def __init__(self, counts: Sequence[float], *, _prefix: list[float] | None = None, _start: int = 0,
                 _stop: int | None = None) -> None:
        self._prefix = _prefix if _prefix is not None else [0.0, *itertools.accumulate(float(c) for c in counts)]
        self._start = _start
        self._stop = len(self._prefix) - 1 if _stop is None else _stop

    def __len__(self) -> int:
        return self._stop - self._start

    def total(self, lo: int, hi: int) -> float:
        return self._prefix[self._start + hi] - self._prefix[self._start + lo]

    def view(self, start: int, stop: int) -> Series:
        """The minutes ``start`` to ``stop`` (exclusive) of this series, sharing its sums."""
        return Series((), _prefix=self._prefix, _start=self._start + start, _stop=self._start + stop)


def _total(counts: Sequence[float] | Series, lo: int, hi: int) -> float:
    if isinstance(counts, Series):
        return counts.total(lo, hi)
    return float(sum(counts[lo:hi]))


def _is_weekend(moment: datetime) -> bool:
    return moment.weekday() >= 5


def baseline(counts: Sequence[float] | Series, end: datetime, window: int, history_days: int = HISTORY_DAYS,
             noise: float | None = None) -> Baseline | None:
    """The expected count of the ``window`` minutes ending with ``counts[-1]`` (the minute before ``end``).

    ``counts`` are per-minute mentions, oldest first, the last one the latest complete minute. ``noise``
    is the stream's burstiness (``burstiness``, computed here unless given). None with under three hours
    of history.
    """
    n = len(counts)
    days: list[tuple[float, bool]] = []
    for day in range(1, history_days + 1):
        stop = n - day * DAY
        lo, hi = stop - window - SMOOTH, stop + SMOOTH
        if lo < 0:
            break
        days.append((_total(counts, lo, hi) / (hi - lo) * window, _is_weekend(end - timedelta(days=day))))
    if days:
        same = [value for value, weekend in days if weekend == _is_weekend(end)]
        chosen = same if len(same) >= 2 else [value for value, _ in days]
        expected = statistics.median(chosen)
        return Baseline(expected, burstiness(counts, window) if noise is None else noise, len(chosen))
    first = max(0, n - window - COLD_START_MINUTES)
    if n - window - first < 180:
        return None
    expected = _total(counts, first, n - window) / (n - window - first) * window
    return Baseline(expected, COLD_START_NOISE, 0)


def burstiness(counts: Sequence[float] | Series, window: int, days: int = BURST_DAYS) -> float:
    """How much the stream's rate varies beyond Poisson from one ``window`` to the next, as the standard
    deviation of its log: each window of the last ``days`` days against the hour around it. The upper tail
    is what raises false alarms, so the spread is read from the 90th percentile, not the middle."""
    n = len(counts)
    residuals, poisson = [], []
    for start in range(max(LOCAL, n - days * DAY), n - window - LOCAL, window):
        local = _total(counts, start - LOCAL, start + window + LOCAL) / (window + 2 * LOCAL) * window
        if local <= 0:
            continue
        residuals.append(math.log((_total(counts, start, start + window) + 0.5) / (local + 0.5)))
        poisson.append(1 / (local + 0.5))
    if len(residuals) < 30:
        return COLD_START_NOISE
    quantiles = statistics.quantiles(residuals, n=10)
    spread = (quantiles[-1] - quantiles[4]) / _Z90
    return math.sqrt(max(spread ** 2 - statistics.fmean(poisson), MIN_NOISE ** 2))  # less the Poisson part


def _poisson_tail(x: int, mean: float) -> float:
    """P(X >= x) for X ~ Poisson(mean)."""
    if x <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    if mean > 400:  # Wilson-Hilferty: the cube root of a Poisson count is nearly normal
        k = x - 0.5
        z = (1 - 1 / (9 * mean) - (k / mean) ** (1 / 3)) / (1 / (3 * math.sqrt(mean))) if k > 0 else -math.inf
        return _NORMAL.cdf(z)
    term = math.exp(-mean + x * math.log(mean) - math.lgamma(x + 1))
    if x > mean:  # the tail's terms fall quickly: sum them
        total, k = 0.0, x
        while term > total * 1e-12 and k < x + 10_000:
            total += term
            k += 1
            term *= mean / k
        return min(total, 1.0)
    below, k, term = 0.0, x - 1, term * x / mean  # pmf(x - 1)
    while k >= 0 and term > below * 1e-14:
        below += term
        term *= k / mean if k else 0.0
        k -= 1
    return max(1.0 - below, 0.0)


def tail(observed: float, base: Baseline) -> float:
    """P(at least ``observed`` mentions) under the baseline: Poisson counts whose rate varies log-normally
    by the baseline's noise (integrated over a grid of the rate's quantiles)."""
    x = int(math.ceil(observed))
    total = 0.0
    for z, weight in _GRID:
        total += weight * _poisson_tail(x, base.expected * math.exp(base.noise * z - base.noise ** 2 / 2))
    return min(total, 1.0)


def z_score(observed: float, base: Baseline) -> float:
    """The tail probability of ``observed`` as standard deviations of a normal distribution (5 is 1 in 3.5 m)."""
    p = tail(observed, base)
    return math.inf if p <= 1e-300 else -_NORMAL.inv_cdf(min(p, 0.5))


def volume_severity(ratio: float) -> Severity:
    """low at 2x the baseline, medium at 3x, high at 5x, critical at 10x."""
    if ratio >= 10:
        return Severity.CRITICAL
    if ratio >= 5:
        return Severity.HIGH
    if ratio >= 3:
        return Severity.MEDIUM
    return Severity.LOW


def volume(counts: Sequence[float] | Series, end: datetime, *, window: int, z: float, min_ratio: float,
           min_mentions: int, kind: str = "shitstorm", noise: float | None = None) -> Finding | None:
    """A volume spike in the last ``window`` minutes, or None (``noise``: the burstiness, if known)."""
    observed = _total(counts, len(counts) - window, len(counts))
    if observed < min_mentions:
        return None
    base = baseline(counts, end, window, noise=noise)
    if base is None:
        return None
    ratio = observed / max(base.expected, 1.0)
    if ratio < min_ratio:
        return None
    score = z_score(observed, base)
    if score < z:
        return None
    return Finding("volume", kind, volume_severity(ratio),
                   f"{observed:.0f} mentions in {window} min, {ratio:.1f}x the baseline of {base.expected:.1f} "
                   f"for this time of day (z {min(score, 99):.1f})",
                   {"mentions": observed, "baseline": round(base.expected, 2), "ratio": round(ratio, 2),
                    "z": round(min(score, 99.0), 2), "window_minutes": window})


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


def velocity(post: Post) -> float:
    """Engagements per minute since the post was written, over at least ``VELOCITY_MINUTES`` (a post's first
    minute says little)."""
    return post.engagement / max(post.minutes_old, VELOCITY_MINUTES)


def reach(posts: Sequence[Post], *, followers: int, engagement_per_minute: float,
          kind: str = "viral-complaint") -> Finding | None:
    """A post from an account above ``followers``, or one gathering engagement fast, or None.

    The caller passes the posts that can matter in a crisis: negative ones or ones carrying risk terms.
    """
    loud = [p for p in posts if p.followers >= followers]
    fast = [p for p in posts if velocity(p) >= engagement_per_minute]
    if not loud and not fast:
        return None
    top_followers = max((p.followers for p in loud), default=0)
    top_velocity = max((velocity(p) for p in fast), default=0.0)
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
