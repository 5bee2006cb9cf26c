"""Telling people about a room's set-up: who could not be invited, and a set-up that stopped.

Every notice is stored first and posted afterwards (``deliver``), so a notice is never lost to a crash
or to Slack failing; notices still pending are posted by the next set-up round or at the next start. A
notice whose earlier post may have gone through is looked for in a channel (by its metadata marker)
before it is posted again; direct messages cannot be read back, so one may, rarely, arrive twice.
"""

from __future__ import annotations

import logging
import secrets

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session, col, select

from app.core import Core
from app.db import transaction
from app.i18n import PHRASES, say
from app.incidents import service, timeline
from app.incidents.exclusions import excluded
from app.incidents.markers import find_marked, marker
from app.incidents.models import Incident, SetupNotice
from app.incidents.setup_errors import Failure, classify
from app.roles import service as roles
from app.slack.text import escape, mention
from app.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)

# The subcommand that calls app.incidents.setup.retry_setup (wired by the command router).
RETRY_COMMAND = "/warroom retry-setup {incident_id}"
# A notice for the crisis lead, whoever that is when it is posted (a set-up may fail before roles are given).
LEAD = "lead"


def _id(incident: Incident) -> int:
    assert incident.id is not None, "a notice is about a stored incident"
    return incident.id


def _stored(session: Session, notice: SetupNotice) -> SetupNotice:
    row = session.get(SetupNotice, notice.id)
    assert row is not None, f"set-up notice {notice.id} is not stored"  # notices are kept with their incident
    return row


def _label(incident: Incident) -> str:
    if incident.confidential:  # a confidential incident's title never leaves its room
        return say(incident.language, "setup_notice.label", id=incident.id)
    return say(incident.language, "setup_notice.label_titled", id=incident.id, title=escape(incident.title))


def invite_reason(code: str, language: str | None) -> str:
    """Why Slack would not invite a person (``user_not_found``, ...), in words; the code itself when unknown."""
    key = f"invite_reason.{code}"
    return say(language, key) if key in PHRASES["en"] else code


def failure_reason(failure: Failure, language: str | None) -> str:
    """A stopped set-up's failure in ``language``: Slack's code and, when known, what it means."""
    key = f"setup.reason.{failure.code}"
    if key not in PHRASES["en"]:
        return f"`{failure.code}`"
    return f"`{failure.code}`: " + say(language, key, needed=f" (`{failure.needed}`)" if failure.needed else "")


def lead_of(session: Session, incident: Incident) -> str | None:
    """Who hears about the set-up: the crisis lead, else whoever declared the incident."""
    lead = roles.holder(session, _id(incident), "lead")
    if lead:
        return lead
    declared = incident.declared_by or ""
    return declared if declared.startswith(("U", "W")) else None


def _add(session: Session, incident_id: int, kind: str, channel: str, text: str,
         fallback: str | None = None) -> None:
    same = session.exec(select(SetupNotice.id).where(SetupNotice.incident_id == incident_id, SetupNotice.kind == kind,
                                                     SetupNotice.channel == channel, SetupNotice.text == text)).first()
    if same is None:  # a step repeated after a crash does not tell the same thing twice
        session.add(SetupNotice(incident_id=incident_id, kind=kind, channel=channel, text=text,
                                fallback_channel=fallback))


def tell_lead_uninvited(core: Core, incident_id: int, problems: dict[str, str],
                        restaffed: dict[str, str] | None = None) -> None:
    """Store a notice for the lead naming who could not be invited to the room, and why (and whose roles
    went to someone else), in the incident's language."""
    with transaction(core.engine) as session:
        incident = service.get(session, incident_id)
        language = incident.language
        lines = "\n".join(f"• {mention(user)}: {invite_reason(code, language)} (`{escape(code)}`)"
                          for user, code in sorted(problems.items()))
        if restaffed:
            lines += "\n" + say(language, "setup_notice.restaffed", roles=", ".join(
                f"{role} → {mention(user)}" for role, user in sorted(restaffed.items())))
        lead = lead_of(session, incident)
        text = say(language, "setup_notice.uninvited", label=_label(incident), lines=lines)
        room = incident.channel_id
        if lead in problems and room:  # the lead is one of them: the room hears it
            _add(session, incident_id, "uninvited", room, text)
        else:
            _add(session, incident_id, "uninvited", LEAD, text, fallback=room)
        timeline.record(session, incident_id, "not_invited", ", ".join(sorted(problems)), actor="warroom",
                        users=problems)


