"""What happens after an alert is stored: a new room is set up, or the existing room is told."""

from __future__ import annotations

from app.alerts import service
from app.alerts.parsers import AlertIn
from app.alerts.updates import AlertUpdates
from app.core import Core
from app.incidents.setup import run_setup


def updates(core: Core) -> AlertUpdates:
    if core.alert_updates is None:
        core.alert_updates = AlertUpdates(core)
    return core.alert_updates


def start_incident(core: Core, incident_id: int) -> None:
    """Schedule the incident's reminders and clocks, then set up its room off the request path."""
    if core.scheduler is not None:
        core.scheduler.schedule_incident(incident_id)
    core.submit(run_setup, core, incident_id)


def receive(core: Core, alert: AlertIn) -> service.IntakeResult:
    result = service.ingest(core, alert)
    if result.status == "opened":
        start_incident(core, result.incident_id)
    elif result.status == "attached":
        updates(core).attached(result.incident_id)
    return result
