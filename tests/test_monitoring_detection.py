"""Detection as pure functions over synthetic per-minute counts: daily rhythm, slow growth, spikes."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from app.monitoring import detection
from app.monitoring.detection import Post, Series
from app.severity import Severity

END = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)  # a Thursday, midnight
DAYS = 8


def rate(minute: int, level: float, growth: float = 0.0) -> float:
    """Mentions per minute at ``minute`` (0 = the first minute of the history): night low, evening high."""
    hours = (minute % 1440) / 60
    return level * (0.6 - 0.45 * math.cos(2 * math.pi * (hours - 4) / 24)) * (1 + growth) ** (minute / 1440)


def history(level: float, *, growth: float = 0.0, seed: int = 7) -> list[int]:
    rng = random.Random(seed)

    def poisson(mean: float) -> int:  # Knuth's method is fine for these small means
        limit, k, p = math.exp(-mean), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1

    return [poisson(rate(m, level, growth)) for m in range(DAYS * 1440)]


def watch(counts: list[int], minutes: range, **overrides) -> list[int]:
    """The minutes at which the volume signal fires, evaluating every minute as the service does."""
    settings = {"window": 10, "z": 5.0, "min_ratio": 2.0, "min_mentions": 8, **overrides}
    series = Series(counts)
    return [m for m in minutes
            if detection.volume(series.view(0, m), END - timedelta(minutes=len(counts) - m), **settings)]


def test_a_quiet_day_with_its_rhythm_and_slow_growth_raises_nothing():
    counts = history(3.0, growth=0.02)
    assert watch(counts, range(7 * 1440, DAYS * 1440)) == []


def test_a_sudden_spike_is_found_within_minutes_at_night_and_by_day():
    for hour in (3, 19):
        counts = history(3.0)
        onset = 7 * 1440 + hour * 60
        for m in range(onset, onset + 30):
            counts[m] += round(4 * rate(m, 3.0))  # 5x the usual for this time of day
        fired = watch(counts, range(onset, onset + 30))
        assert fired and fired[0] - onset <= 10, hour


def test_the_evening_peak_is_no_spike_but_the_same_count_at_night_is():
    counts = history(3.0)
    evening = 7 * 1440 + 20 * 60
    night = 7 * 1440 + 3 * 60
    usual_evening = sum(counts[evening - 10:evening])
    counts[night - 10:night] = counts[evening - 10:evening]
    assert usual_evening >= 20  # about 25 expected, against 5 at 3 am
    assert watch(counts, range(evening, evening + 1)) == []
    assert watch(counts, range(night, night + 1)) == [night]


def test_a_short_history_is_no_baseline():
    assert detection.baseline([5] * 100, END, 10) is None
    cold = detection.baseline([2] * 600, END, 10)  # no previous day yet: the last hours, flat, much noise
    assert cold.days == 0 and cold.expected == pytest.approx(20) and cold.noise == detection.COLD_START_NOISE


def test_the_tail_probability_falls_with_the_count_and_rises_with_burstiness():
    calm = detection.Baseline(expected=20, noise=0.1, days=5)
    bursty = detection.Baseline(expected=20, noise=0.5, days=5)
    assert detection.tail(20, calm) > detection.tail(40, calm) > detection.tail(80, calm)
    assert detection.tail(60, bursty) > 100 * detection.tail(60, calm)
    assert detection.z_score(10, calm) == 0  # below the baseline
    assert detection.z_score(2_000, detection.Baseline(1_000, 0.1, 5)) > 5  # the normal approximation for large means


@pytest.mark.parametrize(("ratio", "level"), [(2, Severity.LOW), (3, Severity.MEDIUM), (5, Severity.HIGH),
                                              (12, Severity.CRITICAL)])
def test_severity_follows_the_size(ratio, level):
    assert detection.volume_severity(ratio) is level


def test_negative_share_needs_enough_posts():
    assert detection.negative_share(15, 19, share=0.35, min_mentions=20) is None
    found = detection.negative_share(8, 20, share=0.35, min_mentions=20)
    assert found.severity is Severity.MEDIUM and found.figures["negative_share"] == 0.4
    assert detection.negative_share(14, 20, share=0.35, min_mentions=20).severity is Severity.HIGH
    assert detection.negative_share(6, 20, share=0.35, min_mentions=20) is None


def test_reach_by_followers_or_by_engagement_velocity():
    small = Post("meh", "x", followers=900, engagement=3, minutes_old=10)
    assert detection.reach([small], followers=100_000, engagement_per_minute=50) is None
    loud = Post("bad", "x", followers=150_000, engagement=0, minutes_old=1)
    assert detection.reach([loud], followers=100_000, engagement_per_minute=50).severity is Severity.MEDIUM
    huge = Post("bad", "x", followers=2_000_000, engagement=0, minutes_old=1)
    assert detection.reach([huge], followers=100_000, engagement_per_minute=50).severity is Severity.HIGH
    early = Post("bad", "x", followers=10, engagement=100, minutes_old=1)  # 100 in a minute: too early to say
    assert detection.reach([early], followers=100_000, engagement_per_minute=50) is None
    viral = Post("bad", "x", followers=10, engagement=600, minutes_old=6)
    assert detection.reach([viral], followers=100_000, engagement_per_minute=50).figures[
        "max_engagement_per_minute"] == 100


def test_risk_terms_lift_each_finding_one_level():
    finding = detection.Finding("volume", "shitstorm", Severity.HIGH, "spike")
    assert detection.lift([finding], risky=2, min_posts=3) == [finding]
    [lifted] = detection.lift([finding], risky=3, min_posts=3)
    assert lifted.severity is Severity.CRITICAL and lifted.figures["risk_posts"] == 3
    top = detection.Finding("volume", "shitstorm", Severity.CRITICAL, "spike")
    assert detection.lift([top], risky=9, min_posts=3)[0].severity is Severity.CRITICAL


def test_a_rise_of_negative_posts_is_found_before_all_mentions_stand_out():
    """Twenty minutes into a storm whose new posts are mostly negative, all mentions are up by half while the
    negative ones (15 % of a quiet stream) have tripled: the negative posts' own count raises the signal."""
    counts = history(6.0, seed=11)
    negative = history(0.9, seed=12)
    onset = 7 * 1440 + 14 * 60
    for m in range(onset, onset + 20):
        extra = round(0.5 * rate(m, 6.0))  # all mentions at 1.5x
        counts[m] += extra
        negative[m] += extra  # every new post negative: the negative ones at about 4x
    end = END - timedelta(minutes=len(counts) - onset - 20)
    settings = {"window": 10, "z": 4.4, "h": detection.cusum_h(0.05), "min_ratio": 2.0, "min_mentions": 8}
    assert detection.volume(counts[:onset + 20], end, **settings) is None
    found = detection.negative_volume(negative[:onset + 20], end, **settings)
    assert found is not None and found.signal == "negative_volume" and found.summary.startswith("negative posts: ")
    assert found.figures["ratio"] >= 3
    quiet_end = END - timedelta(minutes=len(counts) - onset)
    assert detection.negative_volume(negative[:onset], quiet_end, **settings) is None  # before the storm: nothing


