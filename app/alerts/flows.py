"""What happens after an alert is stored: a new room is set up, or the existing room is told."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlmodel import Session

from app.alerts import service
from app.alerts.batcher import IntakeBatcher
from app.alerts.models import IntakeOutcome
from app.alerts.parsers import AlertIn
from app.alerts.updates import AlertUpdates
from app.core import Core
from app.incidents.setup import start_setup

log = logging.getLogger(__name__)
_batcher_lock = threading.Lock()


def updates(core: Core) -> AlertUpdates:
    if core.alert_updates is None:
        core.alert_updates = AlertUpdates(core)
    found: AlertUpdates = core.alert_updates
    return found


def batcher(core: Core) -> IntakeBatcher:
    """The intake's writer thread (created on first use)."""
    with _batcher_lock:
        if core.alert_intake is None:
            core.alert_intake = IntakeBatcher(lambda alerts: store(core, alerts),
                                              lambda results: follow_up(core, results))
        found: IntakeBatcher = core.alert_intake
        return found


def start_incident(core: Core, incident_id: int) -> None:
    """Have the incident's room set up (and its reminders and clocks planned) off the request path, in line
    with the other rooms: here, or in a worker process when this is the web role."""
    log.debug("incident %s stored: its room is set up in line", incident_id)
    start_setup(core)


def _tell_rooms(core: Core) -> service.TellRooms:
    def tell(session: Session, attached: list[int], escalated: list[int]) -> Callable[[], None]:
        told = updates(core)
        dues = told.plan(session, attached, escalated)
        return lambda: told.planned(dues)

    return tell


def store(core: Core, alerts: list[AlertIn]) -> list[service.IntakeResult]:
    """Commit the alerts, with the jobs that tell their rooms, in one transaction."""
    return service.ingest_many(core, alerts, _tell_rooms(core))


def follow_up(core: Core, results: list[service.IntakeResult]) -> None:
    """What follows stored alerts: each new incident's room is set up."""
    for result in results:
        if result.status == IntakeOutcome.OPENED and result.incident_id is not None:
            try:
                start_incident(core, result.incident_id)
            except Exception:  # the alert is stored: never fail (and so resend) it for what follows
                log.exception("after storing alert %s", result.alert_id)


def receive_many(core: Core, alerts: list[AlertIn]) -> list[service.IntakeResult]:
    results = store(core, alerts)
    follow_up(core, results)
    return results


def receive(core: Core, alert: AlertIn) -> service.IntakeResult:
    return receive_many(core, [alert])[0]
