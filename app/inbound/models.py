"""The signed Slack requests already acted on, kept for as long as Slack's signatures stay valid."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class SeenRequest(SQLModel, table=True):
    """One signed request from Slack; a second one with the same signature is a replay."""

    __tablename__ = "seen_slack_requests"

    signature: str = Field(primary_key=True, max_length=80)
    timestamp: int = Field(index=True, description="X-Slack-Request-Timestamp, seconds since the epoch")
