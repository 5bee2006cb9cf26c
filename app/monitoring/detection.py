"""Signals over per-minute counts and the posts of a window: pure functions, no clock, no database.

Volume: the mentions of the last ``window`` minutes against what the same time of day brought on the
previous days (weekdays against weekdays, weekends against weekends when there are enough of them), each
day's figure smoothed over half an hour either side (up to two hours on a quiet stream, so that each
day's figure rests on at least 30 mentions). The median of those days is the expectation (robust
to past spikes); only the last week counts, so slow growth moves the baseline with it. The windows around
that time on those days also show how bursty the stream is beyond Poisson noise; the probability of the
observed count under Poisson counts with that log-normal burstiness is the statistical threshold (as
standard deviations, ``z``), together with a ratio above ``min_ratio`` and at least ``min_mentions``.

Change: a spike that grows over an hour is small in any one window. A one-sided CUSUM of the per-minute counts
against their own time-of-day baseline (``cusum``) sums the log-likelihood ratio of a rise to ``shift`` times the
baseline, divided by the overdispersion that keeps Wald's bound under the stream's bursts (``overdispersion``),
so that its threshold ``h`` follows from the false-alarm budget as log(average run length). A rise passes through
every size on its way up, and a CUSUM is quickest for the shift it is tuned to, so a small bank of them runs, one per
shift of ``SHIFTS``, the budget split evenly between them (``cusums``; Bonferroni on the alarm rate).

Negative posts: a storm of criticism is mostly negative, so the negative posts' own per-minute count rises several
times over while all mentions have only begun to; ``negative_volume`` runs the same two tests on it. In both
change detectors a post with a risk term may count more than once (``weighted``).
"""

from __future__ import annotations

import functools
import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.monitoring import wording
from app.severity import ORDER, Severity

DAY = 1440
SMOOTH = 30  # minutes either side of the window taken from each previous day
SMOOTHING = (SMOOTH, 60, 120)  # wider when a day's figure would hold fewer than ENOUGH mentions
SMOOTH_MAX = SMOOTHING[-1]
ENOUGH = 30
HISTORY_DAYS = 7
COLD_START_MINUTES = 12 * 60  # without a previous day: the last 12 hours, flat
VELOCITY_MINUTES = 5.0
BURST_DAYS = HISTORY_DAYS  # days of history the burstiness is measured on
LOCAL = 60  # minutes either side of a window that make its local level
MIN_NOISE = 0.1  # the least burstiness assumed beyond Poisson
QUIET_LEVEL = 8.0  # mentions a window under which Poisson noise hides the bursts: they cannot be measured
QUIET_NOISE = 0.25  # the burstiness assumed then (what the busier streams show)
COLD_START_NOISE = 0.5  # without previous days the baseline is rough: assume much noise
_NORMAL = statistics.NormalDist()
_Z90 = _NORMAL.inv_cdf(0.9)
_GRID = [(z / 4, _NORMAL.pdf(z / 4) / 4) for z in range(-24, 25)]  # standard normal quantiles and weights
_COARSE = [(z / 2, _NORMAL.pdf(z / 2) / 2) for z in range(-8, 9)]  # enough for scores within a few sigma
EXACT_BELOW = 20.0  # expected mentions a window under which scores use exact Poisson tails
DIVISOR_PRECISION = 1e-5  # the overdispersion's relative precision (the upper end: never below the least)
ROUGH_MARGIN = 3.5  # how far the rough score may fall short of the exact one on small counts


WEEK = 7 * DAY
NEGATIVE_HISTORY = 30  # negative posts the history needs before their own count is watched
SHIFT = 2.0  # the rise a single change detector is tuned for: twice the baseline
SHIFTS = (1.5, 2.0, 3.0, 5.0, 10.0)  # the bank of change detectors: the rises each is tuned for
CUSUM_LOOKBACK = 6 * 60  # minutes the change detector sums over at most


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
    phrase: str = ""  # the summary's phrase key in app/i18n.py (``monitor.*``), for rooms in other languages
    values: dict[str, float] = field(default_factory=dict)  # what the phrase is filled with


