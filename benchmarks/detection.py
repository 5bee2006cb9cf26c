"""Detection quality on synthetic mention streams, and the mention intake's throughput.

``python -m benchmarks.detection [--seeds N] [--jobs N] [--no-ingest]`` prints one table for quiet weeks and
one per spike shape (median and 90th-percentile delay, misses, false alarms per week outside the spike: mean
and worst week), then the ingest figures of ``POST /mentions`` against a served bot.

The streams: a quiet baseline per monitor (0.3, 2 or 10 mentions a minute on average) with a daily rhythm
(night at a fifth of the evening peak), weekends at 70 %, slow growth of 1 % a day, noise beyond Poisson
(the rate of each 10 minutes varies by about 25 %), 15 % of posts negative and followers drawn from a
heavy-tailed (Pareto) distribution. Eight days of history come first; then a quiet week is watched for
false alarms, and spikes are injected at random times of another week:
- sudden: the rate jumps to k times the baseline for an hour;
- gradual: the rate climbs from 1x to k times the baseline over an hour, then holds for half an hour;
- influencer: one negative post from an account with 500,000 followers, then 1.5x the baseline for 30 min.
Monitors are evaluated once a minute with the shipped defaults; an alert of a kind is raised again only
after the 60-minute cool-down, as in the service.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from app.monitoring import detection
from app.monitoring.definitions import ReachSignal, VolumeSignal

DAY = detection.DAY
WEEK = 7 * DAY
HISTORY = 8 * DAY
START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
# Baselines (mentions a minute on average) and the reach threshold a team would set for each: a brand with
# 14,000 mentions a day hears from 100,000-follower critics every week, so its threshold is higher.
LEVELS = ((0.3, 100_000), (2.0, 100_000), (10.0, 250_000))
COOLDOWN = 60
NEGATIVE = 0.15
INFLUENCER_FOLLOWERS = 500_000


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
    """Evaluates the volume and reach signals minute by minute over a stream, with the service's cool-down."""

    def __init__(self, volume: VolumeSignal, reach: ReachSignal) -> None:
        self.volume, self.reach = volume, reach
        self.last: dict[str, int] = {}
        self.noise: tuple[int, float] | None = None  # the burstiness, re-measured every hour
        self.z, self.h = volume.burst_z(), volume.buildup_z()
        self.cache: dict = {}  # the build-up test's windows already scored

    def alerts_at(self, counts: detection.Series, minute: int, posts: list[detection.Post]) -> list[str]:
        fired = []
        history = counts.view(minute - HISTORY, minute)
        if self.noise is None or minute - self.noise[0] >= 60:
            self.noise = (minute, detection.burstiness(history, self.volume.window_minutes))
        found = detection.volume(counts.view(0, minute), START + timedelta(minutes=minute), noise=self.noise[1],
                                 window=self.volume.window_minutes, z=self.z, h=self.h, cache=self.cache,
                                 min_ratio=self.volume.min_ratio, min_mentions=self.volume.min_mentions)
        if found:
            fired.append("volume")
        if detection.reach(posts, followers=self.reach.followers,
                           engagement_per_minute=self.reach.engagement_per_minute):
            fired.append("reach")
        due = [name for name in fired if minute - self.last.get(name, -10 ** 9) >= COOLDOWN]
        for name in due:
            self.last[name] = minute
        return due


def _loud_posts(rng: np.random.Generator, count: int) -> list[tuple[int, int]]:
    """(followers, engagement) of the posts of one minute that could matter for reach: negative ones from large
    accounts or with much engagement, as the service queries them (the others never count for reach)."""
    followers = (rng.pareto(1.2, size=count) + 1) * 30
    negative = rng.random(count) < NEGATIVE
    engagement = rng.poisson(followers / 1000)  # seen in the post's first minutes: 0.1 % of the followers
    return [(int(f), int(e)) for f, n, e in zip(followers, negative, engagement, strict=True)
            if n and (f >= 1e4 or e >= 100)]


