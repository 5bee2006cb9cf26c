"""Monitoring records: raw mentions (personal data, kept for the retention period), per-minute rollups per
monitor (kept longer), the signals raised, and each connector's state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.dbtypes import UTCDateTime
from app.timeutil import utcnow


class Mention(SQLModel, table=True):
    """One post matching one monitor; stored once per (monitor, platform, post id)."""

    __tablename__ = "mentions"
    __table_args__ = (
        Index("uq_mentions_post", "monitor_id", "platform", "post_id", unique=True),
        Index("ix_mentions_monitor_created", "monitor_id", "created_at"),
        Index("ix_mentions_received", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    monitor_id: str
    platform: str
    post_id: str
    author: str = ""
    followers: int = 0
    text: str = ""
    language: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    url: str | None = None
    likes: int = 0
    shares: int = 0
    replies: int = 0
    sentiment: float | None = None
    negative: bool = False
    risky: bool = False
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MentionRollup(SQLModel, table=True):
    """Mentions per monitor and minute (by the posts' own time): what detection reads, kept past retention."""

    __tablename__ = "mention_rollups"

    monitor_id: str = Field(primary_key=True)
    minute: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    mentions: int = 0
    scored: int = 0
    negative: int = 0
    risky: int = 0
    risky_negative: int = 0  # negative posts that carry a risk term
    reach: int = 0  # followers of the posts' authors, summed


class MonitorSignal(SQLModel, table=True):
    """A signal that raised an alert through the intake."""

    __tablename__ = "monitor_signals"
    __table_args__ = (Index("ix_monitor_signals_monitor_kind", "monitor_id", "kind", "fired_at"),)

    id: int | None = Field(default=None, primary_key=True)
    monitor_id: str
    kind: str
    severity: str
    signals: str  # the signals that fired, comma-separated
    fired_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    alert_id: int | None = None
    incident_id: int | None = None


class ConnectorState(SQLModel, table=True):
    """Where a pull connector stands: its cursor, its failures and when it may try again."""

    __tablename__ = "monitor_connectors"

    id: str = Field(primary_key=True)  # <monitor id>:<source index>:<type>
    monitor_id: str
    kind: str
    cursor: str | None = None
    etag: str | None = None
    modified: str | None = None
    failures: int = 0
    last_error: str | None = None
    last_ok_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CalmSuggestion(SQLModel, table=True):
    """The room was told that the mentions are back near the baseline: once per incident (the key says so)."""

    __tablename__ = "monitor_calm_suggestions"

    incident_id: int = Field(primary_key=True)
    monitor_id: str
    suggested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    mentions: int = 0  # in the calm period
    expected: float = 0.0  # the baseline for it
    minutes: int = 0  # how long it has been calm
