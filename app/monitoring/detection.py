"""Signals over per-minute counts and the posts of a window: pure functions, no clock, no database.

Volume: the mentions of the last ``window`` minutes against what the same time of day brought on the
previous days (weekdays against weekdays, weekends against weekends when there are enough of them), each
day's figure smoothed over half an hour either side (up to two hours on a quiet stream, so that each
day's figure rests on at least 30 mentions). The median of those days is the expectation (robust
to past spikes); only the last week counts, so slow growth moves the baseline with it. The windows around
that time on those days also show how bursty the stream is beyond Poisson noise; the probability of the
observed count under Poisson counts with that log-normal burstiness is the statistical threshold (as
standard deviations, ``z``), together with a ratio above ``min_ratio`` and at least ``min_mentions``.

Build-up: a spike that grows over an hour is small in any one window. The build-up test scans the runs of the
last 2 to 12 windows ending now (a likelihood-ratio scan over sliding windows, in its normal form) and takes
the largest excess over the baseline in standard deviations, counting Poisson noise, the burstiness, and the
baseline's own error, which all windows of a run share. A rise that is modest but steady stands out over a
run long before one window would. Both tests take their thresholds from a false-alarm budget (alarms per
quiet week) by the union bound over a week's independent chances.

Negative posts: a storm of criticism is mostly negative, so the negative posts' own per-minute count rises several
times over while all mentions have only begun to; ``negative_volume`` runs the same two tests on it.
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
SMOOTHING = (SMOOTH, 60, 120)  # wider when a day's figure would hold fewer than ENOUGH mentions
SMOOTH_MAX = SMOOTHING[-1]
ENOUGH = 30
HISTORY_DAYS = 7
COLD_START_MINUTES = 12 * 60  # without a previous day: the last 12 hours, flat
VELOCITY_MINUTES = 5.0
BURST_DAYS = 3  # days of history the burstiness is measured on
LOCAL = 60  # minutes either side of a window that make its local level
MIN_NOISE = 0.1  # the least burstiness assumed beyond Poisson
QUIET_LEVEL = 8.0  # mentions a window under which Poisson noise hides the bursts: they cannot be measured
QUIET_NOISE = 0.25  # the burstiness assumed then (what the busier streams show)
COLD_START_NOISE = 0.5  # without previous days the baseline is rough: assume much noise
_NORMAL = statistics.NormalDist()
_Z90 = _NORMAL.inv_cdf(0.9)
_GRID = [(z / 4, _NORMAL.pdf(z / 4) / 4) for z in range(-24, 25)]  # standard normal quantiles and weights
_COARSE = [(z / 2, _NORMAL.pdf(z / 2) / 2) for z in range(-8, 9)]  # enough for scores within a few sigma
_CEILING = [(z, w) for z, w in _COARSE if z in (0.0, 1.0, 2.0)]
EXACT_BELOW = 20.0  # expected mentions a window under which scores use exact Poisson tails
ROUGH_MARGIN = 3.5  # how far the rough score may fall short of the exact one on small counts


WEEK = 7 * DAY
NEGATIVE_HISTORY = 30  # negative posts the history needs before their own count is watched
BUILDUP_STEPS = 12  # windows the build-up test looks back over (two hours of 10-minute windows)


@dataclass(frozen=True)
class Baseline:
    expected: float  # mentions expected in the window
    noise: float  # the bursts beyond Poisson: standard deviation of the log of the window's rate
    days: int  # previous days it is built on (0: the last hours, no daily rhythm yet)
    uncertainty: float = 0.0  # standard deviation of the log of ``expected`` itself (few days, few counts)

    @property
    def spread(self) -> float:
        """The log-normal spread of the window's rate: burstiness and the baseline's own uncertainty."""
        return math.sqrt(self.noise ** 2 + self.uncertainty ** 2)


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
    for smooth in SMOOTHING:
        days: list[tuple[float, bool, float]] = []
        for day in range(1, history_days + 1):
            stop = n - day * DAY
            lo, hi = stop - window - smooth, stop + smooth
            if lo < 0:
                break
            seen = _total(counts, lo, hi)
            days.append((seen / (hi - lo) * window, _is_weekend(end - timedelta(days=day)), seen))
        if not days:
            break
        same = [(value, seen) for value, weekend, seen in days if weekend == _is_weekend(end)]
        chosen = same if len(same) >= 2 else [(value, seen) for value, _, seen in days]
        if statistics.median(seen for _, seen in chosen) < ENOUGH and smooth != SMOOTHING[-1]:
            continue  # too few mentions a day for a steady figure: take more of the day around it
        expected = statistics.median(value for value, _ in chosen)
        noise = burstiness(counts, window) if noise is None else noise
        spread = _uncertainty([seen for _, seen in chosen], window + 2 * smooth, window, noise)
        return Baseline(expected, noise, len(chosen), spread)
    first = max(0, n - window - COLD_START_MINUTES)
    if n - window - first < 180:
        return None
    expected = _total(counts, first, n - window) / (n - window - first) * window
    return Baseline(expected, COLD_START_NOISE, 0)


def _uncertainty(totals: list[float], span: int, window: int, noise: float) -> float:
    """Standard deviation of the log of a median of daily figures: each day's figure varies by its Poisson count
    and by the bursts of the ``span`` minutes it covers; a median of m costs pi/2 over a mean."""
    spans = span / window
    per_day = statistics.fmean(1 / (t + 0.5) for t in totals) + noise ** 2 / spans
    return math.sqrt(math.pi / 2 * per_day / len(totals))


def burstiness(counts: Sequence[float] | Series, window: int, days: int = BURST_DAYS) -> float:
    """How much the stream's rate varies beyond Poisson from one ``window`` to the next, as the standard
    deviation of its log: each window of the last ``days`` days against the hour around it.

    On the Anscombe scale (2 sqrt(count + 3/8)) a Poisson count varies by 1 whatever its mean, and a rate that
    varies by ``noise`` adds ``noise**2 * mean``: the noise is the one that puts 10 % of the windows above
    1.28 standard deviations (the upper tail raises false alarms; a quantile is not moved by a past spike).
    Below ``QUIET_LEVEL`` mentions a window (the median) the Poisson noise hides bursts of the usual size, so
    at least ``QUIET_NOISE`` is assumed; above it, at least ``MIN_NOISE``.
    """
    n = len(counts)
    residuals, levels = [], []
    for start in range(max(LOCAL, n - days * DAY), n - window - LOCAL, window):
        local = _total(counts, start - LOCAL, start + window + LOCAL) / (window + 2 * LOCAL) * window
        if local <= 0:
            continue
        residuals.append(_anscombe(_total(counts, start, start + window)) - _anscombe(local))
        levels.append(local)
    if len(residuals) < 30:
        return COLD_START_NOISE
    floor = QUIET_NOISE if statistics.median(levels) < QUIET_LEVEL else MIN_NOISE
    centre = statistics.median(residuals)
    above = len(residuals) // 10

    def excess(noise: float) -> int:  # windows above 1.28 standard deviations, less the 10 % expected
        return sum((r - centre) / math.sqrt(1 + noise * noise * level) > _Z90
                   for r, level in zip(residuals, levels, strict=True)) - above

    lo, hi = 0.0, 3.0
    if excess(lo) <= 0:
        return floor
    for _ in range(20):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if excess(mid) > 0 else (lo, mid)
    return max(hi, floor)


def _anscombe(count: float) -> float:
    return 2 * math.sqrt(count + 0.375)


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


def tail(observed: float, base: Baseline, grid: Sequence[tuple[float, float]] = _GRID) -> float:
    """P(at least ``observed`` mentions) under the baseline: Poisson counts whose rate varies log-normally
    by the baseline's spread (integrated over a grid of the rate's quantiles)."""
    x = int(math.ceil(observed))
    spread = base.spread
    total = 0.0
    for z, weight in grid:
        total += weight * _poisson_tail(x, base.expected * math.exp(spread * z - spread ** 2 / 2))
    return min(total, 1.0)


def z_score(observed: float, base: Baseline) -> float:
    """The tail probability of ``observed`` as standard deviations of a normal distribution (5 is 1 in 3.5 m)."""
    p = tail(observed, base)
    return math.inf if p <= 1e-300 else -_NORMAL.inv_cdf(min(p, 0.5))


def rough(observed: float, base: Baseline) -> float:
    """A cheap first look at ``score`` on the Anscombe scale (a Poisson count varies by about 1 there, a log-normal
    rate adds ``spread**2 * expected``); on small counts it may fall short of the exact score by ``ROUGH_MARGIN``."""
    spread = base.spread
    return (_anscombe(observed) - _anscombe(base.expected)) / math.sqrt(1 + spread * spread * base.expected)


def score(observed: float, base: Baseline) -> float:
    """How unusual ``observed`` is, as a standard normal score: about N(0, 1) when the baseline holds, negative
    below it. Below ``EXACT_BELOW`` expected mentions the mid-p tail probability of the Poisson counts with a
    log-normal rate; above, on the log scale, where the rate's bursts are normal and the Poisson part nearly so
    (a large count is then judged by the bursts' own skewed tail, not a symmetric one)."""
    if base.expected >= EXACT_BELOW:
        spread = base.spread
        variance = spread * spread + 1 / (base.expected + 0.5)
        found = (math.log((observed + 0.5) / (base.expected + 0.5)) + spread * spread / 2) / math.sqrt(variance)
    else:
        x = int(math.ceil(observed))
        p = (tail(x, base, _COARSE) + tail(x + 1, base, _COARSE)) / 2
        found = -_NORMAL.inv_cdf(min(max(p, 1e-300), 1 - 1e-12))
    return max(-4.0, min(found, 37.0))


def ceiling(observed: float, base: Baseline) -> float:
    """A cheap upper bound of ``score``: below ``EXACT_BELOW`` its mid-p tail probability is at least the tail of
    ``observed + 1`` at any one point of its grid of rates, weighted (three points instead of the grid)."""
    if base.expected >= EXACT_BELOW:
        return score(observed, base)
    x = int(math.ceil(observed)) + 1
    spread = base.spread
    p = max(weight * _poisson_tail(x, base.expected * math.exp(spread * z - spread ** 2 / 2))
            for z, weight in _CEILING)
    return max(-4.0, min(-_NORMAL.inv_cdf(min(max(p, 1e-300), 1 - 1e-12)), 37.0))


def burst_z(false_alarms_per_week: float, evaluations_per_week: int = WEEK) -> float:
    """The burst test's threshold: evaluated once a minute, a week of quiet minutes raises at most
    ``false_alarms_per_week`` alarms when each is this unlikely (the union bound)."""
    return -_NORMAL.inv_cdf(false_alarms_per_week / evaluations_per_week)


def buildup_z(false_alarms_per_week: float, window: int, steps: int = BUILDUP_STEPS) -> float:
    """The build-up test's threshold. It is read every minute over runs of 2 to ``steps`` windows; a run of
    ``n`` windows decorrelates from the next reading it is independent of over its own length, so a quiet week
    offers about sum(WEEK / (n * window)) independent chances, each this unlikely (the union bound)."""
    chances = sum(WEEK / (n * window) for n in range(2, steps + 1))
    return -_NORMAL.inv_cdf(false_alarms_per_week / chances)


@dataclass(frozen=True)
class Buildup:
    statistic: float  # the largest standardised excess over the runs ending now
    minutes: int  # the run it was found on
    observed: float  # mentions in that run
    expected: float  # the baseline for it
    latest: float  # mentions in the last window
    latest_expected: float


def buildup(counts: Sequence[float] | Series, end: datetime, *, window: int, noise: float | None = None,
            steps: int = BUILDUP_STEPS, cache: dict | None = None, at_least: float | None = None) -> Buildup | None:
    """The largest excess of the last 2 to ``steps`` windows of ``window`` minutes over their baseline, as a normal
    score (``score``): Poisson counts, each window's rate varying by the burstiness, and the baseline's own
    error shared by all of them (it comes from the same days, so it does not average out over a run).

    ``cache`` (keyed by a window's end as an index into ``counts`` and the noise) spares rescoring the windows a
    replay has seen. With ``at_least``, runs whose rough score (``rough``) is far below it keep that score, and
    runs whose ``ceiling`` is below it keep that, rather than the exact one (the answer to "is any run above
    ``at_least``" is the same, at a fraction of the cost). None with too little history for a baseline.
    """
    n = len(counts)
    noise = burstiness(counts, window) if noise is None else noise
    windows: list[tuple[float, float, float]] = []  # newest first: (seen, expected, uncertainty)
    for back in range(steps):
        stop = n - back * window
        if stop - window < 0:
            break
        key = (stop, window, noise)
        entry = cache.get(key) if cache is not None else None
        if entry is None:
            part = counts.view(0, stop) if isinstance(counts, Series) else counts[:stop]
            base = baseline(part, end - timedelta(minutes=back * window), window, noise=noise)
            if base is None:
                break
            entry = (_total(counts, stop - window, stop), base.expected, base.uncertainty)
            if cache is not None:
                cache[key] = entry
        windows.append(entry)
    if len(windows) < 2:
        return None
    best: Buildup | None = None
    seen = wanted = bursts = 0.0
    shared = windows[0][2]
    for length, (count, expected, _) in enumerate(windows, start=1):
        seen += count
        wanted += expected
        bursts += (noise * expected) ** 2
        if length < 2 or wanted <= 0:
            continue
        # the run's count: Poisson with a rate that varies by the bursts (independent per window) and by the
        # baseline's shared error, as one log-normal spread
        spread = math.sqrt(bursts + (shared * wanted) ** 2) / wanted
        run = Baseline(wanted, spread, 0)
        statistic = rough(seen, run)
        if at_least is None or statistic >= at_least - ROUGH_MARGIN:
            statistic = ceiling(seen, run)
            if at_least is None or statistic >= at_least:
                statistic = score(seen, run)
        if best is None or statistic > best.statistic:
            best = Buildup(statistic, length * window, seen, wanted, windows[0][0], windows[0][1])
    return best


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
           min_mentions: int, kind: str = "shitstorm", noise: float | None = None, h: float | None = None,
           cache: dict | None = None) -> Finding | None:
    """A volume spike in the last ``window`` minutes (burst test, threshold ``z``) or building up over the last
    hours (a scan over runs of windows, threshold ``h`` in standard deviations; none when None), or None.
    ``noise``: the burstiness, if known."""
    observed = _total(counts, len(counts) - window, len(counts))
    base = baseline(counts, end, window, noise=noise)
    if base is None:
        return None
    ratio = observed / max(base.expected, 1.0)
    if observed >= min_mentions and ratio >= min_ratio and rough(observed, base) >= z - ROUGH_MARGIN:
        found = z_score(observed, base)
        if found >= z:
            return Finding("volume", kind, volume_severity(ratio),
                           f"{observed:.0f} mentions in {window} min, {ratio:.1f}x the baseline of "
                           f"{base.expected:.1f} for this time of day (z {min(found, 99):.1f})",
                           {"mentions": observed, "baseline": round(base.expected, 2), "ratio": round(ratio, 2),
                            "z": round(min(found, 99.0), 2), "window_minutes": window})
    if h is None:
        return None
    if cache is not None:  # the newest window's baseline is the one just computed
        cache.setdefault((len(counts), window, base.noise), (observed, base.expected, base.uncertainty))
    rise = buildup(counts, end, window=window, noise=base.noise, cache=cache, at_least=h)
    if rise is None or rise.statistic < h or rise.observed - rise.expected < min_mentions:
        return None
    latest_ratio = rise.latest / max(rise.latest_expected, 1.0)
    if latest_ratio < min_ratio:
        return None
    run_ratio = rise.observed / max(rise.expected, 1.0)
    return Finding("volume", kind, volume_severity(latest_ratio),
                   f"mentions building up for {rise.minutes} min: {rise.observed:.0f} against {rise.expected:.1f} "
                   f"expected ({run_ratio:.1f}x), the last {window} min {latest_ratio:.1f}x the baseline "
                   f"(z {min(rise.statistic, 99):.1f})",
                   {"mentions": rise.latest, "baseline": round(rise.latest_expected, 2),
                    "ratio": round(latest_ratio, 2), "z": round(min(rise.statistic, 99.0), 2),
                    "buildup_minutes": rise.minutes,
                    "buildup_mentions": rise.observed, "window_minutes": window})


def negative_volume(counts: Sequence[float] | Series, end: datetime, *, window: int, z: float, min_ratio: float,
                    min_mentions: int, kind: str = "shitstorm", noise: float | None = None, h: float | None = None,
                    cache: dict | None = None) -> Finding | None:
    """The same two tests as ``volume`` on the negative posts' own per-minute counts: a crisis brings mostly
    negative posts, so they rise several times over while all mentions have only begun to (at 15 % negative, a
    rise whose new posts are 60 % negative lifts the negative count 2.6 times as fast as all of them). A history
    with fewer than ``NEGATIVE_HISTORY`` negative posts (sentiment not scored, or a language it does not read)
    is no baseline: None."""
    if _total(counts, 0, len(counts)) - _total(counts, len(counts) - window, len(counts)) < NEGATIVE_HISTORY:
        return None
    found = volume(counts, end, window=window, z=z, min_ratio=min_ratio, min_mentions=min_mentions, kind=kind,
                   noise=noise, h=h, cache=cache)
    if found is None:
        return None
    return Finding("negative_volume", kind, found.severity, f"negative posts: {found.summary}", found.figures)


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
