"""Timeline kinds and statuses are enums in the code and their plain values in the database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from app import migrate
from app.alerts.models import AlertStatus, IntakeOutcome
from app.db import make_engine, transaction
from app.i18n import EVENTS_DE
from app.incidents import timeline
from app.incidents.kinds import TimelineKind
from app.incidents.models import Incident, IncidentStatus, Phase, StepStatus, TimelineEvent
from tests.conftest import social_alert
from tests.test_intake import wait_ready

APP = Path(__file__).resolve().parents[1] / "app"


def recorded_kinds() -> dict[str, list[str]]:
    """Every kind the code records by its plain value, ``record(session, incident_id, "kind", ...)``, with where."""
    found: dict[str, list[str]] = {}
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and len(node.args) >= 3):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name == "record" and isinstance(node.args[2], ast.Constant) and isinstance(node.args[2].value, str):
                found.setdefault(node.args[2].value, []).append(f"{path.relative_to(APP.parent)}:{node.lineno}")
    return found


def test_every_kind_the_code_records_by_its_value_is_a_timeline_kind():
    kinds = recorded_kinds()
    assert "statement_lint" in kinds  # modules that still pass the value are found
    assert {kind: where for kind, where in kinds.items() if kind not in set(TimelineKind)} == {}


def test_every_kind_with_a_german_name_is_a_timeline_kind():
    assert set(EVENTS_DE) - set(TimelineKind) == set()


def test_a_kind_that_is_none_is_refused_by_name_and_nothing_stored_is_lost(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'warroom.db'}")
    migrate.upgrade(engine)
    with transaction(engine) as session:
        incident = Incident(title="Backlash", kind="shitstorm", severity="high", playbook_id="shitstorm")
        session.add(incident)
        session.flush()
        assert incident.id is not None
        timeline.record(session, incident.id, TimelineKind.OPENED, "opened")
    with pytest.raises(ValueError, match="'stament_approved' is not a kind of timeline event"), \
            transaction(engine) as session:
        timeline.record(session, incident.id, TimelineKind.DECISION, "a decision")
        timeline.record(session, incident.id, "stament_approved", "a typo")
    with Session(engine) as session:
        assert [e.kind for e in timeline.all_events(session, incident.id)] == ["opened"]
        assert timeline.count(session, incident.id, "opened") == 1
        assert timeline.count(session, incident.id, TimelineKind.DECISION) == 0
        with pytest.raises(ValueError, match="'opend' is not a kind"):
            timeline.latest(session, incident.id, kinds=["opend"])
    engine.dispose()


def test_an_alert_stores_the_same_plain_values_as_before(sandbox):
    body = sandbox.alert(social_alert()).json()
    assert body["status"] == "opened" == IntakeOutcome.OPENED
    incident = wait_ready(sandbox, body["incident_id"])
    assert (incident.status, incident.phase) == (IncidentStatus.OPEN, Phase.ACTIVE)
    again = sandbox.alert(social_alert(status="resolved")).json()
    assert again["status"] == "attached" and again["incident_id"] == incident.id
    with sandbox.core.engine.connect() as connection:
        row = connection.execute(sa.text("SELECT status, phase FROM incidents WHERE id = :id"),
                                 {"id": incident.id}).one()
        steps = set(connection.execute(sa.text("SELECT DISTINCT status FROM setup_steps")).scalars())
        alerts = connection.execute(sa.text("SELECT status FROM alerts ORDER BY id")).scalars().all()
        kinds = set(connection.execute(sa.text("SELECT kind FROM timeline_events WHERE incident_id = :id"),
                                       {"id": incident.id}).scalars())
    assert tuple(row) == ("open", "active") and steps == {"done"} == {StepStatus.DONE}
    assert alerts == ["firing", "resolved"] == [AlertStatus.FIRING, AlertStatus.RESOLVED]
    assert {"opened", "alert", "channel_created", "role_assigned", "room_ready"} <= kinds
    with Session(sandbox.core.engine) as session:
        opened = session.exec(select(TimelineEvent).where(TimelineEvent.incident_id == incident.id,
                                                          TimelineEvent.kind == TimelineKind.OPENED)).one()
        assert opened.kind == "opened" and type(opened.kind) is str  # read back as the stored value
