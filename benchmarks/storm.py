"""Scenario 3 (and 5): an alert storm over a few dedup keys, then the server's resident memory."""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from pathlib import Path

from benchmarks.database import rows, scalar, wait_ready
from benchmarks.loadgen import Answer, Connection
from benchmarks.stage import ALERT_TOKEN, Stage
from benchmarks.stats import figure, percentile

KEYS = 50


def alert_body(key: int, serial: int) -> bytes:
    return json.dumps({
        "source": "monitoring", "kind": "service-outage", "severity": "high",
        "title": f"Checkout errors above threshold in region {key}", "dedup_key": f"storm-{key}",
        "description": "Error rate on the checkout API is above 5% for 3 minutes.",
        "labels": {"service": "checkout", "region": str(key)},
        "url": f"https://monitoring.example.com/alerts/{key}",
        "metrics": {"error_rate": round(0.05 + (serial % 100) / 1000, 3), "serial": serial},
    }).encode()


HEADERS = {"Content-Type": "application/json", "Authorization": f"Bearer {ALERT_TOKEN}"}


async def _send(connection: Connection, body: bytes) -> Answer:
    return await connection.request("POST", "/alerts", HEADERS, body)


async def burst(port: int, size: int, key: int) -> list[Answer]:
    """``size`` identical alerts sent at the same instant, each on its own connection."""
    connections = [Connection("127.0.0.1", port) for _ in range(size)]
    await asyncio.gather(*(c._open() for c in connections))
    body = alert_body(key, 0)
    try:
        return list(await asyncio.gather(*(_send(c, body) for c in connections)))
    finally:
        await asyncio.gather(*(c.close() for c in connections))


async def paced(port: int, count: int, seconds: float, start_serial: int, connections: int = 64) -> list[Answer]:
    """``count`` alerts over the keys, sent at an even rate for ``seconds`` (open loop)."""
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(Connection("127.0.0.1", port))
    answers: list[Answer] = []
    rng = random.Random(7)
    interval = seconds / count

    async def one(serial: int) -> None:
        connection = await pool.get()
        try:
            answers.append(await _send(connection, alert_body(rng.randrange(KEYS), serial)))
        finally:
            pool.put_nowait(connection)

    started = time.perf_counter()
    tasks = []
    for n in range(count):
        delay = started + n * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(start_serial + n)))
    await asyncio.gather(*tasks)
    while not pool.empty():
        await pool.get_nowait().close()
    return answers


async def flat_out(port: int, count: int, start_serial: int, connections: int = 16) -> tuple[list[Answer], float]:
    """``count`` alerts as fast as the server takes them over ``connections`` (closed loop)."""
    serials = iter(range(start_serial, start_serial + count))
    answers: list[Answer] = []
    rng = random.Random(start_serial)

    async def worker() -> None:
        connection = Connection("127.0.0.1", port)
        try:
            for serial in serials:
                answers.append(await _send(connection, alert_body(rng.randrange(KEYS), serial)))
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return answers, time.perf_counter() - started


