"""What the operators see of room set-ups: the announce channel checked at start, and /healthz detail."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from sqlmodel import Session, col, select

from app.core import Core
from app.incidents.models import Incident, IncidentStatus, NoticeStatus, Phase, SetupNotice, SetupStep, StepStatus
from app.incidents.setup_errors import classify


def check_channels(core: Core) -> list[str]:
    """Problems with WARROOM_ANNOUNCE_CHANNEL, found at start (missing, archived, the app cannot post)."""
    channel = core.settings.warroom_announce_channel
    if not channel:
        return []
    name = f"WARROOM_ANNOUNCE_CHANNEL ({channel})"
    try:
        info = core.slack.conversations_info(channel=channel)["channel"]
    except SlackApiError as exc:
        failure = classify(exc)
        if failure.code == "channel_not_found":
            return [f"{name}: no such channel, or the app cannot see it (use the channel id, like C0123ABCD)"]
        return [f"{name}: could not be checked: {failure.reason}"]
    except OSError as exc:
        return [f"{name}: could not be checked: {type(exc).__name__}"]
    if info.get("is_archived"):
        return [f"{name}: #{info.get('name', channel)} is archived"]
    if not info.get("is_member"):
        return [f"{name}: the app is not a member of #{info.get('name', channel)}; invite it there so that it can "
                "post announcements"]
    return []


def setup_health(core: Core) -> dict[str, Any]:
    """For /healthz: set-ups stopped on a permanent error, set-ups waiting to retry, notices not delivered."""
    with Session(core.engine) as session:
        failed = session.exec(select(SetupStep).join(Incident, col(Incident.id) == col(SetupStep.incident_id))
                              .where(SetupStep.status == StepStatus.FAILED, Incident.status == IncidentStatus.OPEN,
                                     Incident.phase == Phase.SETUP)).all()
        retrying = session.exec(select(SetupStep.incident_id).join(Incident, col(Incident.id) ==
                                                                   col(SetupStep.incident_id))
                                .where(SetupStep.status == StepStatus.RETRYING,
                                       Incident.status == IncidentStatus.OPEN)).all()
        undelivered = session.exec(select(SetupNotice.id).where(col(SetupNotice.status).in_(
            (NoticeStatus.PENDING, NoticeStatus.UNDELIVERABLE)))).all()
    return {
        "setups_failed": [{"incident_id": s.incident_id, "step": s.step, "error": s.detail.get("code"),
                           "reason": s.error} for s in failed],
        "setups_retrying": sorted(set(retrying)),
        "setup_notices_undelivered": len(undelivered),
    }
