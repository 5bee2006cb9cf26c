"""The task table: first-hour tasks from the playbook and tasks added in the room."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.dbtypes import UTCDateTime
from app.timeutil import utcnow


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_incident_done", "incident_id", "done_at"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id")
    title: str
    role: str | None = None
    owner_id: str | None = None
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    source: str = "playbook"  # playbook | manual
    created_by: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_by: str | None = None
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
