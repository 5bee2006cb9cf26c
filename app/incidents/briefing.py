"""Gathers the headline message's content from the database and keeps the posted message up to date."""

from __future__ import annotations

import logging
import uuid

from slack_sdk.errors import SlackApiError
from sqlmodel import Session, col, select

from app.core import Core
from app.effects import service as effects
from app.i18n import clock, say
from app.incidents import service
from app.incidents.clocks import clocks
from app.incidents.views import Briefing, briefing_message
from app.monitoring import trend
from app.roles import service as roles
from app.slack import blocks as bk
from app.statements.models import Statement
from app.tasks import service as tasks

log = logging.getLogger(__name__)


def statement_state(session: Session, incident_id: int, tz: str, language: str = "en") -> str | None:
    statement = session.exec(
        select(Statement).where(Statement.incident_id == incident_id, Statement.kind == "holding")
        .order_by(col(Statement.id).desc())
    ).first()
    if statement is None:
        return None
    version = statement.current_version
    if statement.status == "approved" and statement.approved_at:
        return say(language, "briefing_statement.approved", version=version,
                   at=clock(statement.approved_at, tz, language))
    if statement.status in ("drafting", "pending", "changes_requested"):
        return say(language, f"briefing_statement.{statement.status}", version=version)
    return statement.status


def gather(core: Core, session: Session, incident_id: int) -> Briefing:
    incident = service.get(session, incident_id)
    playbook = core.playbooks.get(incident.playbook_id)
    return Briefing(
        incident=incident,
        playbook_title=playbook.title,
        holders=roles.holders(session, incident_id),
        staffed_roles=list(playbook.staffed_roles(incident.severity)),
        tasks=tasks.for_incident(session, incident_id),
        clocks=clocks(session, incident, playbook),
        alert_count=incident.alert_count,
        statement_state=statement_state(session, incident_id, core.settings.warroom_timezone, incident.language),
        tz=core.settings.warroom_timezone,
        language=incident.language,
    )


def refresh(core: Core, incident_id: int, *, strict: bool = False) -> None:
    """Update the posted briefing in place (no-op until it has been posted); ``strict`` lets Slack errors out."""
    with Session(core.engine) as session:
        briefing = gather(core, session, incident_id)
    incident = briefing.incident
    if not (incident.channel_id and incident.briefing_ts):
        return
    try:
        core.slack.chat_update(channel=incident.channel_id, ts=incident.briefing_ts,
                               **with_mentions(core, incident_id, briefing_message(briefing)))
    except SlackApiError as exc:
        if strict:
            raise
        log.warning("could not update the briefing of incident %s: %s", incident_id, exc.response.get("error"))


def with_mentions(core: Core, incident_id: int, message: dict) -> dict:
    """The briefing with the mention trend (sparklines, top posts) before its buttons, for an incident a monitor
    raised; unchanged when there is no trend or no room for it within Slack's block limit."""
    extra = trend.briefing_blocks(core, incident_id)
    blocks = message.get("blocks") or []
    if not extra or len(blocks) + len(extra) > bk.MESSAGE_BLOCKS_MAX:
        return message
    at = next((i for i, block in enumerate(blocks) if block.get("type") == "divider"), len(blocks))
    return {**message, "blocks": [*blocks[:at], *extra, *blocks[at:]]}


def enqueue_refresh(session: Session, incident_id: int) -> None:
    """Ask for the headline to be brought up to date after this transaction (refreshes asked for before one
    runs are covered by it: see app/slack/effects.refresh_briefing)."""
    effects.enqueue(session, "briefing", f"briefing:{incident_id}:{uuid.uuid4().hex}", incident_id=incident_id)
