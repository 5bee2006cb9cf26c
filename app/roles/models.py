"""Role assignments of an incident; history is kept (the previous holder is deactivated, not deleted)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.dbtypes import UTCDateTime
from app.timeutil import utcnow


class RoleAssignment(SQLModel, table=True):
    __tablename__ = "role_assignments"
    __table_args__ = (Index("ix_roles_incident_role", "incident_id", "role", "active"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id")
    role: str
    user_id: str
    assigned_by: str | None = None
    assigned_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    active: bool = True
