"""Storing mentions: each post once per (monitor, platform, post id), its minute counted into the rollups.

A post belongs to the monitors whose terms it contains; a post that matches none is not stored at all.
A post sent again is not counted again (its engagement numbers are brought up to date), and a late or
out-of-order post is counted in the minute it was written, not the minute it arrived. A post stamped
in the future (a sender's skewed clock) counts as written now; one written before the retention period
is not stored.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Integer, Table, bindparam, case, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.db import transaction
from app.monitoring import sentiment
from app.monitoring.intake import PostIn
from app.monitoring.models import Mention, MentionRollup
from app.monitoring.runtime import get as monitoring
from app.timeutil import utcnow

MENTIONS = cast(Table, Mention.__table__)  # type: ignore[attr-defined]  # set by SQLModel, unknown to mypy
ROLLUPS = cast(Table, MentionRollup.__table__)  # type: ignore[attr-defined]  # set by SQLModel, unknown to mypy


@dataclass(frozen=True)
class Stored:
    received: int  # posts in the batch
    new: int  # posts stored for at least one monitor for the first time
    repeated: int  # posts every matching monitor already had
    unmatched: int  # posts no monitor watches: not stored
    expired: int = 0  # posts written before the retention period: not stored

    def as_dict(self) -> dict:
        return {"received": self.received, "new": self.new, "repeated": self.repeated, "unmatched": self.unmatched,
                "expired": self.expired}


def minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _rows(core, posts: list[PostIn], now: datetime) -> tuple[dict[tuple, dict], int, int]:
    state = monitoring(core)
    oldest = now - timedelta(days=state.settings.warroom_mention_retention_days)
    rows: dict[tuple, dict] = {}
    unmatched = expired = 0
    for post in posts:
        if post.created_at < oldest:
            expired += 1
            continue
        monitors = state.matcher.monitors_for(post.platform, post.text)
        if not monitors:
            unmatched += 1
            continue
        compound = sentiment.score(post.text, post.language)
        created = min(post.created_at, now)
        for monitor in monitors:
            key = (monitor.id, post.platform, post.post_id)
            earlier = rows.get(key)
            row = {"monitor_id": monitor.id, "platform": post.platform, "post_id": post.post_id,
                   "author": post.author, "followers": post.followers, "text": post.text, "language": post.language,
                   "created_at": created, "url": post.url, "likes": post.likes, "shares": post.shares,
                   "replies": post.replies, "sentiment": compound, "negative": sentiment.is_negative(compound),
                   "risky": state.matcher.risky(monitor, post.text), "received_at": now}
            if earlier is not None:  # the same post twice in one batch: one row, the larger numbers
                for name in ("likes", "shares", "replies", "followers"):
                    row[name] = max(row[name], earlier[name])
            rows[key] = row
    return rows, unmatched, expired


def _larger(column, name: str):
    """The larger of the stored number and the new one (SQLite's two-argument max, PostgreSQL's greatest)."""
    new = bindparam(name, type_=Integer())
    return case((column >= new, column), else_=new)


_UPDATE_ENGAGEMENT = update(MENTIONS).where(MENTIONS.c.id == bindparam("row_id")).values(
    likes=_larger(MENTIONS.c.likes, "new_likes"), shares=_larger(MENTIONS.c.shares, "new_shares"),
    replies=_larger(MENTIONS.c.replies, "new_replies"), followers=_larger(MENTIONS.c.followers, "new_followers"))


def _rollup_rows(new_rows: list[dict]) -> list[dict]:
    sums: dict[tuple[str, datetime], dict] = defaultdict(
        lambda: {"mentions": 0, "scored": 0, "negative": 0, "risky": 0, "risky_negative": 0, "reach": 0})
    for row in new_rows:
        entry = sums[(row["monitor_id"], minute_of(row["created_at"]))]
        entry["mentions"] += 1
        entry["scored"] += row["sentiment"] is not None
        entry["negative"] += row["negative"]
        entry["risky"] += row["risky"]
        entry["risky_negative"] += row["risky"] and row["negative"]
        entry["reach"] += row["followers"]
    return [{"monitor_id": monitor_id, "minute": minute, **values} for (monitor_id, minute), values in sums.items()]


def _upsert_rollups(session, rows: list[dict]) -> None:
    if not rows:
        return
    statement = (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(ROLLUPS)
    added = {name: ROLLUPS.c[name] + statement.excluded[name]
             for name in ("mentions", "scored", "negative", "risky", "risky_negative", "reach")}
    session.execute(statement.on_conflict_do_update(index_elements=["monitor_id", "minute"], set_=added), rows)


def store_posts(core, posts: list[PostIn], now: datetime | None = None) -> Stored:
    """Store the posts the monitors watch and count them into the rollups, in one transaction."""
    now = now or utcnow()
    rows, unmatched, expired = _rows(core, posts, now)
    if not rows:
        return Stored(len(posts), 0, 0, unmatched, expired)
    with transaction(core.engine) as session:
        keys = list(rows)
        existing: dict[tuple, int] = {}
        for start in range(0, len(keys), 300):
            chunk = keys[start:start + 300]
            query = select(MENTIONS.c.monitor_id, MENTIONS.c.platform, MENTIONS.c.post_id, MENTIONS.c.id).where(
                tuple_(MENTIONS.c.monitor_id, MENTIONS.c.platform, MENTIONS.c.post_id).in_(chunk))
            existing.update({(m, p, i): cast(int, row_id) for m, p, i, row_id in session.execute(query)})
        new_rows = [row for key, row in rows.items() if key not in existing]
        if new_rows:
            session.execute(MENTIONS.insert(), new_rows)
        if existing:
            session.execute(_UPDATE_ENGAGEMENT, [
                {"row_id": row_id, "new_likes": rows[key]["likes"], "new_shares": rows[key]["shares"],
                 "new_replies": rows[key]["replies"], "new_followers": rows[key]["followers"]}
                for key, row_id in existing.items()])
        _upsert_rollups(session, _rollup_rows(new_rows))
    new_posts = {(row["platform"], row["post_id"]) for row in new_rows}
    matched = {(key[1], key[2]) for key in rows}
    return Stored(len(posts), len(new_posts), len(matched - new_posts), unmatched, expired)
