"""The table of accepted Slack requests: the raw body the web role verified, and which follow-up to run.

A row is written before Slack gets its ack, claimed by one worker with a conditional UPDATE (a lease that
expires if that worker dies), and deleted when the follow-up is done. Rows a worker gave up on stay, with
``status = 'failed'`` and the error, for whoever runs the bot.

``applied_at`` is set by the first transaction that commits the follow-up's change, in that transaction
(app/requests_queue/followup.py): a row claimed again after its worker died is then answered, not run again.
``answered_at`` is set once Slack confirmed the answer to the person who acted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from app.dbtypes import UTCDateTime
from app.timeutil import utcnow


class AcceptedRequest(SQLModel, table=True):
    __tablename__ = "accepted_requests"

    id: int | None = Field(default=None, primary_key=True)
    function: str  # the name of the Bolt lazy listener that does the follow-up work
    content_type: str
    body: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = Field(default="waiting", index=True)  # waiting | failed
    attempts: int = 0
    claimed_by: str | None = None
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = None
    applied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
