"""One way through for every Slack request: context, permission, the listener, and one error path.

Acks are sent at once by Bolt (see app/wiring.py). The follow-up work of every command, button, modal,
shortcut and event runs through ``guarded``: it finds the incident and who is asking, asks the permission
rules (app/access) for the action the listener declared, runs the listener, and answers the person
whatever happens: the result, a refusal naming who may, their own mistake in plain words, or "that failed,
nothing you entered was lost, reference X" with the traceback logged under the same reference.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app import metrics
from app.access import guard
from app.access.actions import Action
from app.access.caller import Caller, identify
from app.core import Core
from app.db import transaction
from app.errors import Refused, UserError
from app.i18n import language_of, render
from app.incidents import service as incidents
from app.incidents import timeline
from app.incidents.kinds import TimelineKind
from app.incidents.models import Incident
from app.requests_queue import followup
from app.scheduling.models import ProcessedEvent

log = logging.getLogger(__name__)

# Finds the incident a request is about: by default the incident of the channel it came from.
IncidentOf = Callable[[Core, Session, dict], Incident | None]


def incident_of_channel(core: Core, session: Session, body: dict) -> Incident | None:
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id") or (body.get("item") or {}).get(
        "channel") or (body.get("event") or {}).get("channel") or ((body.get("event") or {}).get("item") or {}).get(
        "channel")
    return incidents.by_channel(session, channel) if channel else None


def language_for(core: Core, incident: Incident | None) -> str:
    """The language a request is answered in: its incident's, else the workspace's (``WARROOM_LANGUAGE``)."""
    return language_of(incident.language if incident is not None else core.settings.warroom_language)


@dataclass
class Request:
    """What a listener gets: the core, who asked, where, about which incident, and how to answer them."""

    core: Core
    user_id: str
    channel_id: str | None
    body: dict
    incident: Incident | None = None
    caller: Caller | None = None
    args: str = ""
    respond: Callable[..., Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def trigger_id(self) -> str | None:
        return self.body.get("trigger_id")

    @property
    def language(self) -> str:
        """The language of this request (see :func:`language_for`)."""
        return language_for(self.core, self.incident)

    def say(self, key: str, **values: Any) -> str:
        """The phrase ``key`` in the language of this request, times in the team's zone."""
        return render(self.language, key, values, self.core.settings.warroom_timezone)

    @property
    def incident_id(self) -> int:
        assert self.incident is not None and self.incident.id is not None
        return self.incident.id

    def reply(self, text: str, **kwargs: Any) -> None:
        """Answer only the person who acted: in place of the command's answer, else ephemerally, else by DM.

        Once Slack confirmed it, the stored follow-up this runs for (if any) notes the answer given, so that a
        worker taking the request over after a crash does not answer again (app/requests_queue/followup.py)."""
        self._send(text, **kwargs)
        followup.answered()

    def _send(self, text: str, **kwargs: Any) -> None:
        if self.respond is not None:
            try:
                self.respond(text=text, response_type="ephemeral", replace_original=False, **kwargs)
                return
            except Exception:  # an expired response_url: fall through to the Web API
                log.warning("response_url answer failed; answering through the Web API instead")
        slack = self.core.slack
        try:
            if self.channel_id:
                slack.chat_postEphemeral(channel=self.channel_id, user=self.user_id, text=text, **kwargs)
                return
        except SlackApiError:
            pass  # not a channel the person is in: a direct message instead
        slack.chat_postMessage(channel=self.user_id, text=text, **kwargs)

    def may(self, action: Action) -> bool:
        """A second, finer question to the same rules (e.g. someone else's task), without refusing."""
        assert self.caller is not None
        return guard.refusal(guard.policy_for(self.core, self.incident), action, self.caller, self.incident) is None

    def require_for(self, incident_id: int, action: Action) -> None:
        """Make the request about incident ``incident_id`` (named in it), then refuse unless the person may."""
        with Session(self.core.engine, expire_on_commit=False) as session:
            incident = session.get(Incident, incident_id)
            if incident is None:
                raise UserError(key="error.no_incident", id=incident_id)
            self.incident = incident
            self.caller = identify(self.core, session, incident, self.user_id)
            guard.check(self.core, session, incident, self.caller, action)

    def require(self, action: Action) -> None:
        """Refuse (recorded, naming who may) unless the person may do ``action``."""
        assert self.caller is not None
        with Session(self.core.engine) as session:
            guard.check(self.core, session, self.incident, self.caller, action)


