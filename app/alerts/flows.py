"""What happens after an alert is stored: a new room is set up, or the existing room is told."""

from __future__ import annotations

import logging
import threading

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
            core.alert_intake = IntakeBatcher(lambda alerts: receive_many(core, alerts))
        found: IntakeBatcher = core.alert_intake
        return found


def start_incident(core: Core, incident_id: int) -> None:
    """Have the incident's room set up (and its reminders and clocks planned) off the request path, in line
    with the other rooms: here, or in a worker process when this is the web role."""
    log.debug("incident %s stored: its room is set up in line", incident_id)
    start_setup(core)


def receive_many(core: Core, alerts: list[AlertIn]) -> list[service.IntakeResult]:
    results = service.ingest_many(core, alerts)
    for result in results:
        if result.incident_id is None:  # recorded (a resolved alert with no open incident) or a duplicate
            continue
        try:
            if result.status == IntakeOutcome.OPENED:
                start_incident(core, result.incident_id)
            elif result.status == IntakeOutcome.ATTACHED:
                if result.escalated_to:
                    updates(core).escalated(result.incident_id)
                else:
                    updates(core).attached(result.incident_id)
        except Exception:  # the alerts are stored: never fail (and so resend) them for what follows
            log.exception("after storing alert %s", result.alert_id)
    return results


def receive(core: Core, alert: AlertIn) -> service.IntakeResult:
    return receive_many(core, [alert])[0]
