"""The heartbeat table: one row per worker process, written every few seconds while it runs."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.dbtypes import UTCDateTime
from app.timeutil import utcnow


class WorkerBeat(SQLModel, table=True):
    __tablename__ = "worker_heartbeats"

    name: str = Field(primary_key=True)  # host:pid, as the worker marks its claims
    host: str
    pid: int
    runs: str  # what it runs, comma-separated (requests, set-ups, jobs, outbox, drafts)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    beat_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    wake_port: int | None = None  # the loopback UDP port where it takes wake-ups (SQLite: app/workers/wakeup.py)
