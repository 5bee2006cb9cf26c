"""Lessons learned: what the team would change (in the playbook, the roster, the tools), asked for at close and
kept on the incident's timeline, from where the post-incident report lists them."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlmodel import Session, col, select

from app.core import Core
from app.db import transaction
from app.effects import service as effects
from app.errors import UserError
from app.i18n import Number, language_of, render, say
from app.incidents import service, timeline
from app.incidents.kinds import TimelineKind
from app.incidents.models import Incident, TimelineEvent
from app.slack import blocks as bk
from app.slack.ids import ActionId, CallbackId
from app.slack.text import escape, mention

KIND = TimelineKind.LESSON
MAX_LENGTH = 2000


def record_lesson(core: Core, incident_id: int, text: str, *, by: str) -> TimelineEvent:
    """Store one lesson on the timeline, then tell the room who added it."""
    lesson = text.strip()
    if not lesson:
        raise UserError(key="error.lesson_empty")
    if len(lesson) > MAX_LENGTH:
        raise UserError(key="error.lesson_long", max=Number(MAX_LENGTH), count=Number(len(lesson)))
    with transaction(core.engine) as session:
        incident = service.get(session, incident_id)
        event = timeline.record(session, incident_id, KIND, lesson, actor=by)
        if incident.channel_id:
            effects.post(session, f"lesson:{incident_id}:{uuid.uuid4().hex}", incident_id=incident_id,
                         channel=incident.channel_id,
                         text=say(incident.language, "lesson.noted", who=mention(by),
                                  text=escape(" ".join(lesson.split()))))  # one quoted line
        session.flush()
        session.expunge(event)
    core.deliver()
    return event


def lessons(session: Session, incident_id: int) -> list[TimelineEvent]:
    """The incident's lessons, oldest first."""
    return list(session.exec(select(TimelineEvent).where(TimelineEvent.incident_id == incident_id,
                                                         TimelineEvent.kind == KIND)
                             .order_by(col(TimelineEvent.at), col(TimelineEvent.id))))


def prompt_blocks(incident: Incident) -> dict[str, Any]:
    """The message asking the room for lessons: what to do, and a button opening the lesson modal."""
    lang = language_of(incident.language)
    text = say(lang, "lesson.prompt")
    return bk.message(text, [
        bk.section(text),
        bk.actions(bk.button(say(lang, "lesson.button"), ActionId.LESSON_ADD, value=str(incident.id),
                             style="primary")),
    ])


def ask_for_lessons(core: Core, incident_id: int) -> None:
    """Close hook (run from the outbox, maybe more than once): the room is asked what to change next time, once
    per closing."""
    with transaction(core.engine) as session:
        incident = session.get(Incident, incident_id)
        if incident is None or not incident.channel_id:
            return
        closed = incident.closed_at.isoformat() if incident.closed_at else "open"
        if effects.ever(session, f"lessons:{incident_id}:{closed}"):  # asked already (the hook ran again)
            return
        message = prompt_blocks(incident)
        effects.post(session, f"lessons:{incident_id}:{closed}", incident_id=incident_id,
                     channel=incident.channel_id, text=message["text"], blocks=message["blocks"])
    core.deliver()


def modal(incident: Incident, channel_id: str | None) -> dict[str, Any]:
    """One text box for one lesson; the incident rides in the private metadata."""
    lang = language_of(incident.language)
    blocks = [
        bk.context(say(lang, "lesson.modal_hint", id=incident.id)),
        bk.plain_input(say(lang, "lesson.label"), block_id="lesson", action_id="text", multiline=True,
                       max_length=MAX_LENGTH),
    ]
    metadata = json.dumps({"incident": incident.id, "channel": channel_id, "language": lang})
    return bk.modal(say(lang, "lesson.title"), blocks, callback_id=CallbackId.LESSON, submit=say(lang, "lesson.save"),
                    close=say(lang, "lesson.cancel"), private_metadata=metadata)


def submitted_text(view: dict) -> str:
    return ((view.get("state") or {}).get("values") or {}).get("lesson", {}).get("text", {}).get("value") or ""


def modal_errors(view: dict) -> dict[str, str]:
    """Field errors of the lesson modal (empty when it may be accepted)."""
    text = submitted_text(view).strip()
    lang = json.loads(view.get("private_metadata") or "{}").get("language")
    if not text:
        return {"lesson": say(lang, "error.lesson_field_empty")}
    if len(text) > MAX_LENGTH:
        return {"lesson": render(lang, "error.lesson_field_long", {"max": Number(MAX_LENGTH)})}
    return {}


def incident_of_lesson(core: Core, session: Session, body: dict) -> Incident | None:
    """The incident a lesson button or modal is about (named in it, since the room may be archived by then)."""
    if body.get("type") == "view_submission":
        raw = json.loads(body["view"].get("private_metadata") or "{}").get("incident")
    else:
        raw = (body.get("actions") or [{}])[0].get("value")
    try:
        return session.get(Incident, int(raw))
    except (TypeError, ValueError):
        return None