def windows(answers: list[Answer], width: float) -> list[list[Answer]]:
    """Answers grouped by when they were sent, ``width`` seconds per group; a last group of stragglers dropped."""
    if not answers:
        return []
    start = min(a.sent_at for a in answers)
    groups: dict[int, list[Answer]] = {}
    for answer in answers:
        groups.setdefault(int((answer.sent_at - start) // width), []).append(answer)
    ordered = [groups[i] for i in sorted(groups)]
    if len(ordered) > 1 and len(ordered[-1]) < len(ordered[0]) / 2:
        ordered.pop()
    return ordered


def run(directory: Path, *, alerts: int, seconds: float, burst_size: int, capacity_runs: int,
        capacity_alerts: int, latency: float = 0.1) -> dict:
    """The storm: a burst of identical alerts, then ``alerts`` in ``seconds``, then the server flat out."""
    with Stage(directory, latency=latency) as stage:
        burst_answers = asyncio.run(burst(stage.port, burst_size, 0))
        time.sleep(1.0)  # the burst is measured on its own; the storm starts once its answers are out
        storm = asyncio.run(paced(stage.port, alerts - burst_size, seconds, burst_size))
        memory_after_storm = stage.rss_mb()
        capacity = [asyncio.run(flat_out(stage.port, capacity_alerts, alerts + run * capacity_alerts))
                    for run in range(capacity_runs)]
        incident_ids = [row[0] for row in rows(stage.database_url, "SELECT id FROM incidents ORDER BY id")]
        ready = wait_ready(stage.database_url, incident_ids, timeout=120) if incident_ids else {}
        time.sleep(1.0)
        memory_end = stage.rss_mb()
        created = [c for c in stage.fake.calls_to("conversations.create") if not c.error]
        stored = scalar(stage.database_url, "SELECT count(*) FROM alerts")
    sent = len(burst_answers) + len(storm) + sum(len(a) for a, _ in capacity)
    failures = [a for a in [*burst_answers, *storm, *(x for a, _ in capacity for x in a)] if a.status != 202]
    burst_incidents = {json.loads(a.body).get("incident_id") for a in burst_answers if a.status == 202} - {None}
    width = max(seconds / 6, 1.0)
    groups = windows(storm, width)
    latencies = [a.seconds * 1000 for a in storm]
    return {
        "figures": [
            figure("storm.throughput", "Intake throughput, flat out", "alerts/s",
                   [len(a) / s for a, s in capacity], target=">= 500", check=lambda v: v >= 500),
            figure("storm.p99_ms", "Intake latency p99, whole storm (spread: per window)", "ms",
                   [percentile([a.seconds for a in g], 99) * 1000 for g in groups], value=percentile(latencies, 99),
                   target="< 50", check=lambda v: v < 50),
            figure("storm.p50_ms", "Intake latency p50, whole storm (spread: per window)", "ms",
                   [percentile([a.seconds for a in g], 50) * 1000 for g in groups], value=percentile(latencies, 50)),
            figure("storm.rate", "Storm rate answered (per window)", "alerts/s", [len(g) / width for g in groups]),
            figure("storm.burst_incidents", f"Burst of {burst_size} identical alerts: incidents", "incidents",
                   [len(burst_incidents)], target="= 1", check=lambda v: v == 1),
            figure("storm.burst_max_ms", f"Burst of {burst_size} identical alerts: slowest answer", "ms",
                   [max((a.seconds for a in burst_answers), default=math.nan) * 1000]),
            figure("storm.incidents", "Incidents opened", "incidents", [len(incident_ids)],
                   target=f"= {KEYS}", check=lambda v: v == KEYS),
            figure("storm.channels", "Channels created", "channels", [len(created)],
                   target=f"= {KEYS}", check=lambda v: v == KEYS),
            figure("memory.rss_mb", "Server resident memory after the storm scenario", "MB",
                   [(memory_end or {}).get("rss", math.nan)], target="< 200", check=lambda v: v < 200),
        ],
        "details": {
            "alerts_sent": sent, "alerts_stored": stored, "failed_requests": len(failures),
            "failure_samples": [f"{a.status} {a.body[:120]!r}" for a in failures[:5]],
            "burst_size": burst_size, "burst_incidents": sorted(burst_incidents),
            "storm_seconds": seconds, "window_seconds": width,
            "capacity_runs": [{"alerts": len(a), "seconds": s, "p50_ms": percentile([x.seconds for x in a], 50) * 1000,
                               "p99_ms": percentile([x.seconds for x in a], 99) * 1000} for a, s in capacity],
            "rooms_ready": len(ready), "memory_after_storm_mb": memory_after_storm, "memory_end_mb": memory_end,
            "latency_s": latency,
        },
    }
