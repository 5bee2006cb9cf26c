"""Prometheus metrics of monitoring (served with the others at GET /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

MENTIONS = Counter("warroom_mentions_total", "Posts received by the monitoring intake and connectors", ["outcome"])
MENTION_INTAKE = Histogram("warroom_mention_intake_seconds", "Time to answer POST /mentions",
                           buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0))
CONNECTOR_UP = Gauge("warroom_monitor_connector_up", "1 when the connector's last poll worked, else 0",
                     ["monitor", "connector"])
CONNECTOR_FAILURES = Gauge("warroom_monitor_connector_failures", "Failed polls of a connector in a row",
                           ["monitor", "connector"])
CONNECTOR_POLLS = Counter("warroom_monitor_connector_polls_total", "Polls of the pull connectors",
                          ["monitor", "connector", "outcome"])
SIGNALS = Counter("warroom_monitor_signals_total", "Alerts raised by monitors", ["monitor", "kind", "severity"])


def record_stored(stored) -> None:
    for outcome in ("new", "repeated", "unmatched", "expired"):
        value = getattr(stored, outcome)
        if value:
            MENTIONS.labels(outcome=outcome).inc(value)


def record_intake(stored, seconds: float) -> None:
    record_stored(stored)
    MENTION_INTAKE.observe(seconds)
