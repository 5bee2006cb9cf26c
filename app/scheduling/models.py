"""Idempotency records: a reminder or a processed Slack event is acted on once, even across restarts."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.timeutil import utcnow


class SentReminder(SQLModel, table=True):
    __tablename__ = "sent_reminders"

    key: str = Field(primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    sent_at: datetime = Field(default_factory=utcnow)


class ProcessedEvent(SQLModel, table=True):
    """Slack retries unacknowledged events; each event_id is handled once."""

    __tablename__ = "processed_events"

    event_id: str = Field(primary_key=True)
    received_at: datetime = Field(default_factory=utcnow)
