"""A room whose process stopped between its last set-up step and marking the room ready is finished by the
next process that looks (found by the two-process test on PostgreSQL; the same on SQLite after a restart)."""

from __future__ import annotations

from sqlmodel import Session

from app.db import transaction
from app.incidents.models import Incident
from app.incidents.setup import resume_all
from tests.conftest import social_alert


def _phase(box, incident_id: int) -> str:
    with Session(box.core.engine) as session:
        incident = session.get(Incident, incident_id)
        assert incident is not None
        return incident.phase


def test_a_room_with_every_step_done_but_not_marked_ready_is_finished(sandbox):
    incident_id = sandbox.alert(social_alert()).json()["incident_id"]
    sandbox.fake.wait_for(lambda: _phase(sandbox, incident_id) == "active", timeout=20)
    with transaction(sandbox.core.engine) as session:  # as the killed process left it
        incident = session.get(Incident, incident_id)
        assert incident is not None
        incident.phase, incident.room_ready_at = "setup", None
        session.add(incident)
    calls = len(sandbox.fake.calls)

    assert resume_all(sandbox.core) == [incident_id]
    sandbox.fake.wait_for(lambda: _phase(sandbox, incident_id) == "active", timeout=20)
    assert len(sandbox.fake.calls) == calls  # nothing was done in Slack again
