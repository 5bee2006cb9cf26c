"""Tells a room about alerts attached to its incident: repeats are counted into one message per window."""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk.errors import SlackApiError
from sqlmodel import Session, col, select, update

from app.alerts.models import Alert
from app.db import transaction
from app.incidents import service as incidents
from app.slack.text import escape

log = logging.getLogger(__name__)


class AlertUpdates:
    """Coalesces attached alerts: at most one room message per incident per ``window`` seconds.

    One thread keeps every incident's deadline (a thread per incident made a storm over many incidents
    start dozens of threads from the intake's writer thread).
    """

    def __init__(self, core, window: float = 10.0) -> None:
        self.core = core
        self.window = window
        self._wake = threading.Condition()
        self._due: dict[int, float] = {}  # incident id -> when its summary is posted (monotonic seconds)
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="warroom-alert-updates", daemon=True)
        self._thread.start()

    def attached(self, incident_id: int) -> None:
        with self._wake:
            if incident_id in self._due or self._stopped:
                return
            self._due[incident_id] = time.monotonic() + self.window
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while True:
                    if self._stopped:
                        return
                    now = time.monotonic()
                    ready = [incident_id for incident_id, due in self._due.items() if due <= now]
                    if ready:
                        break
                    self._wake.wait(min(self._due.values()) - now if self._due else None)
                for incident_id in ready:
                    del self._due[incident_id]
            for incident_id in ready:
                try:
                    self.core.submit(self.flush, incident_id)
                except RuntimeError:  # the workers have shut down
                    return

    def flush(self, incident_id: int) -> int:
        """Post one summary of the incident's unposted alerts; returns how many it covered."""
        unposted = (Alert.incident_id == incident_id, Alert.posted == False)  # noqa: E712
        with Session(self.core.engine) as session:
            incident = incidents.get(session, incident_id)
            # Only what the summary shows: each alert's status, and the latest alert in full.
            statuses = list(session.exec(select(Alert.id, Alert.status).where(*unposted).order_by(col(Alert.id))))
            latest = session.get(Alert, statuses[-1][0]) if statuses else None
        if latest is None or not incident.channel_id:
            return 0
        message = summary([status for _, status in statuses], latest, incident.alert_count)
        try:
            self.core.slack.chat_postMessage(channel=incident.channel_id, **message)
        except SlackApiError as exc:
            log.warning("alert update for incident %s failed: %s", incident_id, exc.response.get("error"))
            return 0
        with transaction(self.core.engine) as session:
            session.execute(update(Alert).where(*unposted, col(Alert.id) <= latest.id).values(posted=True))
        return len(statuses)

    def cancel(self) -> None:
        """Drop the pending summaries and end the thread."""
        with self._wake:
            self._stopped = True
            self._due.clear()
            self._wake.notify()


def summary(statuses: list[str], latest: Alert, total: int) -> dict:
    """One room message for the alerts with these statuses (oldest first), showing the latest one."""
    resolved = [status for status in statuses if status == "resolved"]
    firing = len(statuses) - len(resolved)
    parts = []
    if firing:
        parts.append(f":repeat: {firing} more alert{'s' if firing != 1 else ''} attached")
    if resolved:
        parts.append(f":white_check_mark: {len(resolved)} resolved (the incident stays open until the lead closes it)")
    metrics = ", ".join(f"{escape(k)} {v:g}" for k, v in list(latest.metrics.items())[:5])
    text = " · ".join(parts) + f"\nLatest: {escape(latest.title)}" + (f" ({metrics})" if metrics else "")
    text += f"\n_{total} alerts in total_"
    return {"text": text}
