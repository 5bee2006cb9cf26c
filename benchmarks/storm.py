"""Scenario 3: an alert storm over a few dedup keys, sent open loop at the target rate from its own process."""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import time
from pathlib import Path

from benchmarks import openloop
from benchmarks.database import rows, scalar, wait_ready
from benchmarks.loadgen import Answer, Connection
from benchmarks.stage import ALERT_TOKEN, Stage
from benchmarks.stats import figure, percentile, windows

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


def storm_plan(port: int, count: int, rate: float, start_serial: int) -> dict:
    """``count`` alerts over the keys at random times, ``rate`` a second on average, each on a new connection."""
    rng = random.Random(7)
    requests = [{"kind": "alert", "label": "alert", "headers": HEADERS,
                 "body": alert_body(rng.randrange(KEYS), start_serial + n).decode()} for n in range(count)]
    return {"port": port, "path": "/alerts", "rate": rate, "seed": 7, "requests": requests}


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process has used so far, from /proc (Linux; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(directory: Path, *, alerts: int, rate: float, burst_size: int, capacity_runs: int,
        capacity_alerts: int, latency: float = 0.1, rooms_timeout: float | None = 240.0) -> dict:
    """The storm: a burst of identical alerts, then ``alerts`` at ``rate`` a second, then the server flat out."""
    with Stage(directory, latency=latency, env=openloop.stage_times(directory)) as stage:
        burst_answers = asyncio.run(burst(stage.port, burst_size, 0))
        time.sleep(1.0)  # the burst is measured on its own; the storm starts once its answers are out
        # The web process's CPU per alert: what the storm costs the machine, which a shared machine's load
        # does not change as much as it changes the latencies.
        cpu_before = cpu_seconds(stage.process.pid)
        storm = openloop.run(storm_plan(stage.port, alerts - burst_size, rate, burst_size), directory, "storm")
        web_cpu_ms = (cpu_seconds(stage.process.pid) - cpu_before) * 1000 / max(len(storm), 1)
        memory_after_storm = stage.rss_mb()
        capacity = [asyncio.run(flat_out(stage.port, capacity_alerts, alerts + run * capacity_alerts))
                    for run in range(capacity_runs)]
        incident_ids = [row[0] for row in rows(stage.database_url, "SELECT id FROM incidents ORDER BY id")]
        # The bot paces room set-ups to Slack's 20 channels a minute: 50 rooms take about 2.5 minutes.
        # Without a timeout (--quick) the rooms are counted as they are, duplicates still show.
        ready = (wait_ready(stage.database_url, incident_ids, timeout=rooms_timeout)
                 if incident_ids and rooms_timeout else {})
        time.sleep(1.0)
        memory_end = stage.rss_mb()
        created = [c for c in stage.fake.calls_to("conversations.create") if not c.error]
        stored = scalar(stage.database_url, "SELECT count(*) FROM alerts")
        with_channel = scalar(stage.database_url, "SELECT count(*) FROM incidents WHERE channel_id IS NOT NULL")
    sent = len(burst_answers) + len(storm) + sum(len(a) for a, _ in capacity)
    failures = [a for a in [*burst_answers, *(x for a, _ in capacity for x in a)] if a.status != 202]
    failures += [Answer(r["status"], b"", r["seconds"], r["sent_at"]) for r in storm if r["status"] != 202]
    burst_incidents = {json.loads(a.body).get("incident_id") for a in burst_answers if a.status == 202} - {None}
    span = max(r["sent_at"] for r in storm) - min(r["sent_at"] for r in storm)
    width = max(span / 6, 1.0)
    groups = windows(storm, width)
    latencies = [r["seconds"] * 1000 for r in storm]
    return {
        "figures": [
            figure("storm.throughput", "Intake throughput, flat out", "alerts/s",
                   [len(a) / s for a, s in capacity], target=">= 500", check=lambda v: v >= 500),
            figure("storm.p99_ms", "Intake latency p99, whole storm (spread: per window)", "ms",
                   [percentile([r["seconds"] for r in g], 99) * 1000 for g in groups], value=percentile(latencies, 99),
                   target="< 50", check=lambda v: v < 50),
            figure("storm.p50_ms", "Intake latency p50, whole storm (spread: per window)", "ms",
                   [percentile([r["seconds"] for r in g], 50) * 1000 for g in groups], value=percentile(latencies, 50)),
            figure("storm.rate", "Storm rate sent, open loop (per window)", "alerts/s",
                   [len(g) / width for g in groups],
                   value=len(storm) / span if span else math.nan, target=f">= {rate * 0.9:.0f}",
                   check=lambda v: v >= rate * 0.9),
            figure("storm.web_cpu_ms", "Web process CPU per alert during the storm", "ms", [web_cpu_ms]),
            figure("storm.burst_incidents", f"Burst of {burst_size} identical alerts: incidents", "incidents",
                   [len(burst_incidents)], target="= 1", check=lambda v: v == 1),
            figure("storm.burst_max_ms", f"Burst of {burst_size} identical alerts: slowest answer", "ms",
                   [max((a.seconds for a in burst_answers), default=math.nan) * 1000]),
            figure("storm.incidents", "Incidents opened", "incidents", [len(incident_ids)],
                   target=f"= {KEYS}", check=lambda v: v == KEYS),
            figure("storm.channels", "Channels created" if rooms_timeout else "Channels created so far (paced)",
                   "channels", [len(created)], target=f"= {KEYS}" if rooms_timeout else f"<= {KEYS}",
                   check=(lambda v: v == KEYS) if rooms_timeout else (lambda v: v <= KEYS)),
            figure("storm.extra_channels", "Channels created beyond one per incident", "channels",
                   [len(created) - with_channel], target="0", check=lambda v: v == 0),
        ],
        "details": {
            "alerts_sent": sent, "alerts_stored": stored, "failed_requests": len(failures),
            "failure_samples": [f"{a.status} {a.body[:120]!r}" for a in failures[:5]],
            "burst_size": burst_size, "burst_incidents": sorted(burst_incidents),
            "storm_rate": rate, "storm_seconds": span, "window_seconds": width,
            "arrivals": "Poisson, a new connection per alert, generator in its own process",
            "capacity_runs": [{"alerts": len(a), "seconds": s, "p50_ms": percentile([x.seconds for x in a], 50) * 1000,
                               "p99_ms": percentile([x.seconds for x in a], 99) * 1000} for a, s in capacity],
            "rooms_ready": len(ready), "memory_after_storm_mb": memory_after_storm, "memory_end_mb": memory_end,
            "latency_s": latency,
        },
    }
