"""The decision log: a digital ICS-214, append-only."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.dbtypes import UTCDateTime
from app.timeutil import utcnow


class Decision(SQLModel, table=True):
    __tablename__ = "decisions"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    text: str
    decided_by: str
    decided_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    permalink: str | None = None
    source: str = "command"  # command | shortcut
