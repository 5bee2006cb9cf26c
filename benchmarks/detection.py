"""Detection quality on synthetic mention streams, and the mention intake's throughput.

``python -m benchmarks.detection [--seeds N] [--quiet-weeks N] [--jobs N] [--false-alarms F] [--burst-share S]
[--shifts S,...] [--shapes S,...] [--oracle-spikes N] [--no-ingest] [--cost]`` prints one table of
quiet weeks (false alarms per week per monitor: mean and worst week, and the replay's cost per minute) and one per
spike shape (the delay of the first alert, from the onset and from the moment the rate reached 5x, beside
Lorden's least expected delay at the budget, ``bound``, the median delay of the oracle, and which test raised
it), then the share of onsets even the oracle does not find within 10 minutes, by time of day, then the ingest
figures of ``POST /mentions`` against a served bot. The oracle is a CUSUM that knows the quiet rate of each minute
(bursts included) and the spike's size, its threshold the least that keeps each of ``ORACLE_WEEKS`` quiet weeks
at ``ORACLE_WORST`` alarm or fewer: what no detector within the target can beat short of luck. ``--cost`` prints
only what evaluating a monitor costs in the service each minute (``evaluate_cost``).

The streams: a quiet baseline per monitor (0.3, 2 or 10 mentions a minute on average) with a daily rhythm
(night at a fifth of the evening peak), weekends at 70 %, slow growth of 1 % a day, noise beyond Poisson
(the rate of each 10 minutes varies by about 25 %), 15 % of posts negative (the share of each 10 minutes
varying by about 30 %) and followers drawn from a heavy-tailed (Pareto) distribution. Eight days of history
come first; then a quiet week is watched for false alarms. Spikes are injected at a random time of another
week, and the monitor is watched from two hours before the onset to two hours after it:
- sudden: the rate jumps to k times the baseline for an hour;
- gradual: the rate climbs from 1x to k times the baseline over an hour, then holds for half an hour;
- influencer: one negative post carrying a risk term (an accusation: a leak, a recall) from an account with
  500,000 followers, then 1.5x the baseline for 30 min.
The posts a spike adds are ``SPIKE_NEGATIVE`` negative (a storm of criticism); ``--spike-negative 0.15`` makes
them as negative as the quiet stream, so that only their number tells. ``RISKY`` (2 %) of the quiet posts carry a
risk term, and in the shape "gradual-risk" ``SPIKE_RISKY`` (30 %) of a gradual rise's own posts do; each counts
the monitor's risk-term weight in the change detector. ``--false-alarms F`` sets the volume's budget (for the
trade-off between false alarms and delay), ``--shifts S,...`` the rises of its bank of change detectors (to compare
banks at the same budget: ``--shifts 2`` is the single detector tuned to 2x), ``--shapes`` picks the spike shapes.
A quiet post counts for reach as the shipped rule says (``ReachSignal.needs``: negative and with a risk term), each
mark drawn independently. Monitors are evaluated once a minute with the shipped defaults; an alert of a playbook
kind is raised again only after the 60-minute cool-down, as in the service.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from app.monitoring import detection
from app.monitoring.definitions import ReachSignal, RiskTerms, VolumeSignal

DAY = detection.DAY
WEEK = 7 * DAY
HISTORY = 8 * DAY
START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
# Baselines (mentions a minute on average) and the reach threshold a team would set for each: a brand with
# 14,000 mentions a day hears from 100,000-follower critics every week, so its threshold is higher.
LEVELS = ((0.3, 100_000), (2.0, 100_000), (10.0, 250_000))
COOLDOWN = 60
NEGATIVE = 0.15
NEGATIVE_NOISE = 0.3  # how much the negative share of each 10 minutes varies (log-normal)
SPIKE_NEGATIVE = 0.6  # the share of a spike's own posts that are negative
RISKY = 0.02  # the share of quiet posts that carry a risk term ("fire sale", "recall" of a product name, ...)
SPIKE_RISKY = 0.3  # the share of a spike's own posts that carry one, in the rows "with risk terms"
INFLUENCER_FOLLOWERS = 500_000
WATCHED = (120, 120)  # minutes watched before and after a spike's onset
KIND = {"volume": "shitstorm", "negative": "shitstorm", "reach": "viral-complaint"}  # one cool-down per kind


def rhythm(minutes: np.ndarray, growth: float = 0.01) -> np.ndarray:
    """Relative rate per minute: daily rhythm, weekly pattern and slow growth (mean about 1 on weekdays)."""
    hours = (minutes % DAY) / 60.0
    daily = 0.6 - 0.4 * np.cos(2 * math.pi * (hours - 4) / 24) + 0.15 * np.sin(2 * math.pi * (hours - 14) / 12)
    daily = np.clip(daily, 0.12, None)
    weekday = ((START + timedelta(minutes=1)).weekday() + minutes // DAY) % 7
    weekly = np.where(weekday >= 5, 0.7, 1.0)
    return daily * weekly * (1 + growth) ** (minutes / DAY)


def stream(rng: np.random.Generator, level: float, length: int) -> np.ndarray:
    """Expected mentions per minute with overdispersion: each 10-minute block's rate varies by about 25 %."""
    minutes = np.arange(length)
    blocks = rng.lognormal(mean=-0.03, sigma=0.25, size=length // 10 + 1)
    return level * rhythm(minutes) * np.repeat(blocks, 10)[:length]


class Watch:
    """Evaluates the volume tests (all mentions, then the negative ones) and the reach signal minute by minute over
    a stream, with the service's cool-down per playbook kind; the change detector starts afresh at an alert of
    its kind and again when the cool-down ends, as in the service."""

    def __init__(self, volume: VolumeSignal, reach: ReachSignal, weight: float = 1.0) -> None:
        self.volume, self.reach, self.weight = volume, reach, weight
        self.last: dict[str, int] = {}
        self.noise: dict[str, tuple[int, float]] = {}  # the burstiness per series, re-measured every hour
        self.z, self.h = volume.burst_z(), volume.cusum_h()
        self.caches = {"volume": detection.CusumCache(), "negative": detection.CusumCache()}
        self.seconds = 0.0  # spent in the volume's tests

    def _noise(self, name: str, counts: detection.Series, minute: int) -> float:
        known = self.noise.get(name)
        if known is None or minute - known[0] >= 60:
            known = (minute, detection.burstiness(counts.view(minute - HISTORY, minute), self.volume.window_minutes))
            self.noise[name] = known
        return known[1]

    def restart(self, minute: int) -> int:
        """Where the change detector starts: the last alert of the volume's kind, or the end of its cool-down."""
        last = self.last.get(KIND["volume"])
        if last is None:
            return 0
        return last + COOLDOWN if minute >= last + COOLDOWN else last

    def _volume(self, name: str, counts: detection.Series, minute: int,
                evidence: tuple[detection.Series, float] | None = None) -> bool:
        began = time.perf_counter()
        try:
            return self._tests(name, counts, minute, evidence)
        finally:
            self.seconds += time.perf_counter() - began

    def _tests(self, name: str, counts: detection.Series, minute: int,
               evidence: tuple[detection.Series, float] | None) -> bool:
        options = {"noise": self._noise(name, counts, minute), "window": self.volume.window_minutes, "z": self.z,
                   "h": self.h, "shift": self.volume.shifts(), "start": self.restart(minute),
                   "cache": self.caches[name],
                   "min_ratio": self.volume.min_ratio, "min_mentions": self.volume.min_mentions}
        end = START + timedelta(minutes=minute)
        if evidence is not None:
            weighted, dispersion = evidence
            options["evidence"] = detection.Evidence(weighted.view(0, minute), dispersion,
                                                     self._noise(f"weighted {name}", weighted, minute))
        if name == "negative":
            return detection.negative_volume(counts.view(0, minute), end, **options) is not None
        return detection.volume(counts.view(0, minute), end, **options) is not None

    def alerts_at(self, counts: detection.Series, negative: detection.Series, minute: int,
                  posts: list[detection.Post], evidence: dict[str, tuple[detection.Series, float]] | None = None,
                  ) -> list[str]:
        """The signals that raise an alert at ``minute`` (counts up to the minute before): "volume", "negative" (the
        negative posts' volume, tried when all mentions raise nothing, as the service does) and "reach"."""
        fired = []
        evidence = evidence or {}
        if self._volume("volume", counts, minute, evidence.get("volume")):
            fired.append("volume")
        elif self.volume.negative and self._volume("negative", negative, minute, evidence.get("negative")):
            fired.append("negative")
        if detection.reach(posts, followers=self.reach.followers,
                           engagement_per_minute=self.reach.engagement_per_minute, needs=self.reach.needs):
            fired.append("reach")
        due = [name for name in fired if minute - self.last.get(KIND[name], -10 ** 9) >= COOLDOWN]
        for name in due:
            self.last[KIND[name]] = minute
        return due


def _loud_posts(rng: np.random.Generator, count: int) -> list[tuple[int, int, bool, bool]]:
    """(followers, engagement, negative, risky) of the posts of one minute that could matter for reach: negative or
    risky ones from large accounts or with much engagement (the others never count, whatever the rule)."""
    followers = (rng.pareto(1.2, size=count) + 1) * 30
    negative = rng.random(count) < NEGATIVE
    engagement = rng.poisson(followers / 1000)  # seen in the post's first minutes: 0.1 % of the followers
    risky = rng.random(count) < RISKY
    return [(int(f), int(e), bool(n), bool(r))
            for f, n, e, r in zip(followers, negative, engagement, risky, strict=True)
            if (n or r) and (f >= 1e4 or e >= 100)]


@dataclass(frozen=True)
class Outcome:
    """One simulated week: the first alert after the onset (minutes, None if missed) and the test that raised it;
    when the rate first reached 5x the baseline (minutes after the onset, None if never); the false alarms by
    signal (outside the spike)."""

    delay: int | None
    signal: str | None
    reached: int | None
    false_alarms: Counter
    bound: int | None = None  # the least delay any detector within the budget can have (``bound``)
    seconds_per_minute: float = 0.0  # the volume's tests, per evaluated minute

    @property
    def since_5x(self) -> int | None:
        return None if self.delay is None or self.reached is None else self.delay - self.reached


def multiplier(shape: str | None, factor: float) -> np.ndarray:
    """The spike's rate as a multiple of the baseline, per minute from the onset (empty without a spike)."""
    if shape == "sudden":
        return np.full(60, factor)
    if shape == "gradual":
        return np.concatenate([1 + (factor - 1) * np.arange(1, 61) / 60, np.full(30, factor)])
    if shape == "influencer":
        return np.full(30, 1.5)
    return np.ones(0)


def _cells(rate: np.ndarray, negative: np.ndarray, risky: np.ndarray) -> np.ndarray:
    """Expected posts per minute in four kinds: negative or not, with a risk term or not (independent marks)."""
    negative = np.clip(negative, 0, 1)
    return np.stack([rate * n * r for n in (negative, 1 - negative) for r in (risky, 1 - risky)])


def bound(quiet: np.ndarray, storm: np.ndarray, h: float) -> int | None:
    """The least delay any detector can have at an average run length of e^h quiet minutes (Lorden): the minutes
    until the spike's Kullback-Leibler divergence from the quiet stream, summed from the onset, reaches h. The
    rates are given per kind of post (``_cells``) and per minute from the onset; the quiet stream's own rate is
    taken as known, bursts and all, so no real detector, which must estimate it, reaches the bound."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(storm > 0, storm * np.log(storm / np.maximum(quiet, 1e-12)), 0.0) - storm + quiet
    reached = np.flatnonzero(np.cumsum(terms.sum(axis=0)) >= h)
    return int(reached[0]) + 1 if len(reached) else None


@dataclass
class Simulated:
    """One simulated stream: its expected posts per minute in the four kinds (``_cells``) without the spike
    (``quiet``) and with it (``storm``), the counts drawn from them, the spike's onset (None on a quiet week) and
    when its rate first stood at 5x the baseline (minutes after the onset)."""

    quiet: np.ndarray
    storm: np.ndarray
    counts: np.ndarray
    negative: np.ndarray
    risky: np.ndarray
    risky_negative: np.ndarray
    onset: int | None
    reached: int | None

    def kinds(self) -> np.ndarray:
        """The counts per kind of post, in the order of ``_cells``."""
        plain = self.counts - self.negative
        risky_plain = self.risky - self.risky_negative
        return np.stack([self.risky_negative, self.negative - self.risky_negative, risky_plain, plain - risky_plain])


def simulate(rng: np.random.Generator, level: float, shape: str | None, factor: float,
             spike_negative: float = SPIKE_NEGATIVE, spike_risky: float = 0.0) -> Simulated:
    """A stream of ``HISTORY`` and a week, with a spike of ``shape`` injected at a random time of the week (none
    when ``shape`` is None). ``RISKY`` of the quiet posts and ``spike_risky`` of the spike's own carry a risk term."""
    risk_rng = rng.spawn(1)[0]  # its own stream: the counts and posts are the same whatever the risk terms
    length = HISTORY + WEEK
    rate = stream(rng, level, length)
    onset = HISTORY + int(rng.integers(DAY, WEEK - DAY)) if shape else None
    expected = rate.copy()
    share = np.clip(NEGATIVE * np.repeat(rng.lognormal(-NEGATIVE_NOISE ** 2 / 2, NEGATIVE_NOISE, length // 10 + 1),
                                         10)[:length], 0, 1)
    negative_rate = rate * share
    risky_rate = rate * RISKY
    reached = None
    if onset is not None:
        lift = multiplier(shape, factor)
        extra = rate[onset:onset + len(lift)] * (lift - 1)
        expected[onset:onset + len(lift)] += extra
        negative_rate[onset:onset + len(lift)] += extra * spike_negative
        risky_rate[onset:onset + len(lift)] += extra * spike_risky
        above = np.flatnonzero(lift >= 5)
        reached = int(above[0]) if len(above) else None
    counts = rng.poisson(expected)
    negative = rng.binomial(counts, np.clip(negative_rate / np.maximum(expected, 1e-9), 0, 1))
    risky_share = np.clip(risky_rate / np.maximum(expected, 1e-9), 0, 1)  # whether a post is negative or not
    risky_negative = risk_rng.binomial(negative, risky_share)
    risky = risky_negative + risk_rng.binomial(counts - negative, risky_share)
    quiet = _cells(rate, share, np.full(length, RISKY))
    storm = _cells(expected, negative_rate / np.maximum(expected, 1e-9), risky_share)
    return Simulated(quiet, storm, counts, negative, risky, risky_negative, onset, reached)


# The oracle -------------------------------------------------------------------------------------------------
# A CUSUM that knows what no real detector can: the quiet stream's rate in each minute (bursts included) and the
# spike's true size. Its threshold is the least that keeps the target on simulated quiet weeks (no week with more
# than ``ORACLE_WORST`` alarm), so its delay is the least any detector can reach within the target's budget.
ORACLE_WEEKS = 100  # quiet weeks its threshold is held to (seeds from 1000, as the monitor's quiet weeks)
ORACLE_WORST = 1  # alarms the worst of them may raise
ORACLE_MINUTES = 10  # the target's delay, for the share of onsets no detector can catch within it


def _alternative(quiet: np.ndarray, factor: float, spike_negative: float, spike_risky: float) -> np.ndarray:
    """The four kinds' rates (``_cells``) of a spike at its full size ``factor`` over quiet rates ``quiet``."""
    total = quiet.sum(axis=0)
    extra = total * (factor - 1)
    expected = total + extra
    negative = (quiet[0] + quiet[1] + extra * spike_negative) / expected
    return _cells(expected, negative, (total * RISKY + extra * spike_risky) / expected)


def oracle_steps(sim: Simulated, factor: float, spike_negative: float, spike_risky: float) -> np.ndarray:
    """Each minute's log-likelihood ratio of the spike at its full size against the quiet stream, both known."""
    alternative = _alternative(sim.quiet, factor, spike_negative, spike_risky)
    return (sim.kinds() * np.log(alternative / sim.quiet) - (alternative - sim.quiet)).sum(axis=0)


def oracle_alarms(steps: np.ndarray, h: float) -> np.ndarray:
    """The alarms of a CUSUM over each row of ``steps`` (weeks by minutes) at threshold ``h``: after an alarm the
    sum starts afresh when the cool-down has passed, as in the service."""
    total = np.zeros(steps.shape[0])
    alarms = np.zeros(steps.shape[0], dtype=int)
    until = np.full(steps.shape[0], -1)
    for minute in range(steps.shape[1]):
        total = np.where(until >= minute, 0.0, np.maximum(total + steps[:, minute], 0.0))
        fired = total >= h
        alarms += fired
        until = np.where(fired, minute + COOLDOWN, until)
    return alarms


def oracle_threshold(level: float, factor: float, spike_negative: float = SPIKE_NEGATIVE, spike_risky: float = 0.0,
                     weeks: int = ORACLE_WEEKS) -> tuple[float, float]:
    """The oracle's least threshold (to 0.05) at which none of ``weeks`` quiet weeks raises more than
    ``ORACLE_WORST`` alarms, and its mean alarms a week there."""
    steps = np.stack([oracle_steps(simulate(np.random.default_rng(1000 + seed), level, None, 1.0), factor,
                                   spike_negative, spike_risky)[HISTORY:] for seed in range(weeks)])
    lo, hi = 0.0, 30.0
    while hi - lo > 0.05:
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if oracle_alarms(steps, mid).max() <= ORACLE_WORST else (mid, hi)
    return hi, float(oracle_alarms(steps, hi).mean())


def oracle_delay(sim: Simulated, factor: float, spike_negative: float, spike_risky: float, h: float) -> int | None:
    """The oracle's first alarm from the onset (minutes, as the monitor's: counted at the next evaluation), over the
    watched span; an alarm before the onset starts the sum afresh."""
    assert sim.onset is not None
    first, last = sim.onset - WATCHED[0], sim.onset + WATCHED[1]
    steps = oracle_steps(sim, factor, spike_negative, spike_risky)[first:last]
    total = 0.0
    for index, step in enumerate(steps):
        total = max(total + step, 0.0)
        if total >= h:
            if first + index >= sim.onset:
                return first + index - sim.onset + 1
            total = 0.0
    return None


def out_of_reach(level: float, shape: str, factor: float, h: float, spike_negative: float = SPIKE_NEGATIVE,
                 spike_risky: float = 0.0, spikes: int = 400, minutes: int = ORACLE_MINUTES) -> dict[str, float]:
    """The share of ``spikes`` onsets (seeds from 10,000, at random times of the week) that the oracle at threshold
    ``h`` does not find within ``minutes``, by the onset's time of day (6-hour quarters) and in all: no detector
    within the same budget finds those in time, short of luck."""
    late, hours = [], []
    for seed in range(10_000, 10_000 + spikes):
        sim = simulate(np.random.default_rng(seed), level, shape, factor, spike_negative, spike_risky)
        assert sim.onset is not None
        delay = oracle_delay(sim, factor, spike_negative, spike_risky, h)
        late.append(delay is None or delay > minutes)
        hours.append((sim.onset % DAY) // 60)
    late_, hours_ = np.array(late), np.array(hours)
    shares = {f"{q * 6:02d}-{q * 6 + 6:02d}h": float(late_[(hours_ >= q * 6) & (hours_ < q * 6 + 6)].mean())
              for q in range(4)}
    return {**shares, "all": float(late_.mean())}


def run(rng: np.random.Generator, level: float, shape: str | None, factor: float, volume: VolumeSignal,
        reach: ReachSignal, spike_negative: float = SPIKE_NEGATIVE, spike_risky: float = 0.0,
        weight: float = RiskTerms().weight) -> Outcome:
    """A quiet week watched whole (``shape`` None), or a spike injected at a random time of the week and the
    monitor watched from ``WATCHED[0]`` minutes before its onset to ``WATCHED[1]`` after. ``RISKY`` of the quiet
    posts and ``spike_risky`` of the spike's own carry a risk term; each counts ``weight`` times in the change
    detector (1: risk terms ignored)."""
    sim = simulate(rng, level, shape, factor, spike_negative, spike_risky)
    length = HISTORY + WEEK
    onset, reached, counts, negative = sim.onset, sim.reached, sim.counts, sim.negative
    series, negative_series = detection.Series(counts.tolist()), detection.Series(negative.tolist())
    evidence = {}
    if weight > 1:
        for name, plain, marked in (("volume", counts, sim.risky), ("negative", negative, sim.risky_negative)):
            weighted = detection.weighted(plain.tolist(), marked.tolist(), weight, history=HISTORY)
            evidence[name] = (weighted.counts, weighted.dispersion)
    least = None
    if onset is not None and shape != "influencer":
        least = bound(sim.quiet[:, onset:], sim.storm[:, onset:], math.log(WEEK / volume.false_alarms_per_week))
    watch = Watch(volume, reach)
    first, last = (HISTORY, length) if onset is None else (onset - WATCHED[0], onset + WATCHED[1])
    recent: dict[int, list[tuple[int, int, bool, bool]]] = {}
    delay, signal, false_alarms = None, None, Counter()
    spike_end = onset + 120 if onset is not None else None
    for minute in range(first, length if onset is None else min(length, last)):
        recent[minute - 1] = _loud_posts(rng, int(counts[minute - 1]))
        recent.pop(minute - 61, None)
        if shape == "influencer" and minute - 1 == onset:
            recent[minute - 1].append((INFLUENCER_FOLLOWERS, 40, True, True))
        window_posts = [detection.Post(text="", platform="x", followers=f, engagement=e, minutes_old=minute - m,
                                       negative=n, risky=r) for m, posts in recent.items() for f, e, n, r in posts]
        for name in watch.alerts_at(series, negative_series, minute, window_posts, evidence):
            if onset is not None and spike_end is not None and onset <= minute - 1 < spike_end:
                if delay is None:
                    delay, signal = minute - onset, name
            else:
                false_alarms[name] += 1
    evaluated = (length if onset is None else min(length, last)) - first
    return Outcome(delay, signal, reached, false_alarms, least, watch.seconds / max(evaluated, 1))


def table(title: str, header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    line = lambda cells: "  ".join(str(c).rjust(w) for c, w in zip(cells, widths, strict=True))  # noqa: E731
    return "\n".join([title, line(header), line(["-" * w for w in widths]), *map(line, rows)])


@dataclass(frozen=True)
class Task:
    seed: int
    level: float
    followers: int
    shape: str | None
    factor: float
    spike_negative: float
    spike_risky: float
    budget: float | None  # the volume's false alarms per week (None: the shipped default)
    shifts: tuple[float, ...] | None = None  # the change detectors' rises (None: the shipped bank)
    burst_share: float | None = None  # the burst tests' part of the budget (None: the shipped default)


def _signal(budget: float | None, shifts: tuple[float, ...] | None, burst_share: float | None = None) -> VolumeSignal:
    options: dict = {} if budget is None else {"false_alarms_per_week": budget}
    options.update({} if burst_share is None else {"burst_share": burst_share})
    return VolumeSignal(**options, **({} if shifts is None else {"shift": shifts}))


def _one(task: Task) -> Outcome:
    volume = _signal(task.budget, task.shifts, task.burst_share)
    return run(np.random.default_rng(task.seed), task.level, task.shape, task.factor, volume,
               ReachSignal(followers=task.followers), task.spike_negative, task.spike_risky)


def _median(values: list[int]) -> str:
    return f"{statistics.median(values):.0f}" if values else "-"


def _p90(values: list[int]) -> str:
    return f"{np.percentile(values, 90):.0f}" if values else "-"


SHAPES = {  # name: (shape, factors, the share of the spike's posts with risk terms)
    "sudden": ("sudden", (5, 10), 0.0),
    "gradual": ("gradual", (5, 10), 0.0),
    "gradual-risk": ("gradual", (5,), SPIKE_RISKY),
    "influencer": ("influencer", (1,), 0.0),
}


def detection_tables(seeds: int, jobs: int = 1, quiet_weeks: int | None = None,
                     spike_negative: float = SPIKE_NEGATIVE, budget: float | None = None,
                     shapes: tuple[str, ...] = tuple(SHAPES), shifts: tuple[float, ...] | None = None,
                     burst_share: float | None = None, oracle_spikes: int = 400) -> str:
    """One table of ``quiet_weeks`` quiet weeks a monitor and one per spike shape, each row over ``seeds`` spikes
    (``jobs`` processes), then what the oracle cannot reach (``reach_table`` over ``oracle_spikes`` onsets a row;
    0: no oracle); ``budget``: the volume's false alarms per week, ``shifts``: the rises of its change
    detectors, ``burst_share``: the burst tests' part of the budget, if not the shipped defaults."""
    quiet_weeks = seeds if quiet_weeks is None else quiet_weeks
    quiet = {(level, followers): [Task(1000 + seed, level, followers, None, 1.0, spike_negative, 0.0, budget, shifts,
                                       burst_share)
                                  for seed in range(quiet_weeks)] for level, followers in LEVELS}
    spikes = {(name, level, followers, factor): [Task(seed, level, followers, SHAPES[name][0], float(factor),
                                                      spike_negative, SHAPES[name][2], budget, shifts, burst_share)
                                                 for seed in range(seeds)]
              for name in shapes for level, followers in LEVELS for factor in SHAPES[name][1]}
    tasks = [task for group in (*quiet.values(), *spikes.values()) for task in group]
    if jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(jobs) as pool:
            results = dict(zip(tasks, pool.map(_one, tasks, chunksize=1), strict=True))
    else:
        results = {task: _one(task) for task in tasks}
    volume = _signal(budget, shifts, burst_share)
    out = [f"Volume: {volume.false_alarms_per_week:g} false alarms a week over its tests, {volume.burst_share:g} of "
           f"it to the burst tests: burst z "
           f"{volume.burst_z():.2f}, change threshold h {volume.cusum_h():.2f} (a detector per shift: "
           f"{', '.join(f'{shift:g}x' for shift in volume.shifts())}); reach needs {ReachSignal().needs}; "
           f"risk-term weight {RiskTerms().weight:g}, {RISKY:.0%} of quiet posts carry a risk term"]
    if quiet_weeks:
        quiet_rows = []
        for (level, followers), group in quiet.items():
            weeks = [results[task] for task in group]
            totals = [sum(week.false_alarms.values()) for week in weeks]
            quiet_rows.append([f"{level:g}/min", f"{followers:,}", quiet_weeks,
                               *(sum(w.false_alarms[name] for w in weeks) for name in ("volume", "negative", "reach")),
                               f"{statistics.mean(totals):.2f}", max(totals),
                               f"{statistics.mean(w.seconds_per_minute for w in weeks) * 1000:.1f}"])
        out.append(table("Quiet weeks: false alarms per simulated week per monitor (target: at most 1); ms: the "
                         "volume's tests per evaluated minute in the replay",
                         ["baseline", "reach at", "weeks", "volume", "negative", "reach", "per week", "worst week",
                          "ms"], quiet_rows))
    thresholds: dict[tuple[float, float, float], tuple[float, float]] = {}
    for name in shapes:
        shape, factors, risky = SHAPES[name]
        rows = []
        for level, followers in LEVELS:
            for factor in factors:
                group = spikes[(name, level, followers, factor)]
                found = [results[task] for task in group]
                delays = [o.delay for o in found if o.delay is not None]
                bounds = [o.bound for o in found if o.bound is not None]
                since = [o.since_5x for o in found if o.since_5x is not None]
                by = Counter(o.signal for o in found if o.signal)
                oracle = ""
                if shape != "influencer" and oracle_spikes:
                    key = (level, float(factor), risky)
                    if key not in thresholds:
                        thresholds[key] = oracle_threshold(level, factor, spike_negative, risky)
                    fastest = [oracle_delay(simulate(np.random.default_rng(task.seed), level, shape, factor,
                                                     spike_negative, risky), factor, spike_negative, risky,
                                            thresholds[key][0]) for task in group]
                    oracle = _median([d for d in fastest if d is not None])
                rows.append([f"{level:g}/min", f"{factor:g}x" if shape != "influencer" else "1 post", seeds,
                             _median(delays), _p90(delays), _median(bounds) if shape != "influencer" else "",
                             oracle,
                             *((_median(since), _p90(since)) if shape != "influencer" else ("", "")),
                             sum(o.delay is None for o in found),
                             " ".join(f"{signal} {count}" for signal, count in by.most_common())])
        posts = f"{spike_negative:.0%} negative" + (f", {risky:.0%} with risk terms" if risky else "")
        out.append(table(f"Spike shape: {shape} (minutes to the first alert; target: median <= 10 at >= 5x; the "
                         f"spike's posts {posts}; bound: Lorden's least expected delay at the budget; oracle: the "
                         f"median delay of a CUSUM knowing the quiet rate and the spike's size, held to at most "
                         f"{ORACLE_WORST} alarm in each of {ORACLE_WEEKS} quiet weeks)",
                         ["baseline", "spike", "spikes", "from onset", "p90", "bound", "oracle", "from 5x", "p90",
                          "missed", "raised by"], rows))
    if oracle_spikes:
        out.append(reach_table(tuple(name for name in shapes if SHAPES[name][0] != "influencer"), spike_negative,
                               oracle_spikes, thresholds))
    return "\n\n".join(out)


def reach_table(shapes: tuple[str, ...], spike_negative: float = SPIKE_NEGATIVE, spikes: int = 400,
                thresholds: dict[tuple[float, float, float], tuple[float, float]] | None = None) -> str:
    """Per shape at 5x and level: the oracle's threshold and its mean alarms per quiet week, and the share of
    ``spikes`` onsets it does not find within ``ORACLE_MINUTES``, by the onset's time of day."""
    thresholds = {} if thresholds is None else thresholds
    rows = []
    for name in shapes:
        shape, _, risky = SHAPES[name]
        for level, _ in LEVELS:
            key = (level, 5.0, risky)
            if key not in thresholds:
                thresholds[key] = oracle_threshold(level, 5, spike_negative, risky)
            h, mean = thresholds[key]
            late = out_of_reach(level, shape, 5, h, spike_negative, risky, spikes)
            rows.append([name, f"{level:g}/min", f"{h:.2f}", f"{mean:.2f}",
                         *(f"{share:.0%}" for share in late.values())])
    return table(f"Out of reach: spikes to 5x the oracle does not find within {ORACLE_MINUTES} minutes of the onset, "
                 f"by the onset's time of day ({spikes} onsets a row, seeds from 10,000; h: its threshold, held to at "
                 f"most {ORACLE_WORST} alarm in each of {ORACLE_WEEKS} quiet weeks; per week: its mean false alarms)",
                 ["shape", "baseline", "h", "per week", "00-06h", "06-12h", "12-18h", "18-24h", "all"], rows)


# Evaluation cost --------------------------------------------------------------------------------------------
def evaluate_cost(minutes: int = 30, shifts: tuple[float, ...] | None = None) -> str:
    """What evaluating one monitor's signals costs in the service (``signals.assess`` on SQLite, eight days of
    rollups of a synthetic stream): each minute with the history kept from the minute before, and read whole.
    ``shifts``: the change detectors' rises, if not the shipped bank."""
    from sqlmodel import Session, SQLModel

    from app.db import make_engine
    from app.monitoring import signals
    from app.monitoring.definitions import Monitor
    from app.monitoring.models import MentionRollup

    monitor = Monitor.model_validate({"id": "bench", "title": "Bench", "terms": {"brand": {"en": ["Bench"]}},
                                      "risk_terms": {"terms": {"en": ["leak"]}},
                                      "signals": {"volume": {} if shifts is None else {"shift": shifts},
                                                  "negative": {}, "reach": {}}})
    rows = []
    for level, _ in LEVELS:
        rng = np.random.default_rng(7)
        length = HISTORY + 2 * minutes
        counts = rng.poisson(stream(rng, level, length))
        negative = rng.binomial(counts, NEGATIVE)
        risky = rng.binomial(counts, RISKY)
        risky_negative = rng.binomial(negative, RISKY)
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{folder}/cost.db")
            SQLModel.metadata.create_all(engine)
            with Session(engine) as session:
                session.execute(MentionRollup.__table__.insert(), [  # type: ignore[attr-defined]  # SQLModel's
                    {"monitor_id": "bench", "minute": START + timedelta(minutes=m), "mentions": int(counts[m]),
                     "scored": int(counts[m]), "negative": int(negative[m]), "risky": int(risky[m]),
                     "risky_negative": int(risky_negative[m]), "reach": 0} for m in range(length) if counts[m]])
                session.commit()
            timings: dict[bool, list[float]] = {True: [], False: []}
            for kept in (False, True):
                for minute in range(minutes):
                    now = START + timedelta(minutes=HISTORY + minute + (minutes if kept else 0), seconds=5)
                    if not kept:
                        signals._KEPT.clear()
                    began = time.perf_counter()
                    with Session(engine) as session:
                        signals.assess(session, monitor, now)
                    timings[kept].append((time.perf_counter() - began) * 1000)
            engine.dispose()
        rows.append([f"{level:g}/min", f"{statistics.median(timings[False]):.0f}",
                     f"{statistics.median(timings[True][1:]):.0f}", f"{max(timings[True][1:]):.0f}"])
    bank = ", ".join(f"{shift:g}x" for shift in (shifts or detection.SHIFTS))
    return table(f"Evaluation cost: signals.assess per monitor and minute on SQLite, 8 days of rollups, {minutes} "
                 f"minutes in a row (ms; change detectors at {bank})",
                 ["baseline", "read whole, median", "kept, median", "kept, max"], rows)


# Ingest ---------------------------------------------------------------------------------------------------
def _batch(start: int, size: int) -> bytes:
    now = datetime.now(UTC).isoformat()
    return json.dumps({"mentions": [
        {"platform": "mastodon", "post_id": f"bench-{start + i}", "author": f"user{(start + i) % 5000}",
         "followers": (start + i) % 20_000, "text": f"Northwind's Trailmaster broke after a week, not happy #{i}",
         "language": "en", "created_at": now, "url": f"https://social.example/@u/{start + i}",
         "likes": i % 7, "shares": i % 3, "replies": i % 2} for i in range(size)]}).encode()


async def _ingest(port: int, seconds: float, batch: int, connections: int, rate: float) -> tuple[int, list[float]]:
    from benchmarks.loadgen import Connection
    from benchmarks.stage import ALERT_TOKEN

    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {ALERT_TOKEN}"}
    latencies: list[float] = []
    sent = 0
    interval = batch * connections / rate  # each connection sends one batch per interval (open loop)
    deadline = time.perf_counter() + seconds

    async def worker(index: int) -> None:
        nonlocal sent
        connection = Connection("127.0.0.1", port)
        serial = index * 10_000_000
        next_at = time.perf_counter() + index * interval / connections
        while next_at < deadline:
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            body = _batch(serial, batch)
            began = time.perf_counter()
            answer = await connection.request("POST", "/mentions", headers, body)
            latencies.append(time.perf_counter() - began)
            if answer.status != 202:
                raise RuntimeError(f"POST /mentions answered {answer.status}: {answer.body[:200]!r}")
            sent += batch
            serial += batch
            next_at += interval
        await connection.close()

    await asyncio.gather(*(worker(i) for i in range(connections)))
    return sent, latencies


def ingest_table(seconds: float = 20.0, rate: float = 2_500.0, batches: tuple[int, ...] = (50, 100),
                 connections: int = 4) -> str:
    from benchmarks.database import scalar
    from benchmarks.stage import Stage, clear_proxies
    from benchmarks.stats import percentile

    clear_proxies()
    rows = []
    for batch in batches:
        with tempfile.TemporaryDirectory() as folder, Stage(Path(folder)) as stage:
            began = time.perf_counter()
            sent, latencies = asyncio.run(_ingest(stage.port, seconds, batch, connections, rate))
            elapsed = time.perf_counter() - began
            stored = scalar(stage.database_url, "SELECT count(*) FROM mentions")
        ms = [value * 1000 for value in latencies]
        rows.append([f"{rate:,.0f}/s offered", batch, f"{sent / elapsed:,.0f}/s", stored, len(ms),
                     f"{percentile(ms, 50):.1f}", f"{percentile(ms, 99):.1f}", f"{max(ms):.1f}"])
    return table(f"Ingest: POST /mentions into SQLite, {connections} connections, {seconds:g} s a row "
                 "(target: >= 2,000 mentions/s, p99 < 50 ms)",
                 ["load", "posts a request", "sustained", "rows stored", "requests", "p50 ms", "p99 ms", "max ms"],
                 rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.detection", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="spikes per row")
    parser.add_argument("--quiet-weeks", type=int, default=20, help="quiet weeks per monitor")
    parser.add_argument("--spike-negative", type=float, default=SPIKE_NEGATIVE,
                        help="the share of a spike's own posts that are negative")
    parser.add_argument("--jobs", type=int, default=1, help="processes for the simulated weeks")
    parser.add_argument("--false-alarms", type=float, default=None,
                        help="the volume's false alarms per week (default: the shipped setting)")
    parser.add_argument("--shifts", default=None,
                        help="the change detectors' rises, e.g. 2 or 1.5,2,3,5,10 (default: the shipped bank)")
    parser.add_argument("--burst-share", type=float, default=None,
                        help="the burst tests' part of the volume's budget (default: the shipped setting)")
    parser.add_argument("--oracle-spikes", type=int, default=400,
                        help="onsets a row in the table of what the oracle cannot reach (0: no oracle)")
    parser.add_argument("--shapes", default=",".join(SHAPES), help=f"spike shapes, of {', '.join(SHAPES)}")
    parser.add_argument("--no-ingest", action="store_true", help="skip the ingest measurement")
    parser.add_argument("--cost", action="store_true", help="only the evaluation cost per monitor and minute")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the ingest run")
    args = parser.parse_args(argv)
    shapes = tuple(name for name in args.shapes.split(",") if name)
    unknown = [name for name in shapes if name not in SHAPES]
    if unknown:
        parser.error(f"unknown shape(s) {', '.join(unknown)}: use {', '.join(SHAPES)}")
    shifts = tuple(float(value) for value in args.shifts.split(",")) if args.shifts else None
    if args.cost:
        print(evaluate_cost(shifts=shifts))
        return 0
    print(detection_tables(args.seeds, args.jobs, args.quiet_weeks, args.spike_negative, args.false_alarms, shapes,
                           shifts, args.burst_share, args.oracle_spikes), flush=True)
    if not args.no_ingest:
        print()
        print(ingest_table(args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
