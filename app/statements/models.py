"""Statements (holding statements and the packs beside them), their versions (every one kept) and the
approvals given on each version."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from app.dbtypes import UTCDateTime
from app.timeutil import utcnow


class StatementStatus(StrEnum):
    DRAFTING = "drafting"
    PENDING = "pending"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"


OPEN_STATUSES = (StatementStatus.DRAFTING, StatementStatus.PENDING, StatementStatus.CHANGES_REQUESTED)


class StatementKind(StrEnum):
    """What a statement is: the holding statement, or one of the packs drafted and approved the same way."""

    HOLDING = "holding"
    QA = "qa"  # press Q&A: likely questions with holding lines
    STAKEHOLDERS = "stakeholders"  # who hears what, through which channel, owned and approved by whom
    REPLIES = "replies"  # short reply macros for community managers


class Decision(StrEnum):
    """What an approver did on a version."""

    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REFUSED = "refused"


_OPEN_SQL = "status IN ('drafting', 'pending', 'changes_requested')"


class Statement(SQLModel, table=True):
    __tablename__ = "statements"
    __table_args__ = (
        # One open statement per incident and kind, whichever process asked for it.
        Index("uq_statements_open_kind", "incident_id", "kind", unique=True,
              sqlite_where=text(_OPEN_SQL), postgresql_where=text(_OPEN_SQL)),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    kind: str = StatementKind.HOLDING
    status: str = StatementStatus.DRAFTING
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
    # The approval chain: one entry per step, a role or a group of roles that sign in any order
    # (e.g. ["comms", ["dpo", "legal"], "exec"]); see app.statements.chain.
    approvers: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    locked: bool = False
    # The "next update" time its texts promise, as written in them (re-stamped at the final sign-off).
    next_update: str | None = None


class Approval(SQLModel, table=True):
    __tablename__ = "approvals"
    __table_args__ = (
        # One sign-off per role in each step of a version (a group step has one per role), whichever process
        # took the click.
        Index("uq_approvals_signed_role", "version_id", "step", "role", unique=True,
              sqlite_where=text("decision = 'approved'"), postgresql_where=text("decision = 'approved'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="statement_versions.id", index=True)
    step: int
    role: str
    user_id: str
    decision: str  # a Decision
    comment: str | None = None
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
