"""Scheduling records: due jobs, reminders already sent, and Slack events already processed.

A ``scheduled_job`` row is one thing to do at a time (a reminder, a digest, a retry). Its id is the job id
the owning domain builds (``inc12:task7``); a scheduler claims it with a lease, runs it, then deletes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, String
from sqlmodel import Field, SQLModel

from app.dbtypes import UTCDateTime
from app.timeutil import utcnow

# Job ids are compared in binary order (cancelling by prefix is a range on the key): PostgreSQL's "C" collation.
JOB_ID = String().with_variant(String(collation="C"), "postgresql")


class ScheduledJob(SQLModel, table=True):
    __tablename__ = "scheduled_job"

    id: str = Field(primary_key=True, sa_type=JOB_ID)
    kind: str
    incident_id: int | None = Field(default=None, index=True)
    due_at: datetime = Field(index=True, sa_type=UTCDateTime)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    attempts: int = 0
    last_error: str | None = None
    claimed_by: str | None = None
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SentReminder(SQLModel, table=True):
    """A reminder is acted on once per key, across threads, processes and restarts."""

    __tablename__ = "sent_reminders"

    key: str = Field(primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProcessedEvent(SQLModel, table=True):
    """Slack retries unacknowledged events; each event_id is handled once."""

    __tablename__ = "processed_events"

    event_id: str = Field(primary_key=True)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
