"""Channel names reserved in the database before ``conversations.create`` asks Slack for them.

Two rooms set up at once (in threads or processes) may want the same name (two incidents with one title on
one day). The first to reserve a name keeps it for its incident; the other moves on to its next name at once,
instead of racing the first to Slack.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel

from app.db import transaction
from app.dbtypes import UTCDateTime
from app.timeutil import utcnow


class ChannelName(SQLModel, table=True):
    """A channel name and the incident whose room asked for it."""

    __tablename__ = "channel_names"

    name: str = Field(primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    reserved_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


_T = cast(Table, ChannelName.__table__)  # type: ignore[attr-defined]  # set by SQLModel, unknown to mypy


def reserve(engine: Engine, name: str, incident_id: int) -> bool:
    """True if ``name`` is (now, or already) this incident's; False when another incident reserved it."""
    with transaction(engine) as session:
        return reserve_in(session, name, incident_id)


def reserve_in(session: Session, name: str, incident_id: int) -> bool:
    """``reserve`` in the caller's transaction (kept when it commits)."""
    insert = pg_insert(_T) if session.get_bind().dialect.name == "postgresql" else sqlite_insert(_T)
    session.execute(insert.values(name=name, incident_id=incident_id, reserved_at=utcnow())
                    .on_conflict_do_nothing(index_elements=[_T.c.name]))
    holder: int = session.execute(select(_T.c.incident_id).where(_T.c.name == name)).scalar_one()
    return bool(holder == incident_id)
