"""Negative posts with risk terms: counted in the per-minute rollups (real SQLite), weighted in the negative posts'
change detector as in the one on all mentions; the change detector's overdispersion keeps its budget on a busy,
bursty stream; and a monitor's history kept between evaluations reads the same as a fresh read."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from sqlmodel import Session, select

from app.monitoring import detection, signals
from app.monitoring.definitions import RiskTerms
from app.monitoring.detection import CusumCache, Series
from app.monitoring.intake import PostIn
from app.monitoring.models import Mention, MentionRollup
from app.monitoring.runtime import configure
from app.monitoring.store import minute_of, store_posts
from tests.test_monitoring_detection_cusum import DAY, START, H, rate
from tests.test_monitoring_signals import NOW, _monitor, quiet_week


def _negative_stream(seed: int, level: float, days: int, onset: int, *, spike_risky: float) -> tuple[list, list]:
    """Negative posts per minute and those of them with risk terms: 15 % of a bursty quiet stream negative, 2 % of
    those with a risk term; from ``onset`` a rise to 5x over an hour whose own posts are 60 % negative and
    ``spike_risky`` of those carry risk terms."""
    rng = np.random.default_rng(seed)
    minutes = np.arange(days * DAY)
    base = rate(minutes, level, 0.01) * np.repeat(rng.lognormal(-0.02, 0.2, days * 144), 10)
    extra = np.zeros_like(base)
    extra[onset:] = base[onset:] * np.minimum((minutes[onset:] - onset + 1) / 60, 1.0) * 4
    quiet, spike = rng.binomial(rng.poisson(base), 0.15), rng.binomial(rng.poisson(extra), 0.6)
    risky = rng.binomial(quiet, 0.02) + rng.binomial(spike, spike_risky)
    return (quiet + spike).tolist(), risky.tolist()


def _first_negative_alert(counts: list, minutes: range, evidence: detection.Evidence | None) -> int | None:
    series, cache = Series(counts), CusumCache()
    noise = detection.burstiness(series.view(0, minutes.start), 10)
    for minute in minutes:
        view = None if evidence is None else detection.Evidence(evidence.counts.view(0, minute), evidence.dispersion,
                                                                evidence.noise)
        found = detection.negative_volume(series.view(0, minute), START + timedelta(minutes=minute), window=10,
                                          z=detection.burst_z(0.05 / 4), h=H, min_ratio=2.0, min_mentions=8,
                                          noise=noise, evidence=view, cache=cache)
        if found is not None:
            return minute
    return None


@pytest.mark.parametrize("seed", [2, 6])
def test_the_negative_detector_weights_risk_term_posts_and_finds_the_rise_sooner(seed):
    """At 2 mentions a minute, a storm of criticism whose negative posts carry risk terms in 40 % of cases (2 % in
    quiet times): weighting them finds it sooner than counting each negative post once."""
    onset = 9 * DAY + 15 * 60
    negative, risky = _negative_stream(seed, 2.0, 10, onset, spike_risky=0.4)
    watched = range(onset - 60, onset + 90)
    plain = _first_negative_alert(negative, watched, None)
    weighted = detection.weighted(negative, risky, RiskTerms().weight, history=onset - 60)
    weighted = detection.Evidence(weighted.counts, weighted.dispersion,
                                  detection.burstiness(weighted.counts.view(0, onset - 60), 10))
    sooner = _first_negative_alert(negative, watched, weighted)
    assert plain is not None and sooner is not None and onset < sooner < plain
    assert _first_negative_alert(negative, range(onset - 600, onset), weighted) is None  # quiet before


def test_the_overdispersion_keeps_walds_bound_over_a_window_of_bursty_minutes():
    """The minutes of a window rise together with its burst: the steps of a window, divided by the overdispersion,
    must have E[exp(sum)] <= 1 (integrated finely here: the Poisson count's own generating function over the
    log-normal rate, whose bursts beyond 6 standard deviations, one window in 10^9, are left out: the log-normal
    has no finite generating function); matching the variance alone leaves it well above 1 on a busy stream."""
    noise, shift, window = 0.25, 2.0, 10
    z = np.linspace(-6, 6, 24_001)
    density = np.exp(-z * z / 2) / math.sqrt(2 * math.pi) * (z[1] - z[0])

    def mgf(expected: float, divisor: float) -> float:
        mean = expected * window * np.exp(noise * z - noise ** 2 / 2)  # the window's rate, log-normal
        return float(np.sum(density * np.exp(mean * (shift ** (1 / divisor) - 1)
                                             - (shift - 1) * expected * window / divisor)))

    for expected in (0.3, 2.0, 10.0):
        found = detection.overdispersion(expected, noise, shift, window)
        matched = 1 + noise ** 2 * expected * window
        assert found >= matched
        assert 0.97 <= mgf(expected, found) <= 1.01
        if expected >= 2:
            assert mgf(expected, matched) > 1.3
    assert detection.overdispersion(0.01, noise, shift, window) == pytest.approx(1.0, abs=0.01)


def test_a_busy_bursty_quiet_fortnight_raises_at_most_one_alarm():
    """10 mentions a minute whose 10-minute rate varies by 25 % (log-normal), with nights, a weekend and 1 % growth
    a day, watched for five days with the shipped thresholds: the variance-matched change detector raised an alarm
    about every five weeks of such a stream; within budget it raises at most one here."""
    rng = np.random.default_rng(21)
    minutes = np.arange(14 * DAY)
    counts = rng.poisson(rate(minutes, 10.0, 0.01) * np.repeat(rng.lognormal(-0.03, 0.25, 14 * 144), 10)).tolist()
    series, cache = Series(counts), CusumCache()
    noise = detection.burstiness(series.view(0, 8 * DAY), 10)
    alarms, last = 0, -10 ** 9
    for minute in range(9 * DAY, 14 * DAY):
        found = detection.volume(series.view(0, minute), START + timedelta(minutes=minute), window=10,
                                 z=detection.burst_z(0.05 / 4), h=H, min_ratio=2.0, min_mentions=8, noise=noise,
                                 cache=cache, start=last + 60 if minute >= last + 60 else max(last, 0))
        if found is not None and minute - last >= 60:
            alarms, last = alarms + 1, minute
    assert alarms <= 1


@pytest.fixture
def box(sandbox):
    configure(sandbox.core, [_monitor()])
    return sandbox


def _post(number: int, text: str, minutes_ago: float) -> PostIn:
    return PostIn(platform="mastodon", post_id=f"p{number}", text=text, language="en",
                  created_at=NOW - timedelta(minutes=minutes_ago), author=f"author_{number}", followers=100)


def test_the_rollups_count_negative_posts_with_risk_terms(box):
    texts = ["Northwind lied to us, boycott them now",  # negative, risk term
             "Northwind is awful, terrible service",  # negative
             "Northwind boycott? I love their jackets, great",  # risk term, not negative
             "Northwind jacket arrived today"]  # neither
    store_posts(box.core, [_post(i, texts[i % 4], 3 + i % 2) for i in range(12)], NOW)
    store_posts(box.core, [_post(0, texts[0], 3)], NOW)  # sent again: not counted twice
    with Session(box.core.engine) as session:
        mentions = session.exec(select(Mention)).all()
        rollups = session.exec(select(MentionRollup)).all()
    assert sum(r.mentions for r in rollups) == 12
    both = sum(m.negative and m.risky for m in mentions)
    assert both == 3 and sum(r.risky_negative for r in rollups) == both
    assert sum(r.risky for r in rollups) == 6 and sum(r.negative for r in rollups) == 6


def test_the_history_kept_between_evaluations_reads_as_a_fresh_one(box):
    """Minute by minute, with posts arriving on time and late (within the minutes read again): the kept history
    equals a fresh read of the rollups, and the findings equal those of a fresh evaluation."""
    quiet_week(box, per_minute=2)
    monitor = _monitor()
    volume = monitor.signals.volume
    assert volume is not None
    history = detection.HISTORY_DAYS * DAY + detection.CUSUM_LOOKBACK + volume.window_minutes + detection.SMOOTH_MAX
    texts = ["Northwind lied to us, boycott them now", "Northwind is awful, terrible service"]
    for step in range(12):
        now = NOW + timedelta(minutes=step)
        store_posts(box.core, [_post(100 * step + i, texts[i % 2], -step + 0.5) for i in range(3 * step)]
                    + [_post(100 * step + 99, texts[0], 40 - step)], now)  # and one late post
        with Session(box.core.engine) as session:
            kept = signals.kept_history(session, "northwind", minute_of(now), history)
            assert kept.columns == signals._read(session, "northwind", minute_of(now), history)
            findings, _ = signals.assess(session, monitor, now)
            signals._KEPT.clear()  # forget it: the next evaluation reads the whole history
            fresh, _ = signals.assess(session, monitor, now)
        assert findings == fresh
    assert findings and any(f.signal in ("volume", "negative_volume") for f in findings)  # the rise was found
