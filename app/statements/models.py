"""Holding statements, their versions (every one kept) and the approvals given on each version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from app.dbtypes import UTCDateTime
from app.timeutil import utcnow


class Statement(SQLModel, table=True):
    __tablename__ = "statements"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    status: str = "drafting"  # drafting | pending | changes_requested | approved
    language: str = "en"
    channels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    message_ts: str | None = None
    requested_by: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    current_version: int = 0
    step_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StatementVersion(SQLModel, table=True):
    __tablename__ = "statement_versions"
    __table_args__ = (Index("uq_statement_version", "statement_id", "number", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    statement_id: int = Field(foreign_key="statements.id")
    number: int
    variants: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    method: str = "template"  # template | model | edit
    model: str | None = None
    note: str = ""
    findings: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    approvers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    locked: bool = False
    # The "next update" time its texts promise, as written in them (re-stamped at the final sign-off).
    next_update: str | None = None


class Approval(SQLModel, table=True):
    __tablename__ = "approvals"
    __table_args__ = (
        # One sign-off per step of a version, whichever process took the click.
        Index("uq_approvals_signed_step", "version_id", "step", unique=True,
              sqlite_where=text("decision = 'approved'"), postgresql_where=text("decision = 'approved'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="statement_versions.id", index=True)
    step: int
    role: str
    user_id: str
    decision: str  # approved | changes_requested | refused
    comment: str | None = None
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
