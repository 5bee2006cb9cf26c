"""Follow-ups whose worker is killed (SIGKILL) right after their change was committed, or while the outbox is
telling Slack about it, lose nothing and show nothing twice: everything a change owes the room is stored in its
one transaction and delivered from the database by the next process.

The web role runs in the test (its own outbox stopped, so that only the workers deliver); the workers are real
`warroom worker` processes on the same database (SQLite or PostgreSQL). The database refuses to delete
accepted requests while the first worker runs (tests/test_followup_once.py), so it is killed with its
request's row still there; a second worker then takes the row (and answers its person, once) and the
effects the first one left.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from app.incidents import flows as incident_flows
from app.incidents import timeline
from app.incidents.models import Incident
from app.incidents.reminders import archive_job, status_job
from app.roles import service as roles
from app.sandbox.harness import Sandbox
from app.scheduling.models import ScheduledJob
from app.statements import flows as statement_flows
from app.statements import service as statements
from app.statements.views import changes_modal, edit_modal
from app.timeutil import as_utc, utcnow
from tests.conftest import open_room
from tests.test_followup_once import WorkerProcess, hold_deletes, release_deletes, rows, told
from tests.test_statement_flow import statement_of, versions_of, wait_version

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

LIABLE = "We are sorry. It was our fault and we are responsible for the damage."


def effects_of(engine) -> list[tuple[str, str, str]]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text("SELECT key, kind, status FROM effects ORDER BY id"))]


def settled(engine) -> bool:
    return not rows(engine) and not any(status == "pending" for _, _, status in effects_of(engine))


def only_workers_deliver(box: Sandbox) -> None:
    """What the test process wrote is delivered; from now on only the workers deliver."""
    assert box.core.effects is not None and box.core.effects.drain(30)
    box.core.effects.stop()
    box.core.effects = None


def crash(box: Sandbox, act, killed_when) -> None:
    """``act()`` sends the request; the first worker is killed as soon as ``killed_when()`` holds (its change is
    committed by then); a second worker finishes whatever is left."""
    engine = box.core.engine
    hold_deletes(engine)
    first = WorkerProcess(box, "worker-1")
    second = None
    try:
        act()
        box.fake.wait_for(killed_when, timeout=60, interval=0.01)
        first.kill()
        release_deletes(engine)
        second = WorkerProcess(box, "worker-2")
        box.fake.wait_for(lambda: settled(engine), timeout=90, interval=0.1)
    finally:
        first.stop()
        if second is not None:
            second.stop()


def applied(engine):
    return lambda: any(r.applied_at is not None for r in rows(engine))


def drafted(box: Sandbox) -> tuple[Incident, int]:
    """A room with the first version of its holding statement (comms signs alone: no legal in the room)."""
    incident = open_room(box)
    statement_id = statement_flows.start_draft(box.core, incident.id, by="U0COMMS", channels=["press", "x"],
                                               reply=print)
    assert statement_id is not None
    wait_version(box, incident)  # its card is in the room (posted from the outbox)
    [version] = versions_of(box, statement_id)
    assert version.approvers == ["comms"], version.approvers
    with Session(box.core.engine) as session:
        assert roles.holder(session, incident.id, "legal") is None
    assert "U0LEGAL" not in box.fake.channel(incident.channel_id).members
    return incident, statement_id


def invited(box: Sandbox, user: str) -> int:
    return sum(1 for entry in box.fake.log if entry.kind == "invited" and user in entry.detail.get("users", []))


def cards(box: Sandbox, incident: Incident) -> list:
    """The room's top-level messages that are a statement's card."""
    return [m for m in box.fake.messages(incident.channel_id)
            if not m.thread_ts and "statement_approve" in json.dumps(m.blocks or [])]


@pytest.mark.parametrize("killed", ["after the commit", "inviting legal", "showing the card"])
def test_an_edit_that_needs_legal_happens_once_whenever_its_worker_dies(web_role, killed):
    box, engine = web_role, web_role.core.engine
    incident, statement_id = drafted(box)
    _, shown = statement_flows.card(box.core, statement_id)
    view = box.core.slack.views_open(trigger_id=box.fake.issue_trigger("U0COMMS"),
                                     view=edit_modal(shown, incident.channel_id))["view"]
    only_workers_deliver(box)
    if killed == "inviting legal":  # Slack invites, the answer never comes back: the worker dies waiting
        box.fake.fail_next("conversations.invite", answer="hold")
        when = lambda: "U0LEGAL" in box.fake.channel(incident.channel_id).members  # noqa: E731
    elif killed == "showing the card":
        box.fake.fail_next("chat.update", answer="hold")
        when = lambda: "draft v2" in json.dumps(box.fake.message(  # noqa: E731
            incident.channel_id, statement_of(box, incident.id).message_ts).blocks)
    else:
        when = applied(engine)

    crash(box, lambda: box.driver.submit_view("U0COMMS", view["id"], {"variant-press": {"text": LIABLE}}), when)

    # The edit, its approval chain with legal, and legal's assignment: stored once, together.
    assert [v.number for v in versions_of(box, statement_id)] == [1, 2]
    edited = versions_of(box, statement_id)[2 - 1]
    assert edited.variants["press"] == LIABLE and edited.approvers == ["comms", "legal"]
    with Session(engine) as session:
        assert roles.holder(session, incident.id, "legal") == "U0LEGAL"
        assigned = [e for e in timeline.all_events(session, incident.id)
                    if e.kind == "role_assigned" and (e.data or {}).get("role") == "legal"]
    assert len(assigned) == 1 and assigned[0].actor == "warroom"
    # In the room: legal invited once, one card showing v2 with legal's step.
    assert "U0LEGAL" in box.fake.channel(incident.channel_id).members and invited(box, "U0LEGAL") == 1
    [card] = cards(box, incident)
    shown_now = json.dumps(card.blocks)
    assert "draft v2" in shown_now and "Legal counsel: <@U0LEGAL>" in shown_now
    assert not [key for key, _, status in effects_of(engine) if status == "failed"]
    # The person who saved the edit is answered once (by the second worker: the first one died).
    assert len(told(box, "U0COMMS")) == 1


def test_a_reopened_room_keeps_no_archive_job_when_its_worker_dies_after_the_commit(web_role):
    box, engine = web_role, web_role.core.engine
    incident = open_room(box)
    incident_flows.close(box.core, incident.id, "Campaign withdrawn", by="U0LEAD")
    with Session(engine) as session:
        assert session.get(ScheduledJob, archive_job(incident.id)) is not None
    only_workers_deliver(box)

    crash(box, lambda: box.driver.command("U0LEAD", incident.channel_id, "reopen New posts are spreading"),
          applied(engine))

    with Session(engine) as session:
        assert session.get(Incident, incident.id).status == "open"
        assert session.get(ScheduledJob, archive_job(incident.id)) is None
    assert not box.fake.channel(incident.channel_id).is_archived
    reopened = [m for m in box.fake.messages(incident.channel_id) if "reopened" in (m.text or "")]
    assert len(reopened) == 1


def test_the_close_hooks_run_once_when_the_worker_dies_right_after_the_close(web_role):
    box, engine = web_role, web_role.core.engine
    incident = open_room(box)
    with engine.begin() as connection:  # an alert attached since the room's last summary, not told yet
        connection.execute(text("UPDATE alerts SET posted = :no WHERE incident_id = :id"),
                           {"no": False, "id": incident.id})
    only_workers_deliver(box)

    crash(box, lambda: box.driver.command("U0LEAD", incident.channel_id, "close Campaign withdrawn"),
          applied(engine))

    texts = [m.text or "" for m in box.fake.messages(incident.channel_id)]
    closed = [t for t in texts if "Incident closed" in t]
    lessons = [m for m in box.fake.messages(incident.channel_id) if "lesson_add" in json.dumps(m.blocks or [])]
    alerts = [t for t in texts if "more alert attached" in t]
    assert len(closed) == 1 and len(lessons) == 1 and len(alerts) == 1, texts
    hooks = [(key, status) for key, kind, status in effects_of(engine) if kind == "hooks"]
    assert len(hooks) == 1 and hooks[0][1] == "done"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM alerts WHERE incident_id = :id AND NOT posted"),
                                  {"id": incident.id}).scalar_one() == 0


def test_the_final_sign_off_counts_as_an_update_once_when_its_worker_dies(web_role):
    box, engine = web_role, web_role.core.engine
    incident, statement_id = drafted(box)
    with Session(engine) as session:
        assert session.exec(select(ScheduledJob.id).where(col(ScheduledJob.id).startswith(
            f"inc{incident.id}:stmt{statement_id}:"))).all()  # the first step's reminder
    message_ts = statement_of(box, incident.id).message_ts
    only_workers_deliver(box)
    before = utcnow()

    crash(box, lambda: box.driver.click("U0COMMS", incident.channel_id, message_ts, "statement_approve",
                                        value=f"{statement_id}:1"), applied(engine))

    with Session(engine) as session:
        statement, _ = statements.current(session, statement_id)
        assert statement.status == "approved"
        updates = [e for e in timeline.all_events(session, incident.id) if e.kind == "status_update"]
        assert [e.text for e in updates] == ["holding statement v1 approved"]
        row = session.get(Incident, incident.id)
        status = session.get(ScheduledJob, status_job(incident.id))
        leftover = session.exec(select(ScheduledJob.id).where(col(ScheduledJob.id).startswith(
            f"inc{incident.id}:stmt{statement_id}:"))).all()
    assert as_utc(row.next_update_at) > before and status is not None
    assert as_utc(status.due_at) == as_utc(row.next_update_at) and as_utc(status.due_at) < before + timedelta(days=1)
    assert leftover == []  # the statement's reminders went with the sign-off
    approved = [m for m in box.fake.messages(incident.channel_id)  # the card (the headline mentions it too)
                if m.ts != incident.briefing_ts and "approved v1" in json.dumps(m.blocks or [])]
    assert [m.ts for m in approved] == [statement.message_ts]
    assert len(told(box, "U0COMMS")) == 1


def test_an_assignment_invites_and_announces_once_when_its_worker_dies(web_role):
    box, engine = web_role, web_role.core.engine
    incident = open_room(box)
    only_workers_deliver(box)

    crash(box, lambda: box.driver.command("U0LEAD", incident.channel_id, "assign legal <@U0LEGAL2|sara>"),
          applied(engine))

    with Session(engine) as session:
        assert roles.holder(session, incident.id, "legal") == "U0LEGAL2"
    assert invited(box, "U0LEGAL2") == 1
    said = [m for m in box.fake.messages(incident.channel_id) if "is now Legal counsel" in (m.text or "")]
    assert len(said) == 1
    invite_at = next(e.at for e in box.fake.log if e.kind == "invited" and "U0LEGAL2" in e.detail.get("users", []))
    assert invite_at <= float(said[0].ts)  # in the room before the room is told


def test_requested_changes_keep_their_note_and_end_the_reminders_when_the_worker_dies(web_role):
    box, engine = web_role, web_role.core.engine
    incident, statement_id = drafted(box)
    _, shown = statement_flows.card(box.core, statement_id)
    view = box.core.slack.views_open(trigger_id=box.fake.issue_trigger("U0COMMS"),
                                     view=changes_modal(shown, incident.channel_id))["view"]
    only_workers_deliver(box)

    crash(box, lambda: box.driver.submit_view("U0COMMS", view["id"], {"comment": {"text": "Name the hotline"}}),
          applied(engine))

    statement = statement_of(box, incident.id)
    assert statement.status == "changes_requested"
    notes = [m.text for m in box.fake.messages(incident.channel_id)
             if m.thread_ts == statement.message_ts and "requested changes on v1" in (m.text or "")]
    assert len(notes) == 1 and "Name the hotline" in notes[0]
    with Session(engine) as session:
        leftover = session.exec(select(ScheduledJob.id).where(col(ScheduledJob.id).startswith(
            f"inc{incident.id}:stmt{statement_id}:"))).all()
    assert leftover == []
    assert "changes requested" in json.dumps(box.fake.message(incident.channel_id, incident.briefing_ts).blocks).lower()
