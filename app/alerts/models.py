"""The alert table: every alert received, its raw payload kept (NUL removed, lone surrogates replaced)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from app.dbtypes import UTCDateTime
from app.timeutil import utcnow


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class IntakeOutcome(StrEnum):
    """What the intake did with one alert."""

    OPENED = "opened"  # it opened an incident
    ATTACHED = "attached"  # to the open incident of its key
    RECORDED = "recorded"  # a resolved alert with no open incident: kept, nothing opened
    DUPLICATE = "duplicate"  # a redelivery: answered with the first delivery's alert and incident


class Alert(SQLModel, table=True):
    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_incident_received", "incident_id", "received_at"),
        # A sender's delivery id is stored once: a redelivery of the same webhook is recognised here.
        Index("uq_alerts_delivery_id", "delivery_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int | None = Field(default=None, foreign_key="incidents.id")
    source: str
    kind: str
    title: str
    description: str = ""
    severity: str | None = None
    status: str = AlertStatus.FIRING  # an AlertStatus
    dedup_key: str = Field(index=True)
    url: str | None = None
    labels: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    metrics: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    raw: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    posted: bool = False  # whether the room has been told about it (repeats are counted, not posted)
    delivery_id: str | None = None  # e.g. PagerDuty's X-Webhook-Id, the same for each redelivery
