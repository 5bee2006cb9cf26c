"""Tables of an incident: the incident itself, its timeline, its facts, its room set-up steps and notices,
and the people it must be kept from."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from app.dbtypes import UTCDateTime
from app.timeutil import utcnow


class IncidentStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Phase(StrEnum):
    """Where an incident is in its life: its room being set up, the room in use, or closed."""

    SETUP = "setup"
    ACTIVE = "active"
    CLOSED = "closed"


class Visibility(StrEnum):
    """Who a fact is for (see ``Fact``)."""

    PUBLIC = "public"
    INTERNAL = "internal"
    PRIVATE = "private"


class StepStatus(StrEnum):
    """A set-up step: ``started`` means a call is out whose outcome is unknown until answered; ``retrying``
    a transient failure, tried again at ``retry_at``; ``failed`` a permanent one, stopped until a person
    retries it."""

    PENDING = "pending"
    STARTED = "started"
    RETRYING = "retrying"
    DONE = "done"
    FAILED = "failed"


class NoticeStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    UNDELIVERABLE = "undeliverable"


class Incident(SQLModel, table=True):
    __tablename__ = "incidents"
    __table_args__ = (
        # At most one open incident per dedup key: concurrent identical alerts collide here.
        Index(
            "uq_incidents_open_dedup_key",
            "dedup_key",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_incidents_status_severity", "status", "severity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str
    kind: str
    description: str = ""
    source: str = "manual"
    url: str | None = None
    status: str = Field(default=IncidentStatus.OPEN)  # an IncidentStatus
    phase: str = Field(default=Phase.SETUP)  # a Phase
    severity: str
    playbook_id: str
    language: str = "en"
    confidential: bool = False
    private: bool = False
    dedup_key: str | None = None
    channel_id: str | None = Field(default=None, unique=True)
    channel_name: str | None = None
    briefing_ts: str | None = None
    declared_by: str | None = None
    alert_count: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    room_ready_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_update_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str | None = None
    summary: str | None = None


class TimelineEvent(SQLModel, table=True):
    """Everything that happens to an incident, append-only."""

    __tablename__ = "timeline_events"
    __table_args__ = (Index("ix_timeline_incident_at", "incident_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    kind: str
    actor: str | None = None
    text: str = ""
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Fact(SQLModel, table=True):
    """A confirmed fact with its visibility: ``public`` (may be published: only these reach a statement),
    ``internal`` (the team's own, e.g. monitoring figures) or ``private`` (e.g. names of affected people).
    ``private`` mirrors ``visibility == "private"`` for readers that only need that distinction."""

    __tablename__ = "facts"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    text: str
    visibility: str = Visibility.PUBLIC  # a Visibility
    private: bool = False
    added_by: str | None = None
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SetupStep(SQLModel, table=True):
    """One recorded step of a room's set-up, so an interrupted set-up resumes where it stopped."""

    __tablename__ = "setup_steps"
    __table_args__ = (Index("uq_setup_steps_incident_step", "incident_id", "step", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id")
    step: str
    position: int
    status: str = StepStatus.PENDING  # a StepStatus
    attempts: int = 0
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str | None = None
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    retry_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SetupNotice(SQLModel, table=True):
    """A message about a room's set-up for people (a failure, who could not be invited): stored, then posted."""

    __tablename__ = "setup_notices"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    kind: str  # failed | uninvited
    channel: str  # a user id (direct message) or a channel id
    fallback_channel: str | None = None  # where to post when the channel refuses (e.g. a deactivated lead)
    text: str
    key: str | None = None  # the marker of its message, stored before the first try to post it
    status: str = NoticeStatus.PENDING  # a NoticeStatus
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class IncidentExclusion(SQLModel, table=True):
    """A person an incident concerns: never invited to its room, never one of its role holders."""

    __tablename__ = "incident_exclusions"
    __table_args__ = (Index("uq_incident_exclusions_person", "incident_id", "user_id", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id")
    user_id: str
    reason: str = ""
    excluded_by: str | None = None
    excluded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
