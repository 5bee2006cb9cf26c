"""Scenario 6: with Slack's rate limits on, how soon a critical alert behind 50 low ones has its room.

The fake Slack enforces Slack's limits here (app/sandbox/rate_limits.py): conversations.create about 20 a
minute, chat.postMessage about one a second per channel, answering 429 with Retry-After beyond them.
50 low-severity alerts (50 incidents) arrive first, then a critical one; the figure is the time from the
critical alert's POST /alerts to its room being ready.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.database import rows, wait_ready
from benchmarks.room import quiet
from benchmarks.stage import Stage
from benchmarks.stats import figure

TARGET_S = 2.0


def alert_body(number: int, severity: str) -> dict:
    return {"source": "monitoring", "kind": "service-outage", "severity": severity,
            "title": f"{severity.title()} alert {number}: checkout errors in region {number}",
            "dedup_key": f"limits-{severity}-{number}", "description": "Error rate above threshold.",
            "labels": {"service": "checkout", "region": str(number)}}


def run(directory: Path, *, low: int = 50, latency: float = 0.1, timeout: float = 120.0) -> dict:
    """``low`` low alerts, then one critical; Slack's rate limits on."""
    with Stage(directory, latency=latency, rate_limits=True) as stage:
        quiet(stage)
        low_ids = [stage.alert(alert_body(n, "low")).json()["incident_id"] for n in range(low)]
        sent = time.time()
        critical = stage.alert(alert_body(low, "critical")).json()["incident_id"]
        _, ready_at = wait_ready(stage.database_url, [critical], timeout=timeout)[critical]
        marks = ",".join("?" * len(low_ids))
        low_ready = rows(stage.database_url, f"SELECT count(*) FROM incidents WHERE id IN ({marks}) "
                                             "AND room_ready_at IS NOT NULL", *low_ids)[0][0]
        limited = [c for c in stage.fake.calls if c.error == "ratelimited"]
        created = [c for c in stage.fake.calls_to("conversations.create") if not c.error]
    return {
        "figures": [
            figure("limits.critical_ms", f"Critical room ready behind {low} low alerts, Slack's limits on", "ms",
                   [(ready_at - sent) * 1000], target=f"< {TARGET_S * 1000:.0f}",
                   check=lambda v: v < TARGET_S * 1000),
        ],
        "details": {"low_alerts": low, "low_rooms_ready_by_then": low_ready, "channels_created_by_then": len(created),
                    "calls_refused_429": len(limited), "latency_s": latency},
    }
