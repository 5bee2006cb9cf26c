"""The trend since a room opened, for the room and status views: did the statement turn the curve?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from app.incidents.models import Incident
from app.monitoring.models import MentionRollup, MonitorSignal
from app.monitoring.store import minute_of
from app.slack import blocks as bk
from app.slack.text import escape
from app.timeutil import as_utc, utcnow

BUCKET = timedelta(minutes=15)
BEFORE = timedelta(hours=1)  # the hour before the room opened: the rise the team reacted to


@dataclass(frozen=True)
class Trend:
    monitor_id: str
    since: datetime
    buckets: list[tuple[datetime, int, float | None]]  # (start, mentions, negative share) per 15 minutes
    peak: int
    latest: int
    direction: str  # rising | falling | flat

    def line(self) -> str:
        """One line for a status view, e.g. "Mentions per 15 min: 420 now, peak 910, falling"."""
        return f"Mentions per 15 min ({self.monitor_id}): {self.latest} now, peak {self.peak}, {self.direction}"


def trend(core, incident_id: int, now: datetime | None = None) -> Trend | None:
    """Mentions and negative share per 15 minutes from an hour before the incident opened, for the monitor that
    raised it.

    None when no monitor raised the incident.
    """
    now = now or utcnow()
    with Session(core.engine) as session:
        signal = session.execute(select(MonitorSignal).where(MonitorSignal.incident_id == incident_id)
                                 .order_by(MonitorSignal.fired_at).limit(1)).scalars().first()
        incident = session.get(Incident, incident_id)
        if signal is None or incident is None:
            return None
        since = minute_of(min(as_utc(incident.created_at), as_utc(signal.fired_at))) - BEFORE
        rows = session.execute(select(MentionRollup.minute, func.sum(MentionRollup.mentions),
                                      func.sum(MentionRollup.scored), func.sum(MentionRollup.negative))
                               .where(MentionRollup.monitor_id == signal.monitor_id, MentionRollup.minute >= since,
                                      MentionRollup.minute < now).group_by(MentionRollup.minute)).all()
    buckets: dict[int, list[int]] = {}
    for minute, mentions, scored, negative in rows:
        index = int((as_utc(minute) - since) / BUCKET)
        entry = buckets.setdefault(index, [0, 0, 0])
        entry[0] += mentions
        entry[1] += scored
        entry[2] += negative
    last = int((now - since) / BUCKET)
    series = [(since + i * BUCKET, buckets.get(i, [0])[0],
               (buckets[i][2] / buckets[i][1]) if i in buckets and buckets[i][1] else None) for i in range(last + 1)]
    complete = series[:-1] or series  # the running quarter hour is not finished
    counts = [count for _, count, _ in complete]
    peak, latest = max(counts, default=0), counts[-1] if counts else 0
    previous = counts[-2] if len(counts) >= 2 else latest
    direction = "rising" if latest > previous * 1.15 else "falling" if latest < previous * 0.85 else "flat"
    return Trend(signal.monitor_id, since, series, peak, latest, direction)


def with_trend(core, incident_id: int, message: dict) -> dict:
    """``message`` (text and blocks) with the mention trend as its last block, for an incident a monitor raised;
    unchanged otherwise or when the message has no room left for a block."""
    found = trend(core, incident_id)
    blocks = message.get("blocks") or []
    if found is None or len(blocks) >= bk.MESSAGE_BLOCKS_MAX:
        return message
    return {**message, "blocks": [*blocks, bk.context(f":chart_with_upwards_trend: {escape(found.line())}")]}