def tell_failed(core: Core, session: Session, incident: Incident, step: str, failure: Failure) -> None:
    """Store the notices of a set-up that stopped (in the caller's transaction): the lead, the announce channel."""
    retry = RETRY_COMMAND.format(incident_id=incident.id)
    text = say(incident.language, "setup_notice.failed", label=_label(incident), step=step,
               reason=failure_reason(failure, incident.language), retry=retry)
    _add(session, _id(incident), "failed", LEAD, text, fallback=incident.channel_id)
    announce = core.settings.warroom_announce_channel
    announce_broken = step == "announce"  # the failure may be the announce channel itself
    if announce and not announce_broken and not incident.confidential:
        _add(session, _id(incident), "failed", announce, text)


def _lead(core: Core, incident_id: int) -> str | None:
    """The lead now: the role's holder, whoever declared the incident, else the roster's first lead."""

    with Session(core.engine) as session:
        incident = service.get(session, incident_id)
        lead = lead_of(session, incident)
        kept_out = excluded(session, incident_id)
    if lead:
        return lead
    try:
        return next((u for u in core.directory.resolve(core.roster.holders("lead")) if u not in kept_out), None)
    except (SlackApiError, OSError):
        return None


def deliver(core: Core, incident_id: int | None = None, slack: WebClient | None = None) -> int:
    """Post the pending notices (of one incident, or all); how many were posted."""
    with Session(core.engine) as session:
        query = select(SetupNotice).where(SetupNotice.status == "pending")
        if incident_id is not None:
            query = query.where(SetupNotice.incident_id == incident_id)
        pending = list(session.exec(query.order_by(col(SetupNotice.id))))
    posted = 0
    for notice in pending:
        status, error = _post(core, slack or core.slack, notice)
        if status == "pending":
            continue  # Slack failed for now: the next round or start tries again
        with transaction(core.engine) as session:
            row = _stored(session, notice)
            row.status, row.error = status, error
            row.sent_at = utcnow() if status == "sent" else None
            session.add(row)
        posted += status == "sent"
    return posted


def _keyed(core: Core, notice: SetupNotice) -> str:
    """The notice's marker key, stored before its first try (a later try looks for it in channels)."""
    if notice.key:
        return notice.key
    key = secrets.token_hex(8)
    with transaction(core.engine) as session:
        row = _stored(session, notice)
        row.key = key
        session.add(row)
    return key


def _already_posted(slack: WebClient, notice: SetupNotice, channel: str) -> bool:
    """After a try whose outcome is unknown: is the marked message in that channel? (Not readable in DMs.)"""
    if not notice.key or not channel.startswith(("C", "G")):
        return False
    try:
        return find_marked(slack, channel, notice.key, as_utc(notice.created_at).timestamp()) is not None
    except (SlackApiError, OSError):
        return False


def _post(core: Core, slack: WebClient, notice: SetupNotice) -> tuple[str, str | None]:
    error = "no crisis lead known"
    first = _lead(core, notice.incident_id) if notice.channel == LEAD else notice.channel
    key = None
    for channel in (first, notice.fallback_channel):
        if not channel:
            continue
        if _already_posted(slack, notice, channel):
            return "sent", None
        key = key or _keyed(core, notice)
        try:
            slack.chat_postMessage(channel=channel, text=notice.text,
                                   metadata=marker(key, notice.incident_id, f"notice:{notice.kind}"))
            return "sent", None
        except SlackApiError as exc:
            failure = classify(exc)
            if failure.transient:
                return "pending", failure.code
            error = failure.code
        except OSError as exc:  # no answer: the next try looks for the marked message first
            return "pending", type(exc).__name__
    log.warning("set-up notice %s of incident %s could not be posted: %s", notice.id, notice.incident_id, error)
    return "undeliverable", error
