"""Tells a room about alerts attached to its incident: repeats are counted into one message per window."""

from __future__ import annotations

import logging
import threading

from slack_sdk.errors import SlackApiError
from sqlmodel import Session, col, select

from app.alerts.models import Alert
from app.db import transaction
from app.incidents import service as incidents
from app.slack.text import escape

log = logging.getLogger(__name__)


class AlertUpdates:
    """Coalesces attached alerts: at most one room message per incident per ``window`` seconds."""

    def __init__(self, core, window: float = 10.0) -> None:
        self.core = core
        self.window = window
        self._lock = threading.Lock()
        self._timers: dict[int, threading.Timer] = {}

    def attached(self, incident_id: int) -> None:
        with self._lock:
            if incident_id in self._timers:
                return
            timer = threading.Timer(self.window, self.flush, args=(incident_id,))
            timer.daemon = True
            self._timers[incident_id] = timer
        timer.start()

    def flush(self, incident_id: int) -> int:
        """Post one summary of the incident's unposted alerts; returns how many it covered."""
        with self._lock:
            self._timers.pop(incident_id, None)
        with Session(self.core.engine) as session:
            incident = incidents.get(session, incident_id)
            query = select(Alert).where(Alert.incident_id == incident_id, Alert.posted == False)  # noqa: E712
            alerts = list(session.exec(query.order_by(col(Alert.id))))
        if not alerts or not incident.channel_id:
            return 0
        try:
            self.core.slack.chat_postMessage(channel=incident.channel_id, **summary(alerts, incident.alert_count))
        except SlackApiError as exc:
            log.warning("alert update for incident %s failed: %s", incident_id, exc.response.get("error"))
            return 0
        with transaction(self.core.engine) as session:
            for alert in alerts:
                alert.posted = True
                session.add(alert)
        return len(alerts)

    def cancel(self) -> None:
        with self._lock:
            for timer in self._timers.values():
                timer.cancel()
            self._timers.clear()


def summary(alerts: list[Alert], total: int) -> dict:
    resolved = [a for a in alerts if a.status == "resolved"]
    firing = len(alerts) - len(resolved)
    latest = alerts[-1]
    parts = []
    if firing:
        parts.append(f":repeat: {firing} more alert{'s' if firing != 1 else ''} attached")
    if resolved:
        parts.append(f":white_check_mark: {len(resolved)} resolved (the incident stays open until the lead closes it)")
    metrics = ", ".join(f"{escape(k)} {v:g}" for k, v in list(latest.metrics.items())[:5])
    text = " · ".join(parts) + f"\nLatest: {escape(latest.title)}" + (f" ({metrics})" if metrics else "")
    text += f"\n_{total} alerts in total_"
    return {"text": text}
