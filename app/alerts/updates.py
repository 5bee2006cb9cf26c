"""Tells a room about alerts attached to its incident: repeats are counted into one message per window.

Escalations (an alert more severe than its incident) are posted at once, before the summary. A room that
is not ready yet is looked at again a window later, so nothing attached during its set-up goes untold.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select, update

from app.alerts import escalations
from app.alerts.formats.limits import GROUP_LISTED_MAX
from app.alerts.models import Alert, AlertStatus
from app.db import affected, transaction
from app.effects import service as effects
from app.incidents import service as incidents
from app.incidents.models import IncidentStatus
from app.slack.text import escape, truncate

if TYPE_CHECKING:
    from app.core import Core

LISTED_TITLE_MAX = 150

log = logging.getLogger(__name__)


class AlertUpdates:
    """Coalesces attached alerts: at most one room message per incident per ``window`` seconds.

    One thread keeps every incident's deadline (a thread per incident made a storm over many incidents
    start dozens of threads from the intake's writer thread).
    """

    def __init__(self, core: Core, window: float = 10.0) -> None:
        self.core = core
        self.window = window
        self._wake = threading.Condition()
        self._due: dict[int, float] = {}  # incident id -> when its summary is posted (monotonic seconds)
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="warroom-alert-updates", daemon=True)
        self._thread.start()

    def attached(self, incident_id: int) -> None:
        """Tell the room within a window (repeats arriving meanwhile join the same message)."""
        self._plan(incident_id, time.monotonic() + self.window)

    def escalated(self, incident_id: int) -> None:
        """Tell the room now: an alert outranks its incident."""
        self._plan(incident_id, time.monotonic())

    def _plan(self, incident_id: int, due: float) -> None:
        with self._wake:
            if self._stopped or self._due.get(incident_id, due + 1) <= due:
                return
            self._due[incident_id] = due
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
        """Post pending escalations, then one summary of the incident's unposted alerts; returns how many
        alerts the summary covered."""
        unposted = (col(Alert.incident_id) == incident_id, col(Alert.posted) == False)  # noqa: E712
        with Session(self.core.engine) as session:
            incident = incidents.get(session, incident_id)
            # Only what the summary shows: each alert's status and key, and the latest alert in full.
            rows = list(session.exec(select(Alert.id, Alert.status, Alert.dedup_key).where(*unposted)
                                     .order_by(col(Alert.id))))
            latest = session.get(Alert, rows[-1][0]) if rows else None
            listed, more = _listed(session, rows)
        if not incident.channel_id:
            if incident.status == IncidentStatus.OPEN:
                self.attached(incident_id)  # the room is still being set up: look again a window later
            return 0
        escalations.post_pending(self.core, incident)
        if latest is None:
            return 0
        message = summary([status for _, status, _ in rows], latest, incident.alert_count, listed, more)
        with transaction(self.core.engine) as session:  # the summary and the alerts' "posted" marks together
            marked = session.execute(update(Alert).where(*unposted, col(Alert.id) <= latest.id).values(posted=True))
            if affected(marked):  # another flush took these alerts meanwhile: nothing to tell twice
                effects.post(session, f"alerts:{incident_id}:upto:{latest.id}", incident_id=incident_id,
                             channel=incident.channel_id, text=message["text"], blocks=message.get("blocks"))
        self.core.deliver()
        return len(rows)

    def cancel(self) -> None:
        """Drop the pending summaries and end the thread."""
        with self._wake:
            self._stopped = True
            self._due.clear()
            self._wake.notify()


def _listed(session: Session, rows: Sequence[tuple[int | None, str, str | None]]) -> tuple[list[tuple[str, str]], int]:
    """When the alerts have several distinct keys (a group's alerts): (title, status) of the latest alert
    of at most GROUP_LISTED_MAX keys, newest first, and how many keys are left out."""
    latest_by_key: dict[str | None, int] = {}
    for alert_id, _status, key in rows:
        assert alert_id is not None  # stored rows
        latest_by_key[key] = alert_id
    if len(latest_by_key) < 2:
        return [], 0
    ids = sorted(latest_by_key.values(), reverse=True)[:GROUP_LISTED_MAX]
    found = {alert_id: (title, status) for alert_id, title, status in
             session.exec(select(Alert.id, Alert.title, Alert.status).where(col(Alert.id).in_(ids)))}
    return [found[alert_id] for alert_id in ids], len(latest_by_key) - len(ids)


def summary(statuses: list[str], latest: Alert, total: int, listed: Sequence[tuple[str, str]] = (),
            more: int = 0) -> dict[str, Any]:
    """One room message for the alerts with these statuses (oldest first): the latest one, or the
    distinct alerts of a group as ``listed`` (title, status) and how many ``more`` there are."""
    resolved = [status for status in statuses if status == AlertStatus.RESOLVED]
    firing = len(statuses) - len(resolved)
    parts = []
    if firing:
        parts.append(f":repeat: {firing} more alert{'s' if firing != 1 else ''} attached")
    if resolved:
        parts.append(f":white_check_mark: {len(resolved)} resolved (the incident stays open until the lead closes it)")
    text = " · ".join(parts)
    if listed:
        for title, status in listed:
            resolved_mark = " (resolved)" if status == AlertStatus.RESOLVED else ""
            text += f"\n• {truncate(escape(title), LISTED_TITLE_MAX)}{resolved_mark}"
        if more:
            text += f"\n…and {more} more distinct alert{'s' if more != 1 else ''}"
    else:
        metrics = ", ".join(f"{escape(k)} {v:g}" for k, v in list(latest.metrics.items())[:5])
        text += f"\nLatest: {escape(latest.title)}" + (f" ({metrics})" if metrics else "")
    text += f"\n_{total} alerts in total_"
    return {"text": text}
