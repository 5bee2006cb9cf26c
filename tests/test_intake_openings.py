"""A batch of alerts that opens several incidents stores each of them completely, as opening one alone does:
the incident, its pending set-up steps, its first-hour tasks and the timeline (opened, tasks added)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlmodel import Session, col, delete, select

from app.alerts.flows import follow_up, store
from app.alerts.models import Alert
from app.alerts.parsers import parse_generic
from app.incidents import service as incidents
from app.incidents.models import Incident, SetupStep, TimelineEvent
from app.tasks import service as tasks
from app.tasks.models import Task
from tests.conftest import social_alert
from tests.test_intake import wait_ready


def stored(session: Session, incident_id: int) -> dict:
    """What an opening wrote, without ids and times that differ between two incidents."""
    incident = session.get(Incident, incident_id)
    assert incident is not None
    steps = session.exec(select(SetupStep).where(SetupStep.incident_id == incident_id)
                         .order_by(col(SetupStep.position))).all()
    tasks = session.exec(select(Task).where(Task.incident_id == incident_id).order_by(col(Task.id))).all()
    events = session.exec(select(TimelineEvent).where(TimelineEvent.incident_id == incident_id,
                                                      col(TimelineEvent.kind).in_(["opened", "task_added"]))
                          .order_by(col(TimelineEvent.id))).all()
    return {
        "incident": (incident.status, incident.phase, incident.severity, incident.playbook_id, incident.language,
                     incident.private, incident.next_update_at - incident.created_at),
        "steps": [(s.step, s.position, s.status, s.attempts, s.detail) for s in steps],
        "tasks": [(t.title, t.role, t.source, t.due_at - incident.created_at, t.done_at) for t in tasks],
        "events": [(e.kind, e.actor, e.data.get("playbook"), e.data.get("severity")) for e in events],
        "opened_at": [e.at for e in events if e.kind == "opened"] == [incident.created_at],
        "task_ids": sorted(e.data["task_id"] for e in events if e.kind == "task_added") == sorted(t.id for t in tasks),
    }


def test_one_batch_opens_several_incidents_each_as_a_single_opening_would(sandbox):
    core = sandbox.core
    keys = ["social:a", "social:b", "social:c"]
    batch = [parse_generic(social_alert(dedup_key=key, title=f"Backlash {key}")) for key in keys]
    batch.append(parse_generic(social_alert(dedup_key="social:a", title="Backlash social:a", severity="critical")))
    batch.append(parse_generic(social_alert(dedup_key="social:b", status="resolved")))
    batch.append(parse_generic(social_alert(dedup_key="social:quiet", status="resolved")))  # opens nothing
    results = store(core, batch)  # committed; the rooms are set up below (follow_up), once compared

    assert [r.status for r in results] == ["opened"] * 3 + ["attached", "attached", "recorded"]
    opened = [r.incident_id for r in results[:3]]
    assert len(set(opened)) == 3 and None not in opened
    assert [r.incident_id for r in results[3:]] == [opened[0], opened[1], None]
    assert results[3].escalated_to == "critical"  # compared with the incident opened in the same batch
    with Session(core.engine) as session:
        alerts = {alert.id: alert for alert in session.exec(select(Alert))}
        assert [alerts[r.alert_id].incident_id for r in results] == [r.incident_id for r in results]
        assert [session.get(Incident, i).alert_count for i in opened] == [2, 2, 1]
        assert [session.get(Incident, i).dedup_key for i in opened] == keys
        playbook = core.playbooks.get(session.get(Incident, opened[0]).playbook_id)
        alone = incidents.open_incident(session, playbook, title="Opened alone", kind="shitstorm", severity="high",
                                        source="social-listening", dedup_key="social:alone")
        expected = stored(session, alone.id)
        assert expected["tasks"] and len(expected["steps"]) == len(incidents.SETUP_STEPS)
        assert expected["opened_at"] and expected["task_ids"]
        for incident_id in opened:
            assert stored(session, incident_id) == expected
        session.rollback()
    follow_up(core, results)
    for incident_id in opened:  # and each room is set up from what was stored
        assert wait_ready(sandbox, incident_id).channel_id


def test_alerts_of_many_new_keys_at_once_open_one_complete_incident_per_key(sandbox):
    keys = [f"social:storm-{n}" for n in range(12)]
    bodies = [social_alert(dedup_key=key, title=f"Backlash {key}", metrics={"serial": n})
              for n in range(3) for key in keys]
    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(sandbox.alert, bodies))
    assert {a.status_code for a in answers} == {202}
    by_key: dict[str, set[int]] = {}
    for body, answer in zip(bodies, answers, strict=True):
        by_key.setdefault(body["dedup_key"], set()).add(answer.json()["incident_id"])
    assert all(len(ids) == 1 for ids in by_key.values()) and len(by_key) == len(keys)
    assert sorted(answer.json()["status"] for answer in answers).count("opened") == len(keys)
    opened = [next(iter(by_key[key])) for key in keys]
    for incident_id in opened:
        assert wait_ready(sandbox, incident_id).channel_id
    with Session(sandbox.core.engine) as session:
        assert len(session.exec(select(Incident)).all()) == len(keys)
        first = stored(session, opened[0])
        assert first["tasks"] and first["opened_at"] and first["task_ids"]
        assert [(step, status) for step, _position, status, *_ in first["steps"]] == [
            (step, "done") for step in incidents.SETUP_STEPS]
        for incident_id in opened:
            found = stored(session, incident_id)
            assert [step[:3] for step in found.pop("steps")] == [step[:3] for step in first["steps"]]
            assert found == {key: value for key, value in first.items() if key != "steps"}
            assert session.get(Incident, incident_id).alert_count == 3


def test_bulk_inserted_ids_follow_the_rows_order_past_one_statements_worth(sandbox):
    """The ids a bulk insert hands back belong to the rows in order, also when the rows take several
    statements (SQLAlchemy splits them at 1,000) and when the table's ids have gaps."""
    core = sandbox.core
    with Session(core.engine) as session:
        playbook = core.playbooks.get(core.playbooks.match("shitstorm", {}, None).id)
        incident = incidents.open_incident(session, playbook, title="Many tasks", kind="shitstorm")
        session.commit()
        first = tasks.add_many(session, incident.id, [{"title": f"gap {n}", "role": None, "due_at": None}
                                                      for n in range(3)])
        session.exec(delete(Task).where(col(Task.id) == first[1]))
        specs = [{"title": f"task {n:04d}", "role": f"role-{n % 7}", "due_at": None} for n in range(1_234)]
        ids = tasks.add_many(session, incident.id, specs)
        session.commit()
        assert len(set(ids)) == len(specs) and min(ids) > first[-1]
        found = {task.id: (task.title, task.role) for task in session.exec(select(Task).where(
            Task.incident_id == incident.id))}
        assert [found[task_id] for task_id in ids] == [(spec["title"], spec["role"]) for spec in specs]
        added = {event.data["task_id"]: event.text for event in session.exec(select(TimelineEvent).where(
            TimelineEvent.incident_id == incident.id, TimelineEvent.kind == "task_added"))}
        assert all(added[task_id] == found[task_id][0] for task_id in ids)
