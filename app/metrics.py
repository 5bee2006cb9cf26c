"""Prometheus metrics served at GET /metrics."""

from prometheus_client import Counter, Histogram

ALERTS_RECEIVED = Counter("warroom_alerts_received_total", "Alerts received", ["source", "outcome"])
INCIDENTS_OPENED = Counter("warroom_incidents_opened_total", "Incidents opened", ["playbook"])
SLACK_CALLS = Counter("warroom_slack_calls_total", "Slack Web API calls", ["method"])
SLACK_ERRORS = Counter("warroom_slack_errors_total", "Slack Web API errors", ["method", "error"])
SLACK_LATENCY = Histogram("warroom_slack_call_seconds", "Slack Web API call time", ["method"])
ACK_LATENCY = Histogram(
    "warroom_ack_seconds", "Time to answer a Slack request", ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0),
)
INTAKE_LATENCY = Histogram(
    "warroom_alert_intake_seconds", "Time to accept an alert",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
LISTENER_FAILURES = Counter("warroom_listener_failures_total", "Requests that failed with an unexpected error",
                            ["listener"])
EFFECT_FAILURES = Counter("warroom_effect_failures_total", "Effects (Slack posts, webhook) that failed to deliver",
                          ["kind", "final"])
REPLAY_CHECKS_FROM_MEMORY = Counter("warroom_replay_checks_from_memory_total",
                                    "Slack requests whose replay check the database could not take in time")
REFUSALS = Counter("warroom_refusals_total", "Requests refused by the permission rules", ["action"])


def playbook_label(playbook) -> str:
    """A playbook as a metric label: confidential ones are never named where /metrics is read."""
    return "confidential" if getattr(playbook, "confidential", False) else playbook.id

