"""The trend since a room opened, for the room and status views: did the statement turn the curve?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app import i18n
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
class Origin:
    """The monitor whose signal raised an incident, where its trend starts and the incident's language."""

    monitor_id: str
    since: datetime  # an hour before the room opened (or the signal fired, if earlier), on a whole minute
    language: str


def origin(session: Session, incident_id: int) -> Origin | None:
    """The first signal that raised the incident, or None when no monitor raised it."""
    signal = session.execute(select(MonitorSignal).where(col(MonitorSignal.incident_id) == incident_id)
                             .order_by(col(MonitorSignal.fired_at)).limit(1)).scalars().first()
    incident = session.get(Incident, incident_id)
    if signal is None or incident is None:
        return None
    since = minute_of(min(as_utc(incident.created_at), as_utc(signal.fired_at))) - BEFORE
    return Origin(signal.monitor_id, since, i18n.language_of(incident.language))


@dataclass(frozen=True)
class Trend:
    monitor_id: str
    since: datetime
    buckets: list[tuple[datetime, int, float | None]]  # (start, mentions, negative share) per 15 minutes
    peak: int
    latest: int
    direction: str  # rising | falling | flat
    language: str = "en"

    def line(self) -> str:
        """One line for a status view in the incident's language, e.g. "Mentions per 15 min (northwind): 420 now,
        peak 910, falling"."""
        language = self.language
        return i18n.say(language, "trend.line", monitor=self.monitor_id, latest=i18n.number(self.latest, language),
                        peak=i18n.number(self.peak, language),
                        direction=i18n.say(language, f"trend.{self.direction}"))


def trend(core, incident_id: int, now: datetime | None = None) -> Trend | None:
    """Mentions and negative share per 15 minutes from an hour before the incident opened, for the monitor that
    raised it.

    None when no monitor raised the incident.
    """
    now = now or utcnow()
    with Session(core.engine) as session:
        found = origin(session, incident_id)
        if found is None:
            return None
        since = found.since
        rows: Sequence[Any] = session.execute(select(col(MentionRollup.minute), func.sum(col(MentionRollup.mentions)),
                                      func.sum(col(MentionRollup.scored)), func.sum(col(MentionRollup.negative)))
                               .where(col(MentionRollup.monitor_id) == found.monitor_id,
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
    return Trend(found.monitor_id, since, series, peak, latest, direction, found.language)


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
    language: str = "en"

    def lines(self) -> list[str]:
        """The three sparklines with their latest figures, in the incident's language."""
        shown = slice(-SPARK_MAX, None)
        per_hour, negative, reach = self.per_hour[shown], self.negative[shown], self.reach[shown]
        latest_negative = next((v for v in reversed(negative) if v is not None), None)
        language = self.language

        def figures(values: list[int]) -> dict[str, str]:
            return {"spark": sparkline([float(v) for v in values]), "latest": i18n.number(values[-1], language),
                    "peak": i18n.number(max(values), language)}

        share = (i18n.say(language, "trend.share_now", share=i18n.percent(latest_negative, language))
                 if latest_negative is not None else i18n.say(language, "trend.none_scored"))
        return [i18n.say(language, "trend.per_hour", **figures(per_hour)),
                i18n.say(language, "trend.negative", spark=sparkline(negative), share=share),
                i18n.say(language, "trend.reach", **figures(reach))]


def quoted(text: str, platform: str, followers: int, engagement: int, language: str) -> str:
    """A top post on one line, handles masked, shortened, with its reach in ``language`` (not escaped)."""
    return quote(text, platform, followers, engagement, TOP_QUOTE, language=language)


def overview(core, incident_id: int, now: datetime | None = None) -> Overview | None:
    """The incident's mention trend per completed quarter hour from an hour before it opened, for the monitor that
    raised it; None when no monitor raised it."""
    now = now or utcnow()
    with Session(core.engine) as session:
        found = origin(session, incident_id)
        if found is None:
            return None
        since = found.since
        last = max(int((minute_of(now) - since) / BUCKET), 1)  # completed quarter hours
        until = since + last * BUCKET
        columns = (col(MentionRollup.minute), col(MentionRollup.mentions), col(MentionRollup.scored),
                   col(MentionRollup.negative), col(MentionRollup.reach))
        rows: Sequence[Any] = session.execute(select(*columns)
                               .where(col(MentionRollup.monitor_id) == found.monitor_id,
                                      col(MentionRollup.minute) >= since, col(MentionRollup.minute) < until)).all()
        weight = col(Mention.followers) + 20 * (col(Mention.likes) + col(Mention.shares) + col(Mention.replies))
        posts: Sequence[Mention] = session.execute(select(Mention).where(col(Mention.monitor_id) == found.monitor_id,
                                                      col(Mention.created_at) >= now - timedelta(hours=1),
                                                      col(Mention.created_at) < now)
                                .order_by(weight.desc()).limit(TOP_POSTS)).scalars().all()
        top = [quoted(p.text, p.platform, p.followers, p.likes + p.shares + p.replies, found.language)
               for p in posts]
    sums = [[0, 0, 0, 0] for _ in range(last)]
    for minute, mentions, scored, negative, reach in rows:
        entry = sums[int((as_utc(minute) - since) / BUCKET)]
        for i, value in enumerate((mentions, scored, negative, reach)):
            entry[i] += value
    per_hour = [round(m * (timedelta(hours=1) / BUCKET)) for m, _, _, _ in sums]
    negative_share = [(n / s) if s else None for _, s, n, _ in sums]
    return Overview(found.monitor_id, per_hour, negative_share, [r for _, _, _, r in sums], top, found.language)


def briefing_blocks(core, incident_id: int, now: datetime | None = None) -> list[dict]:
    """The headline briefing's trend section (escaped for Slack), or none for an incident no monitor raised."""
    found = overview(core, incident_id, now)
    if found is None:
        return []
    text = i18n.say(found.language, "trend.heading", monitor=escape(found.monitor_id)) + "\n"
    text += "\n".join(f"`{escape(line)}`" for line in found.lines())
    blocks = [bk.section(text)]
    if found.top:
        posts = "\n".join(f"• {escape(post)}" for post in found.top)
        blocks.append(bk.context(i18n.say(found.language, "trend.top_posts") + f"\n{posts}"))
    return blocks
