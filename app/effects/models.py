"""An effect waiting to be delivered: written in the same transaction as the change it announces."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from app.dbtypes import UTCDateTime
from app.timeutil import utcnow


class EffectStatus(StrEnum):
    PENDING = "pending"  # waiting for delivery (or being delivered under a lease)
    DONE = "done"  # delivered, or covered by another delivery
    FAILED = "failed"  # given up: a permanent error or too many attempts (on the timeline and in /healthz)


class Effect(SQLModel, table=True):
    __tablename__ = "effects"
    __table_args__ = (
        Index("ix_effects_due", "status", "due_at"),
        # One pending effect per key: the same refresh asked for twice before it ran is delivered once.
        Index("uq_effects_pending_key", "key", unique=True, sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str  # what it is about, e.g. "decision:12:announce"; pending effects with one key are one effect
    kind: str  # the handler, e.g. "post", "briefing", "webhook"
    incident_id: int | None = Field(default=None, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = EffectStatus.PENDING
    attempts: int = 0
    due_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = None  # the delivering process: "host:pid:random" (a dead one's lease is released)
    # When the first attempt was claimed: a message that attempt may have posted is looked for from here on.
    tried_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = None
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
