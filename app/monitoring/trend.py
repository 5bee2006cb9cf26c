"""The trend since a room opened, for the room and status views: did the statement turn the curve?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.incidents.models import Incident
from app.monitoring.models import Mention, MentionRollup, MonitorSignal
from app.monitoring.quoting import quote
from app.monitoring.store import minute_of
from app.slack import blocks as bk
from app.slack.text import escape
from app.timeutil import as_utc, utcnow

BUCKET_MINUTES = 15
BUCKET = timedelta(minutes=BUCKET_MINUTES)
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
        signal = session.execute(select(MonitorSignal).where(col(MonitorSignal.incident_id) == incident_id)
                                 .order_by(col(MonitorSignal.fired_at)).limit(1)).scalars().first()
        incident = session.get(Incident, incident_id)
        if signal is None or incident is None:
            return None
        since = minute_of(min(as_utc(incident.created_at), as_utc(signal.fired_at))) - BEFORE
        rows = session.execute(select(col(MentionRollup.minute), func.sum(col(MentionRollup.mentions)),
                                      func.sum(col(MentionRollup.scored)), func.sum(col(MentionRollup.negative)))
                               .where(col(MentionRollup.monitor_id) == signal.monitor_id,
                                      col(MentionRollup.minute) >= since, col(MentionRollup.minute) < now)
                               .group_by(col(MentionRollup.minute))).all()
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



SPARK = "▁▂▃▄▅▆▇█"
SPARK_MAX = 24  # bars in a sparkline: the last six hours of quarter hours
TOP_POSTS = 3
TOP_QUOTE = 200


def sparkline(values: list[float | None]) -> str:
    """Unicode blocks from the least to the largest value (``·`` where there is none); flat values sit low."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = high - low
    return "".join("·" if v is None else SPARK[0 if span == 0 else round((v - low) / span * (len(SPARK) - 1))]
                   for v in values)


@dataclass(frozen=True)
class Overview:
    """The trend since the room opened, per quarter hour: mentions per hour, negative share, reach; and the top
    posts of the last hour (as received, handles masked, not yet escaped)."""

    monitor_id: str
    per_hour: list[int]
    negative: list[float | None]
    reach: list[int]
    top: list[str]

    def lines(self) -> list[str]:
        shown = slice(-SPARK_MAX, None)
        per_hour, negative, reach = self.per_hour[shown], self.negative[shown], self.reach[shown]
        latest_negative = next((v for v in reversed(negative) if v is not None), None)
        return [
            f"Mentions per hour {sparkline([float(v) for v in per_hour])} {per_hour[-1]:,} now, peak {max(per_hour):,}",
            f"Negative share {sparkline(negative)} "
            + (f"{latest_negative:.0%} now" if latest_negative is not None else "none scored"),
            f"Reach (followers) {sparkline([float(v) for v in reach])} {reach[-1]:,} now, peak {max(reach):,}",
        ]


def overview(core, incident_id: int, now: datetime | None = None) -> Overview | None:
    """The incident's mention trend per completed quarter hour from an hour before it opened, for the monitor that
    raised it; None when no monitor raised it."""
    now = now or utcnow()
    with Session(core.engine) as session:
        signal = session.execute(select(MonitorSignal).where(col(MonitorSignal.incident_id) == incident_id)
                                 .order_by(col(MonitorSignal.fired_at)).limit(1)).scalars().first()
        incident = session.get(Incident, incident_id)
        if signal is None or incident is None:
            return None
        since = minute_of(min(as_utc(incident.created_at), as_utc(signal.fired_at))) - BEFORE
        last = max(int((minute_of(now) - since) / BUCKET), 1)  # completed quarter hours
        until = since + last * BUCKET
        rows = session.execute(select(col(MentionRollup.minute), col(MentionRollup.mentions), col(MentionRollup.scored),
                                      col(MentionRollup.negative), col(MentionRollup.reach))
                               .where(col(MentionRollup.monitor_id) == signal.monitor_id,
                                      col(MentionRollup.minute) >= since, col(MentionRollup.minute) < until)).all()
        weight = col(Mention.followers) + 20 * (col(Mention.likes) + col(Mention.shares) + col(Mention.replies))
        posts = session.execute(select(Mention).where(col(Mention.monitor_id) == signal.monitor_id,
                                                      col(Mention.created_at) >= now - timedelta(hours=1),
                                                      col(Mention.created_at) < now)
                                .order_by(weight.desc()).limit(TOP_POSTS)).scalars().all()
        top = [quote(p.text, p.platform, p.followers, p.likes + p.shares + p.replies, TOP_QUOTE) for p in posts]
    sums = [[0, 0, 0, 0] for _ in range(last)]
    for minute, mentions, scored, negative, reach in rows:
        entry = sums[int((as_utc(minute) - since) / BUCKET)]
        for i, value in enumerate((mentions, scored, negative, reach)):
            entry[i] += value
    per_hour = [round(m * (timedelta(hours=1) / BUCKET)) for m, _, _, _ in sums]
    negative_share = [(n / s) if s else None for _, s, n, _ in sums]
    return Overview(signal.monitor_id, per_hour, negative_share, [r for _, _, _, r in sums], top)


def briefing_blocks(core, incident_id: int, now: datetime | None = None) -> list[dict]:
    """The headline briefing's trend section (escaped for Slack), or none for an incident no monitor raised."""
    found = overview(core, incident_id, now)
    if found is None:
        return []
    text = "*Mentions* (" + escape(found.monitor_id) + ", per quarter hour since an hour before the room opened)\n"
    text += "\n".join(f"`{escape(line)}`" for line in found.lines())
    blocks = [bk.section(text)]
    if found.top:
        posts = "\n".join(f"• {escape(post)}" for post in found.top)
        blocks.append(bk.context(f"Top posts of the last hour, as received:\n{posts}"))
    return blocks
