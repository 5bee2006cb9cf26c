"""Scenario 5: resident memory of each server process once every optional dependency has loaded.

A model draft loads the OpenAI client, a post-incident report loads matplotlib, and an alert storm fills
the intake's caches; only then is each process's resident memory read from /proc.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from benchmarks import openloop
from benchmarks.database import rows, wait_ready
from benchmarks.stage import Stage
from benchmarks.stats import figure
from benchmarks.storm import storm_plan

# Targets per role: the web role only acks; one process doing everything is held to the worker's limit.
TARGETS_MB = {"web": 120.0, "worker": 200.0, "serve": 200.0}
ROLE_LABELS = {"serve": "one process, web and worker", "web": "web process", "worker": "worker process"}


def until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not happen within {timeout:.0f} s")


def run(directory: Path, *, alerts: int, rate: float = 500.0) -> dict:
    """A draft by the model, a report with its chart, then ``alerts`` alerts at ``rate``; memory per process."""
    with Stage(directory, model_delay=0.2) as stage:
        incident = stage.alert({"source": "social-listening", "kind": "shitstorm", "severity": "high",
                                "title": "Backlash over a campaign", "dedup_key": "memory-1"}).json()["incident_id"]
        channel, _ = wait_ready(stage.database_url, [incident], timeout=60)[incident]
        stage.driver.command("U0LEAD", channel, "statement")
        until(lambda: rows(stage.database_url, "SELECT count(*) FROM statements WHERE status != 'drafting'")[0][0],
              60, "the model's draft")
        stage.driver.command("U0LEAD", channel, "report")
        until(lambda: [c for c in stage.fake.calls if c.method.startswith("files.")], 60, "the report's upload")
        records = openloop.run(storm_plan(stage.port, alerts, rate, 0), directory, "memory-storm")
        time.sleep(1.0)  # let the last rooms' set-up finish allocating
        processes = stage.memory()
        libraries = {p["pid"]: stage.loaded(p["pid"], ("matplotlib", "_ssl", "pydantic_core")) for p in processes}
        model_requests = len(stage.model.requests)
    figures = [figure(f"memory.{p['role']}_rss_mb",
                      f"Resident memory, {ROLE_LABELS.get(p['role'], p['role'])} (after a draft, a report, a storm)",
                      "MB", [p["rss"]], target=f"< {TARGETS_MB[p['role']]:.0f}" if p["role"] in TARGETS_MB else "",
                      check=(lambda v, t=TARGETS_MB.get(p["role"], math.inf): v < t))
               for p in processes]
    return {"figures": figures,
            "details": {"processes": processes, "native_libraries_loaded": libraries, "model_requests": model_requests,
                        "storm_alerts": len(records), "storm_failed": sum(r["status"] != 202 for r in records)}}