Listener = Callable[[Request], None]


def user_of(body: dict) -> str:
    return body.get("user_id") or (body.get("user") or {}).get("id") or (body.get("event") or {}).get("user") or ""


def channel_of(body: dict) -> str | None:
    return body.get("channel_id") or (body.get("channel") or {}).get("id") or None


def prepare(req: Request, *, action: Action | None, needs_incident: bool,
            incident_of: IncidentOf = incident_of_channel) -> None:
    """Context and permission: find the incident and who is asking, and refuse unless they may."""
    core = req.core
    with Session(core.engine, expire_on_commit=False) as session:
        req.incident = incident_of(core, session, req.body)
        if needs_incident and req.incident is None:
            raise UserError(key="error.needs_room")
        req.caller = identify(core, session, req.incident, req.user_id)
        if action is not None:
            guard.check(core, session, req.incident, req.caller, action)


def handle(core: Core, body: dict, respond, listener: Listener, *, name: str, action: Action | None,
           needs_incident: bool, incident_of: IncidentOf = incident_of_channel, args: str = "") -> None:
    """One request, one way through: prepare, then the listener, all behind the one error path."""
    req = Request(core, user_of(body), channel_of(body), body, args=args, respond=respond)
    try:
        prepare(req, action=action, needs_incident=needs_incident, incident_of=incident_of)
        listener(req)
    except Exception as exc:
        answer_failure(req, name, exc)


def answer_failure(req: Request, listener: str, exc: BaseException) -> None:
    """The one error path: a person's own mistake is told plainly, anything else gets a reference."""
    if isinstance(exc, UserError):
        text = exc.text(req.language, req.core.settings.warroom_timezone)
        req.reply(f":no_entry: {text}" if isinstance(exc, Refused) else f":warning: {text}")
        return
    reference = uuid.uuid4().hex[:10]
    metrics.LISTENER_FAILURES.labels(listener=listener).inc()
    log.error("%s failed (reference %s)", listener, reference, exc_info=exc)
    if req.incident is not None and req.incident.id is not None:
        try:
            with transaction(req.core.engine) as session:
                timeline.record(session, req.incident.id, TimelineKind.ERROR, f"{listener} failed", actor=req.user_id,
                                reference=reference)
        except Exception:
            log.exception("could not record failure %s on the timeline", reference)
    try:
        req.reply(req.say("error.failed", reference=reference))
    except Exception:
        log.exception("could not tell %s that %s failed (reference %s)", req.user_id, listener, reference)


def claim_event(core: Core, body: dict) -> bool:
    """True the first time an Events API delivery is acted on, in any process (Slack retries arrive again)."""
    event_id = body.get("event_id") if body.get("type") == "event_callback" else None
    if not event_id:
        return True
    running = followup.current()
    if running is not None:  # a stored follow-up: the claim joins its first committed change (no commit between)
        with Session(core.engine) as session:
            if session.get(ProcessedEvent, event_id) is not None:
                log.info("event %s already handled elsewhere; ignoring Slack's retry", event_id)
                return False
        running.also.append(lambda session: session.add(ProcessedEvent(event_id=event_id)))
        return True
    try:
        with transaction(core.engine) as session:
            session.add(ProcessedEvent(event_id=event_id))
        return True
    except IntegrityError:
        log.info("event %s already handled elsewhere; ignoring Slack's retry", event_id)
        return False


def guarded(core: Core, listener: Listener, *, action: Action | None, needs_incident: bool = True,
            incident_of: IncidentOf = incident_of_channel, skip: Callable[[dict], bool] | None = None):
    """The lazy function Bolt runs after the ack: prepare, then the listener, all through the error path."""

    def run(body: dict, respond=None) -> None:
        if (skip is not None and skip(body)) or not claim_event(core, body):
            return
        if body.get("type") == "view_submission" and not body.get("response_urls"):
            respond = None  # a modal has no response_url unless it asks for one
        handle(core, body, respond, listener, name=listener.__name__, action=action, needs_incident=needs_incident,
               incident_of=incident_of)

    run.__name__ = f"guarded_{listener.__name__}"
    return run
