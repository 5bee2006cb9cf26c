"""The detection benchmark's simulation finds what it injects, and a small version of its tables keeps a floor
(the full tables: python -m benchmarks.detection)."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from app.monitoring.definitions import ReachSignal, VolumeSignal
from benchmarks import detection as bench


def _spikes(level: float, shape: str, factor: float, seeds: range, **options) -> list[bench.Outcome]:
    return [bench.run(np.random.default_rng(seed), level, shape, factor, VolumeSignal(), ReachSignal(), **options)
            for seed in seeds]


def test_a_sudden_spike_is_alerted_within_minutes():
    found = _spikes(2.0, "sudden", 10, range(3, 6))
    assert all(o.delay is not None and 0 < o.delay <= 10 for o in found)
    assert all(o.reached == 0 and o.since_5x == o.delay for o in found)
    assert all(sum(o.false_alarms.values()) == 0 for o in found)  # the two hours before the onset were quiet


def test_a_gradual_storm_of_criticism_is_alerted_well_before_it_reaches_5x():
    """The floor of the gradual shape: over an hour to 5x, its new posts 60 % negative, at 10 mentions a minute
    (the full table has the other levels and 20 spikes a row)."""
    found = _spikes(10.0, "gradual", 5, range(4))
    delays = [o.delay for o in found]
    assert None not in delays and statistics.median(delays) <= 25
    assert all(o.reached == 59 and o.since_5x is not None and o.since_5x < -30 for o in found)


def test_a_gradual_rise_of_ordinary_posts_is_found_by_their_number_alone():
    found = _spikes(10.0, "gradual", 5, range(2), spike_negative=bench.NEGATIVE)
    assert all(o.delay is not None and o.delay <= 45 and o.signal == "volume" for o in found)


def test_the_influencer_post_is_alerted_at_the_next_evaluation():
    [outcome] = _spikes(0.3, "influencer", 1, range(4, 5))
    assert outcome.delay == 1 and outcome.signal == "reach" and outcome.reached is None


def test_the_spike_shapes_rise_as_described():
    gradual = bench.multiplier("gradual", 5)
    assert len(gradual) == 90 and gradual[0] == 1 + 4 / 60 and gradual[59] == 5 and set(gradual[60:]) == {5}
    assert list(bench.multiplier("sudden", 10)) == [10] * 60 and len(bench.multiplier(None, 1)) == 0


def test_the_synthetic_rhythm_has_nights_weekends_and_growth():
    minutes = np.arange(14 * bench.DAY)
    rhythm = bench.rhythm(minutes)
    day = rhythm[: bench.DAY]
    assert day.max() / day.min() > 4  # evenings several times the night
    saturday, monday = rhythm[5 * bench.DAY: 6 * bench.DAY], rhythm[7 * bench.DAY: 8 * bench.DAY]
    assert saturday.mean() < 0.75 * monday.mean()
    assert rhythm[7 * bench.DAY: 8 * bench.DAY].mean() > rhythm[: bench.DAY].mean() * 1.05  # a week of growth


def test_spike_posts_with_risk_terms_are_alerted_sooner():
    """The same gradual rises (the same counts: the risk terms are drawn from their own stream), once with 30 % of
    the spike's posts carrying risk terms: weighted as more evidence, they are never found later, and sooner at
    least once; 2 % of the quiet posts carry risk terms in both."""
    plain = _spikes(2.0, "gradual", 5, range(3), spike_negative=bench.NEGATIVE)
    risky = _spikes(2.0, "gradual", 5, range(3), spike_negative=bench.NEGATIVE, spike_risky=bench.SPIKE_RISKY)
    assert None not in [o.delay for o in plain + risky]
    pairs = [(r.delay, p.delay) for r, p in zip(risky, plain, strict=True)]
    assert all(r <= p for r, p in pairs) and any(r < p for r, p in pairs)


def test_the_bound_is_the_minutes_the_spikes_divergence_needs_to_reach_the_threshold():
    """A step to 5x of 2 posts a minute diverges by 2·(5·log 5 − 4) = 8.09 a minute (Poisson): the threshold of one
    alarm in 201,600 quiet minutes (12.2) is reached in the second minute; half as many posts take four."""
    h = math.log(bench.WEEK / 0.05)
    quiet = np.full((1, 30), 2.0)
    assert bench.bound(quiet, quiet * 5, h) == 2
    assert bench.bound(quiet / 2, quiet * 5 / 2, h) == 4
    assert bench.bound(quiet, quiet, h) is None  # no change, no detection
    kinds = bench._cells(np.full(3, 10.0), np.full(3, 0.15), np.full(3, 0.02))
    assert kinds.shape == (4, 3) and np.allclose(kinds.sum(axis=0), 10.0)  # the four kinds of post add up


def test_a_gradual_rise_has_its_bound_and_the_detector_is_not_much_faster():
    """The bound is an expected delay: one rise may be found a little sooner by luck, never at half of it."""
    found = _spikes(2.0, "gradual", 5, range(2))
    assert all(o.bound is not None and 10 < o.bound < 60 for o in found)
    assert all(o.delay is not None and o.bound is not None and o.delay >= o.bound / 2 for o in found)


def test_the_oracle_is_held_to_the_target_on_quiet_weeks_and_no_further():
    """Its threshold is the least at which no quiet week raises more than one alarm: a twentieth lower, one does."""
    h, mean = bench.oracle_threshold(2.0, 5, weeks=6)
    steps = np.stack([bench.oracle_steps(bench.simulate(np.random.default_rng(1000 + seed), 2.0, None, 1.0), 5,
                                         bench.SPIKE_NEGATIVE, 0.0)[bench.HISTORY:] for seed in range(6)])
    assert bench.oracle_alarms(steps, h).max() <= bench.ORACLE_WORST
    assert bench.oracle_alarms(steps, h - 0.05).max() > bench.ORACLE_WORST
    assert mean == pytest.approx(bench.oracle_alarms(steps, h).mean()) and 5 < h < math.log(bench.WEEK)


def test_the_oracle_knowing_the_quiet_rate_is_never_later_than_the_monitor():
    """The same sudden spikes (the same seeds draw the same posts) read by the monitor and by the oracle."""
    h, _ = bench.oracle_threshold(2.0, 5, weeks=6)
    for seed in range(3):
        monitor = bench.run(np.random.default_rng(seed), 2.0, "sudden", 5, VolumeSignal(), ReachSignal())
        oracle = bench.oracle_delay(bench.simulate(np.random.default_rng(seed), 2.0, "sudden", 5), 5,
                                    bench.SPIKE_NEGATIVE, 0.0, h)
        assert oracle is not None and monitor.delay is not None and 0 < oracle <= monitor.delay


def test_what_is_out_of_reach_on_a_quiet_stream_is_mostly_at_night():
    h, _ = bench.oracle_threshold(0.3, 5, weeks=6)
    late = bench.out_of_reach(0.3, "sudden", 5, h, spikes=60)
    assert set(late) == {"00-06h", "06-12h", "12-18h", "18-24h", "all"}
    assert late["00-06h"] > late["12-18h"] and 0 < late["all"] < 1
    assert bench.out_of_reach(10.0, "sudden", 5, h, spikes=20)["all"] == 0  # busy: all in time