def test_a_stream_too_quiet_to_measure_its_bursts_is_assumed_bursty():
    """At a few mentions a window Poisson noise hides bursts of the usual size: they are assumed (25 %); a busier
    stream's are measured, and a Poisson stream without bursts gets the least burstiness."""
    assert detection.burstiness(Series(history(0.3)), 10) == detection.QUIET_NOISE == 0.25
    assert detection.burstiness(Series(history(3.0)), 10) == detection.MIN_NOISE == 0.1
    import numpy as np

    rng = np.random.default_rng(5)
    blocks = np.repeat(rng.lognormal(0, 0.4, DAYS * 144), 10)  # each 10 minutes' rate varies by 40 %
    bursty = rng.poisson([rate(m, 10.0) * blocks[m] for m in range(DAYS * 1440)]).tolist()
    assert 0.3 < detection.burstiness(Series(bursty), 10) < 0.5


def test_a_history_without_negative_posts_is_no_baseline_for_them():
    """Sentiment not scored (or never negative) for a week: a first handful of negative posts is no storm."""
    negative = [0] * (DAYS * 1440 - 10) + [2] * 10
    settings = {"window": 10, "z": 4.4, "h": detection.cusum_h(0.05), "min_ratio": 2.0, "min_mentions": 8}
    assert detection.negative_volume(negative, END, **settings) is None
    assert detection.volume(negative, END, **settings) is not None
