"""The detection benchmark's simulation finds what it injects (the full tables: python -m benchmarks.detection)."""

from __future__ import annotations

import numpy as np

from app.monitoring.definitions import ReachSignal, VolumeSignal
from benchmarks import detection as bench


def test_a_simulated_week_with_a_sudden_spike_is_alerted_within_minutes():
    delay, false_alarms = bench.run(np.random.default_rng(3), 2.0, "sudden", 10, VolumeSignal(), ReachSignal())
    assert delay is not None and 0 < delay <= 10
    assert sum(false_alarms.values()) <= 2


def test_the_influencer_post_is_alerted_at_the_next_evaluation():
    delay, _ = bench.run(np.random.default_rng(4), 0.3, "influencer", 1, VolumeSignal(), ReachSignal())
    assert delay == 1


def test_the_synthetic_rhythm_has_nights_weekends_and_growth():
    minutes = np.arange(14 * bench.DAY)
    rhythm = bench.rhythm(minutes)
    day = rhythm[: bench.DAY]
    assert day.max() / day.min() > 4  # evenings several times the night
    saturday, monday = rhythm[5 * bench.DAY: 6 * bench.DAY], rhythm[7 * bench.DAY: 8 * bench.DAY]
    assert saturday.mean() < 0.75 * monday.mean()
    assert rhythm[7 * bench.DAY: 8 * bench.DAY].mean() > rhythm[: bench.DAY].mean() * 1.05  # a week of growth