def run(rng: np.random.Generator, level: float, shape: str | None, factor: float, volume: VolumeSignal,
        reach: ReachSignal) -> tuple[float | None, Counter]:
    """One simulated week: (delay of the first alert after the onset, or None; false alarms outside the spike
    by signal)."""
    length = HISTORY + WEEK
    rate = stream(rng, level, length)
    onset = HISTORY + int(rng.integers(DAY, WEEK - DAY)) if shape else None
    expected = rate.copy()
    if shape == "sudden":
        expected[onset:onset + 60] *= factor
    elif shape == "gradual":
        expected[onset:onset + 60] *= 1 + (factor - 1) * np.arange(1, 61) / 60
        expected[onset + 60:onset + 90] *= factor
    elif shape == "influencer":
        expected[onset:onset + 30] *= 1.5
    counts = rng.poisson(expected)
    series = detection.Series(counts.tolist())
    watch = Watch(volume, reach)
    recent: list[list[tuple[int, int]]] = [[] for _ in range(length)]
    delay, false_alarms = None, Counter()
    spike_end = onset + 120 if onset is not None else None
    for minute in range(HISTORY, length):
        recent[minute - 1] = _loud_posts(rng, int(counts[minute - 1]))
        if shape == "influencer" and minute - 1 == onset:
            recent[minute - 1].append((INFLUENCER_FOLLOWERS, 40))
        window_posts = [detection.Post(text="", platform="x", followers=f, engagement=e, minutes_old=minute - m)
                        for m in range(max(0, minute - 60), minute) for f, e in recent[m]]
        for name in watch.alerts_at(series, minute, window_posts):
            if onset is not None and onset <= minute - 1 < spike_end:
                if delay is None:
                    delay = minute - onset
            else:
                false_alarms[name] += 1
    return delay, false_alarms


def table(title: str, header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    line = lambda cells: "  ".join(str(c).rjust(w) for c, w in zip(cells, widths, strict=True))  # noqa: E731
    return "\n".join([title, line(header), line(["-" * w for w in widths]), *map(line, rows)])


def _one(task: tuple[int, float, int, str | None, float]) -> tuple[float | None, Counter]:
    seed, level, followers, shape, factor = task
    return run(np.random.default_rng(seed), level, shape, factor, VolumeSignal(), ReachSignal(followers=followers))


def _alarm_figures(results: list[tuple[float | None, Counter]]) -> list[str]:
    totals = [sum(alarms.values()) for _, alarms in results]
    return [f"{statistics.mean(totals):.2f}", str(max(totals))]


def detection_tables(seeds: int, jobs: int = 1) -> str:
    """One table of quiet weeks and one per spike shape, each row over ``seeds`` simulated weeks (``jobs``
    processes)."""
    tasks = [(1000 + seed, level, followers, None, 1.0) for level, followers in LEVELS for seed in range(seeds)]
    shapes = (("sudden", (5, 10)), ("gradual", (5, 10)), ("influencer", (1,)))
    tasks += [(seed, level, followers, shape, float(factor)) for shape, factors in shapes
              for level, followers in LEVELS for factor in factors for seed in range(seeds)]
    if jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(jobs) as pool:
            results = dict(zip(tasks, pool.map(_one, tasks, chunksize=4), strict=True))
    else:
        results = {task: _one(task) for task in tasks}
    out = []
    quiet_rows = []
    for level, followers in LEVELS:
        weeks = [results[(1000 + seed, level, followers, None, 1.0)] for seed in range(seeds)]
        quiet_rows.append([f"{level:g}/min", f"{followers:,}", seeds, sum(a["volume"] for _, a in weeks),
                           sum(a["reach"] for _, a in weeks), *_alarm_figures(weeks)])
    out.append(table("Quiet weeks: false alarms per simulated week per monitor (target: at most 1)",
                     ["baseline", "reach at", "weeks", "volume", "reach", "per week", "worst week"], quiet_rows))
    for shape, factors in shapes:
        rows = []
        for level, followers in LEVELS:
            for factor in factors:
                found = [results[(seed, level, followers, shape, float(factor))] for seed in range(seeds)]
                delays = [d for d, _ in found if d is not None]
                missed = sum(d is None for d, _ in found)
                median = f"{statistics.median(delays):.0f}" if delays else "-"
                p90 = f"{np.percentile(delays, 90):.0f}" if delays else "-"
                rows.append([f"{level:g}/min", f"{factor}x" if shape != "influencer" else "1 post", seeds, median,
                             p90, missed, *_alarm_figures(found)])
        out.append(table(f"Spike shape: {shape} (minutes from onset to alert; target: median <= 10 at >= 5x; "
                         "false alarms outside the spike)",
                         ["baseline", "spike", "weeks", "median", "p90", "missed", "false alarms/week", "worst week"],
                         rows))
    return "\n\n".join(out)


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
    parser.add_argument("--seeds", type=int, default=20, help="simulated weeks per row")
    parser.add_argument("--jobs", type=int, default=1, help="processes for the simulated weeks")
    parser.add_argument("--no-ingest", action="store_true", help="skip the ingest measurement")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the ingest run")
    args = parser.parse_args(argv)
    print(detection_tables(args.seeds, args.jobs), flush=True)
    if not args.no_ingest:
        print()
        print(ingest_table(args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