@dataclass(frozen=True)
class Post:
    """What detection needs of a stored mention."""

    text: str
    platform: str
    followers: int
    engagement: int
    minutes_old: float
    url: str | None = None
    negative: bool = False
    risky: bool = False  # carries one of the monitor's risk terms


NEEDS = ("negative-and-risky", "negative-or-risky", "negative", "risky")  # what a post needs to count for reach


def matters(post: Post, needs: str) -> bool:
    """Whether ``post`` carries what a reach signal ``needs`` (one of ``NEEDS``)."""
    if needs == "negative-and-risky":
        return post.negative and post.risky
    if needs == "negative-or-risky":
        return post.negative or post.risky
    return post.negative if needs == "negative" else post.risky


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
    1.28 standard deviations (the upper tail raises false alarms; a quantile is not moved by a past spike). A
    window's residual against a local level that includes it is smaller than against the true rate by
    sqrt(1 - window / (window + 2 LOCAL)): it is scaled back.
    Below ``QUIET_LEVEL`` mentions a window (the median) the Poisson noise hides bursts of the usual size, so
    at least ``QUIET_NOISE`` is assumed; above it, at least ``MIN_NOISE``.
    """
    n = len(counts)
    residuals, levels = [], []
    shrink = math.sqrt(1 - window / (window + 2 * LOCAL))  # the local level holds the window itself
    for start in range(max(LOCAL, n - days * DAY), n - window - LOCAL, window):
        local = _total(counts, start - LOCAL, start + window + LOCAL) / (window + 2 * LOCAL) * window
        if local <= 0:
            continue
        residuals.append((_anscombe(_total(counts, start, start + window)) - _anscombe(local)) / shrink)
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


def burst_z(false_alarms_per_week: float, evaluations_per_week: int = WEEK) -> float:
    """The burst test's threshold: evaluated once a minute, a week of quiet minutes raises at most
    ``false_alarms_per_week`` alarms when each is this unlikely (the union bound)."""
    return -_NORMAL.inv_cdf(false_alarms_per_week / evaluations_per_week)


def cusum_h(false_alarms_per_week: float) -> float:
    """The change detector's threshold for an average run length of one alarm in ``WEEK / false_alarms_per_week``
    quiet minutes: a CUSUM of log-likelihood ratios stays below ``h`` in each excursion from zero with
    probability at least 1 - exp(-h) while the baseline holds (Wald), so its average run length is at least
    exp(h) readings, and h = log(run length) keeps the budget."""
    return math.log(WEEK / false_alarms_per_week)


@dataclass(frozen=True)
class Evidence:
    """What the change detector sums, when it is not the plain counts: per-minute mentions in which a post with a
    risk term counts ``weight`` times (``weighted``), the extra-Poisson dispersion that weighting brings, and the
    burstiness of that series (measured when None)."""

    counts: Series
    dispersion: float = 1.0
    noise: float | None = None


def weighted(counts: Sequence[float], risky: Sequence[float], weight: float, history: int | None = None) -> Evidence:
    """Mentions with each risk-term post counted ``weight`` times. A sum of weighted posts varies by
    E[w²]/E[w] times its mean (a compound Poisson count): that dispersion is taken from the posts of the
    history (all but the last ``history`` minutes, or all), so a stream whose quiet posts often carry risk
    terms gains less from them."""
    extra = weight - 1
    series = Series([c + extra * r for c, r in zip(counts, risky, strict=True)])
    stop = len(counts) if history is None else history
    mentions, risk = float(sum(counts[:stop])), float(sum(risky[:stop]))
    dispersion = (mentions + (weight * weight - 1) * risk) / (mentions + extra * risk) if mentions > 0 else 1.0
    return Evidence(series, max(dispersion, 1.0))


@dataclass(frozen=True)
class Change:
    """The change detector's reading: its statistic (log-likelihood ratio), and the run since it last stood at
    zero (how long the rise has been building, the mentions in it and what the baseline expected)."""

    statistic: float
    minutes: int
    observed: float
    expected: float
    shift: float = SHIFT  # the rise the detector that read it is tuned for


@dataclass
class _Run:
    origin: int  # the minute the sum started at
    settings: tuple[float, ...]
    stop: int  # the minutes before it are summed
    statistic: float = 0.0
    since: int = 0  # the first minute after the sum last stood at zero
    seen: float = 0.0
    wanted: float = 0.0


@dataclass
class CusumCache:
    """What a replay of the change detector over one growing series keeps between readings: each minute's
    baseline, and the last sum. A sum started earlier that has stood at zero since a later start equals the sum
    from that start from then on (the recursion is monotone in its starting value), so it is carried on."""

    expected: dict[int, float] = field(default_factory=dict)
    runs: dict[tuple[float, ...], _Run] = field(default_factory=dict)  # the last sum of each detector

    def advance(self, minutes: int) -> None:
        """The series moved on by ``minutes`` (its oldest minutes dropped, as many new ones added): the baselines
        kept move with it, and the sum is taken afresh (the counts of the last minutes may have changed)."""
        self.expected = {minute - minutes: value for minute, value in self.expected.items() if minute >= minutes}
        self.runs = {}


def cusum(counts: Sequence[float] | Series, end: datetime, *, window: int, noise: float, shift: float = SHIFT,
          dispersion: float = 1.0, start: int = 0, lookback: int = CUSUM_LOOKBACK,
          cache: CusumCache | None = None) -> Change:
    """A one-sided CUSUM of the per-minute counts against their time-of-day baseline: each minute adds the
    log-likelihood ratio of ``shift`` times the baseline against the baseline, x·log(shift) - (shift - 1)·mu,
    divided by the stream's overdispersion, and the sum never falls below zero.

    The overdispersion comes from the history, not a constant: a window's rate varies log-normally by ``noise``
    (``burstiness``), and the divisor is the least that keeps each window's steps within Wald's bound under those
    bursts (``overdispersion``), times the ``dispersion`` of weighted counts. The sum starts afresh at ``start``
    (an index into ``counts``: the last alert, or the end of its cool-down) and at most ``lookback`` minutes ago;
    a minute without a baseline (too little history) sets it to zero. ``cache`` spares a replay recomputing what
    it has seen.
    """
    series = counts if isinstance(counts, Series) else Series(counts)
    n = len(series)
    first = max(n - lookback, start, 0)
    settings = (noise, dispersion, shift, float(window))
    run = cache.runs.get(settings) if cache is not None else None
    if run is None or run.settings != settings or run.origin > first or run.stop > n:
        run = _Run(first, settings, first, since=first)
    _extend(run, series, end, n, window, cache.expected if cache is not None else None)
    if run.since < first:  # the sum carried on has not stood at zero since ``first``: sum afresh from there
        run = _Run(first, settings, first, since=first)
        _extend(run, series, end, n, window, cache.expected if cache is not None else None)
    if cache is not None:
        cache.runs[settings] = run
    return Change(run.statistic, n - run.since, run.seen, run.wanted, shift)


def cusums(counts: Sequence[float] | Series, end: datetime, *, shifts: Sequence[float], h: float, min_mentions: float,
           **options) -> Change | None:
    """The bank: one ``cusum`` per shift of ``shifts`` (each with the threshold ``h`` of its share of the budget,
    ``cusum_h`` of the budget over ``len(shifts)``), sharing the cache's per-minute baselines. The reading of the
    first detector at or above ``h`` whose run holds at least ``min_mentions`` more than expected, or None.
    ``options``: those of ``cusum``."""
    series = counts if isinstance(counts, Series) else Series(counts)
    for shift in sorted(shifts, reverse=True):  # a sudden spike is read first by the detector tuned to it
        rise = cusum(series, end, shift=shift, **options)
        if rise.statistic >= h and rise.observed - rise.expected >= min_mentions:
            return rise
    return None


@functools.lru_cache(maxsize=4096)
def _overdispersion(expected: float, noise: float, shift: float, window: int) -> float:
    """The least divisor D of the log-likelihood ratio steps of a minute expecting ``expected`` mentions that keeps
    Wald's bound (an average run length of e^h) when the rate of each ``window`` varies log-normally by ``noise``:
    the minutes of a window rise together, so the window is the independent unit, and its summed steps must have
    E[exp(sum / D)] <= 1 over the bursts and the Poisson counts (bursts up to 6 standard deviations, one window in
    10^9: a log-normal rate has no finite generating function beyond). Matching the variance alone
    (1 + noise²·expected·window) is not enough: the log-normal tail of a window's rate is heavier than the normal
    one that matching assumes, and a CUSUM on a busy stream then crossed h several times as often as its budget."""
    mean = expected * window
    if mean <= 0:
        return 1.0

    rates = [(math.log(weight), mean * math.exp(noise * z - noise * noise / 2)) for z, weight in _GRID]

    def log_mgf(divisor: float) -> float:  # summed in logs: a large shift on a busy stream overflows a float
        per_post = shift ** (1 / divisor) - 1
        logs = [log_weight + rate * per_post for log_weight, rate in rates]
        top = max(logs)
        return top + math.log(sum(math.exp(value - top) for value in logs)) - mean * (shift - 1) / divisor

    lo, hi = 1.0, 1.0 + noise * noise * mean
    f_lo = log_mgf(lo)
    if f_lo <= 0:
        return 1.0
    f_hi = log_mgf(hi)
    while f_hi > 0:
        lo, f_lo, hi = hi, f_hi, hi * 2
        f_hi = log_mgf(hi)
    side = 0
    while hi - lo > DIVISOR_PRECISION * hi:  # regula falsi, Illinois' way: the bracket [lo, hi] shrinks from both ends
        mid = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
        mid = min(max(mid, lo + (hi - lo) * 1e-3), hi - (hi - lo) * 1e-3)
        f_mid = log_mgf(mid)
        if f_mid > 0:
            lo, f_lo = mid, f_mid
            f_hi = f_hi / 2 if side == 1 else f_hi
            side = 1
        else:
            hi, f_hi = mid, f_mid
            f_lo = f_lo / 2 if side == -1 else f_lo
            side = -1
    return hi


def overdispersion(expected: float, noise: float, shift: float, window: int) -> float:
    """``_overdispersion`` for an expectation rounded to three digits and a burstiness rounded up to 0.01 (a larger
    divisor, never a smaller one): a replay, and the service from one hour's burstiness to the next, ask for the
    same ones again."""
    return _overdispersion(float(f"{expected:.3g}"), math.ceil(noise * 100 - 1e-9) / 100, shift, window)


def _extend(run: _Run, series: Series, end: datetime, n: int, window: int, known: dict[int, float] | None) -> None:
    noise, dispersion, shift, _ = run.settings
    log_shift = math.log(shift)
    for minute in range(run.stop, n):
        expected = known.get(minute) if known is not None else None
        if expected is None:
            base = baseline(series.view(0, minute + 1), end - timedelta(minutes=n - 1 - minute), 1, noise=noise)
            if base is None:
                run.statistic, run.since, run.seen, run.wanted = 0.0, minute + 1, 0.0, 0.0
                continue
            expected = base.expected
            if known is not None and base.days:  # a cold start's baseline moves with the last hours: not kept
                known[minute] = expected
        observed = series.total(minute, minute + 1)
        step = (observed * log_shift - (shift - 1) * expected) / (
            dispersion * overdispersion(expected, noise, shift, window))
        if run.statistic + step <= 0:
            run.statistic, run.since, run.seen, run.wanted = 0.0, minute + 1, 0.0, 0.0
        else:
            run.statistic, run.seen, run.wanted = run.statistic + step, run.seen + observed, run.wanted + expected
    run.stop = n


def _found(signal: str, kind: str, severity: Severity, figures: dict[str, float], phrase: str,
           values: dict[str, float]) -> Finding:
    """A finding whose summary is its phrase in English (other languages render the phrase themselves)."""
    return Finding(signal, kind, severity, wording.phrase_text(phrase, values, "en"), figures, phrase, values)


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
           shift: float | Sequence[float] = SHIFT, evidence: Evidence | None = None, start: int = 0,
           cache: CusumCache | None = None) -> Finding | None:
    """A volume spike in the last ``window`` minutes (burst test, threshold ``z`` in standard deviations) or a
    rise the change detectors (``cusums``, one per ``shift``, each with threshold ``h``; none when None) have
    gathered evidence of since ``start``, or None. ``noise``: the burstiness, if known. ``evidence``: what the
    change detectors sum instead of the plain counts (risk-term posts weighted, ``weighted``); ``cache``: their
    per-minute baselines and sums."""
    observed = _total(counts, len(counts) - window, len(counts))
    base = baseline(counts, end, window, noise=noise)
    if base is None:
        return None
    ratio = observed / max(base.expected, 1.0)
    if observed >= min_mentions and ratio >= min_ratio and rough(observed, base) >= z - ROUGH_MARGIN:
        found = z_score(observed, base)
        if found >= z:
            return _found("volume", kind, volume_severity(ratio),
                          {"mentions": observed, "baseline": round(base.expected, 2), "ratio": round(ratio, 2),
                           "z": round(min(found, 99.0), 2), "window_minutes": window},
                          "monitor.burst", {"mentions": observed, "window": window, "ratio": ratio,
                                            "baseline": base.expected, "z": min(found, 99.0)})
    if h is None:
        return None
    shifts = [shift] if isinstance(shift, int | float) else list(shift)
    if evidence is None:
        rise = cusums(counts, end, shifts=shifts, h=h, min_mentions=min_mentions, window=window, noise=base.noise,
                      start=start, cache=cache)
    else:
        evidence_noise = burstiness(evidence.counts, window) if evidence.noise is None else evidence.noise
        rise = cusums(evidence.counts, end, shifts=shifts, h=h, min_mentions=min_mentions, window=window,
                      noise=evidence_noise, dispersion=evidence.dispersion, start=start, cache=cache)
    if rise is None:
        return None
    run_ratio = rise.observed / max(rise.expected, 1.0)
    return _found("volume", kind, volume_severity(max(ratio, 1.0)),
                  {"mentions": observed, "baseline": round(base.expected, 2), "ratio": round(ratio, 2),
                   "cusum": round(rise.statistic, 2), "cusum_threshold": round(h, 2), "cusum_shift": rise.shift,
                   "change_minutes": rise.minutes, "change_mentions": rise.observed,
                   "change_ratio": round(run_ratio, 2), "window_minutes": window},
                  "monitor.rise_weighted" if evidence is not None else "monitor.rise",
                  {"minutes": rise.minutes, "observed": rise.observed, "expected": rise.expected,
                   "run_ratio": run_ratio, "window": window, "ratio": ratio, "statistic": rise.statistic,
                   "h": h})


def negative_volume(counts: Sequence[float] | Series, end: datetime, *, window: int, z: float, min_ratio: float,
                    min_mentions: int, kind: str = "shitstorm", noise: float | None = None, h: float | None = None,
                    shift: float | Sequence[float] = SHIFT, start: int = 0, cache: CusumCache | None = None,
                    evidence: Evidence | None = None) -> Finding | None:
    """The same two tests as ``volume`` on the negative posts' own per-minute counts: a crisis brings mostly
    negative posts, so they rise several times over while all mentions have only begun to (at 15 % negative, a
    rise whose new posts are 60 % negative lifts the negative count 2.6 times as fast as all of them). A history
    with fewer than ``NEGATIVE_HISTORY`` negative posts (sentiment not scored, or a language it does not read)
    is no baseline: None. ``evidence``: the negative posts with those carrying risk terms weighted (``weighted``),
    for the change detector, as on all mentions."""
    if _total(counts, 0, len(counts)) - _total(counts, len(counts) - window, len(counts)) < NEGATIVE_HISTORY:
        return None
    found = volume(counts, end, window=window, z=z, min_ratio=min_ratio, min_mentions=min_mentions, kind=kind,
                   noise=noise, h=h, shift=shift, start=start, cache=cache, evidence=evidence)
    if found is None:
        return None
    return _found("negative_volume", kind, found.severity, found.figures,
                  found.phrase.replace("monitor.", "monitor.negative_", 1), found.values)


def negative_share(negative: int, scored: int, *, share: float, min_mentions: int,
                   kind: str = "shitstorm") -> Finding | None:
    """Too large a share of negative posts among those scored (at least ``min_mentions``), or None."""
    if scored < min_mentions:
        return None
    value = negative / scored
    if value < share:
        return None
    severity = Severity.HIGH if value >= 0.6 else Severity.MEDIUM
    return _found("negative", kind, severity,
                  {"negative_share": round(value, 3), "scored": scored, "negative": negative},
                  "monitor.share", {"share": value, "scored": scored})


def velocity(post: Post) -> float:
    """Engagements per minute since the post was written, over at least ``VELOCITY_MINUTES`` (a post's first
    minute says little)."""
    return post.engagement / max(post.minutes_old, VELOCITY_MINUTES)


def reach(posts: Sequence[Post], *, followers: int, engagement_per_minute: float,
          kind: str = "viral-complaint", needs: str | None = None) -> Finding | None:
    """A post from an account above ``followers``, or one gathering engagement fast, or None.

    Only the posts that can matter in a crisis count: those that carry what ``needs`` names (``matters``); without
    it the caller has chosen them.
    """
    if needs is not None:
        posts = [p for p in posts if matters(p, needs)]
    loud = [p for p in posts if p.followers >= followers]
    fast = [p for p in posts if velocity(p) >= engagement_per_minute]
    if not loud and not fast:
        return None
    top_followers = max((p.followers for p in loud), default=0)
    top_velocity = max((velocity(p) for p in fast), default=0.0)
    big = top_followers >= 10 * followers or top_velocity >= 10 * engagement_per_minute
    phrase = "monitor.reach_" + ("both" if loud and fast else "loud" if loud else "fast")
    return _found("reach", kind, Severity.HIGH if big else Severity.MEDIUM,
                  {"max_followers": top_followers, "max_engagement_per_minute": round(top_velocity, 1)},
                  phrase, {"posts": len(loud), "followers": followers, "largest": top_followers,
                           "velocity": top_velocity})


def lift(findings: list[Finding], risky: int, min_posts: int) -> list[Finding]:
    """Risk terms in at least ``min_posts`` posts of the window raise each finding one level."""
    if risky < min_posts:
        return findings
    lifted = []
    for f in findings:
        values = {**f.values, "risky": risky}
        text = wording.phrase_text(f.phrase, values, "en") if f.phrase else (
            f.summary + wording.risky_text(risky, "en"))
        lifted.append(Finding(f.signal, f.kind, ORDER[min(f.severity.rank + 1, len(ORDER) - 1)], text,
                              {**f.figures, "risk_posts": risky}, f.phrase, values))
    return lifted


def top_posts(posts: Sequence[Post], limit: int = 3) -> list[Post]:
    """The posts that matter most: by reach (followers) and engagement."""
    return sorted(posts, key=lambda p: (p.followers + 20 * p.engagement), reverse=True)[:limit]
