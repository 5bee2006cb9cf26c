"""No process locks: one open statement per incident and kind, one sign-off per role of a step, one final
approval and one new version per edit are kept by the database, here raced by threads on two engines (two
processes' worth of connections) against one SQLite file."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.db import make_engine, transaction
from app.statements import flows, service
from app.statements.models import Statement, StatementKind
from app.statements.service import StatementConflict, StepPeople
from app.timeutil import as_utc, utcnow
from tests.test_statement_flow import events, room, wait_ephemeral, wait_version

ROUNDS = 4


@pytest.fixture
def engines(sandbox):
    """The sandbox's engine and a second one on the same file, as another process would have."""
    other = make_engine(str(sandbox.core.engine.url))
    yield sandbox.core.engine, other
    other.dispose()


def race(*work: Callable[[], object]) -> list[object]:
    """Run each callable in its own thread, released together; their results or the exceptions they raised."""
    barrier = threading.Barrier(len(work))
    results: list[object] = [None] * len(work)

    def run(index: int, job: Callable[[], object]) -> None:
        barrier.wait(timeout=10)
        try:
            results[index] = job()
        except Exception as exc:  # the loser's error is the result to check
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _create(engine, incident_id: int, kind: str = StatementKind.HOLDING, *, check_first: bool = True):
    with transaction(engine) as session:
        if check_first and service.open_statement(session, incident_id, kind) is not None:
            return "seen"
        return service.create(session, incident_id, language="en", channels=["x"], requested_by="U0COMMS",
                              kind=kind).id


def _pending(engine, incident_id: int, approvers: list, kind: str = StatementKind.HOLDING) -> int:
    with transaction(engine) as session:
        statement = service.create(session, incident_id, language="en", channels=["x"], requested_by="U0COMMS",
                                   kind=kind)
        service.add_version(session, statement, variants={"x": "Next update at 15:00 UTC: https://n.example"},
                            method="edit", model=None, note="", findings=[], approvers=approvers,
                            created_by="U0COMMS")
        return statement.id


def _decide(engine, statement_id: int, user: str, people: dict[str, StepPeople]) -> str:
    with transaction(engine) as session:
        return service.decide(session, statement_id, 1, user_id=user, decision="approved", people=people).status


def test_two_processes_never_open_two_statements_of_one_kind(sandbox, engines):
    incident = room(sandbox)
    first, other = engines
    # Both look first and see nothing open (the check a process lock used to guard), then both insert.
    seen = threading.Barrier(2)

    def look_then_create(engine):
        with transaction(engine) as session:
            assert service.open_statement(session, incident.id) is None
            seen.wait(timeout=10)
            return service.create(session, incident.id, language="en", channels=["x"], requested_by="U0COMMS").id

    results = race(lambda: look_then_create(first), lambda: look_then_create(other))
    assert sorted(type(r).__name__ for r in results) == ["IntegrityError", "int"]
    # another kind is not held up by the open holding statement
    assert isinstance(_create(other, incident.id, StatementKind.QA), int)
    assert isinstance(_create(first, incident.id, StatementKind.REPLIES), int)
    with pytest.raises(IntegrityError):  # but one of that kind is open now
        _create(first, incident.id, StatementKind.QA, check_first=False)


def test_the_loser_of_a_draft_race_is_told_where_the_open_one_is(sandbox):
    incident = room(sandbox)
    replies: list[str] = []

    def start():
        return flows.start_draft(sandbox.core, incident.id, by="U0COMMS", channels=["x"], reply=replies.append,
                                 background=True)

    results = race(start, start)
    assert sum(isinstance(r, int) for r in results) == 1 and results.count(None) == 1, results
    assert len(replies) == 1 and "A holding statement is already" in replies[0]
    assert "one open holding statement per incident" in replies[0]
    wait_version(sandbox, incident)
    assert len(events(sandbox, incident.id, "statement_requested")) == 1


def test_a_statement_opened_by_another_process_refuses_a_new_one_through_slack(sandbox, engines):
    incident = room(sandbox)
    _, other = engines
    _pending(other, incident.id, ["comms"])
    sandbox.driver.command("U0COMMS", incident.channel_id, "statement")
    text = wait_ephemeral(sandbox, "U0COMMS", "already")
    assert "A holding statement is already waiting for approval" in text


def test_a_draft_stuck_in_drafting_gives_way(sandbox, engines):
    incident = room(sandbox)
    first, other = engines
    stuck = _create(other, incident.id)
    with pytest.raises(IntegrityError):  # a fresh draft holds the place
        _create(first, incident.id, check_first=False)
    with transaction(first) as session:
        service.get(session, stuck).created_at = utcnow() - timedelta(minutes=10)
    with Session(first) as session:
        assert service.open_statement(session, incident.id) is None  # too old to hold the place
    results = race(lambda: _drop_and_create(first, incident.id), lambda: _drop_and_create(other, incident.id))
    assert sum(isinstance(r, int) for r in results) == 1, results  # one new draft, whoever dropped the old
    with Session(first) as session:  # the stuck draft is gone; the new one holds the place
        rows = session.exec(select(Statement).where(Statement.incident_id == incident.id)).all()
        assert len(rows) == 1 and utcnow() - as_utc(rows[0].created_at) < timedelta(minutes=1)
        assert service.open_statement(session, incident.id).id == rows[0].id
    assert len(events(sandbox, incident.id, "statement_draft_failed")) == 1


def _drop_and_create(engine, incident_id: int):
    with transaction(engine) as session:
        service.drop_stale(session, incident_id, StatementKind.HOLDING)
        return service.create(session, incident_id, language="en", channels=["x"], requested_by="U0COMMS").id


def test_two_clicks_on_one_step_sign_it_once_and_the_other_is_told(sandbox, engines):
    incident = room(sandbox)
    first, other = engines
    people = {"comms": StepPeople("U0COMMS", ("U0COMMS2",)), "legal": StepPeople("U0LEGAL")}
    for round_ in range(ROUNDS):
        statement_id = _pending(first, incident.id, ["comms", "legal"])
        results = race(lambda sid=statement_id: _decide(first, sid, "U0COMMS", people),
                       lambda sid=statement_id: _decide(other, sid, "U0COMMS2", people))
        # The loser finds the step signed: legal is next, and it is told it may not sign that.
        assert sorted(results) == ["approved", "refused"], (round_, results)
        with Session(first) as session:
            statement, ver = service.current(session, statement_id)
            signed = service.approved(service.approvals(session, ver.id))
        assert [(row.step, row.role) for row in signed] == [(0, "comms")]
        with transaction(first) as session:  # close it so the next round may open one
            service.decide(session, statement_id, 1, user_id="U0LEGAL", decision="approved", people=people)


def test_the_last_two_signatures_of_a_group_racing_approve_the_statement_exactly_once(sandbox, engines):
    incident = room(sandbox)
    first, other = engines
    people = {"dpo": StepPeople("U0DPO"), "legal": StepPeople("U0LEGAL")}
    for round_ in range(ROUNDS):
        statement_id = _pending(first, incident.id, [["dpo", "legal"]])
        results = race(lambda sid=statement_id: _decide(first, sid, "U0DPO", people),
                       lambda sid=statement_id: _decide(other, sid, "U0LEGAL", people))
        assert sorted(results) == ["approved", "final"], (round_, results)
        with Session(first) as session:
            statement, ver = service.current(session, statement_id)
            roles = sorted(row.role for row in service.approved(service.approvals(session, ver.id)))
        assert statement.status == "approved" and ver.locked and roles == ["dpo", "legal"]
    assert len(events(sandbox, incident.id, "statement_approved")) == ROUNDS


def test_two_edits_of_one_version_save_one_new_version(sandbox, engines):
    incident = room(sandbox)
    first, other = engines
    statement_id = _pending(first, incident.id, ["comms"])

    def edit(engine, text):
        with transaction(engine) as session:
            row = service.get(session, statement_id)
            return service.add_version(session, row, variants={"x": text}, method="edit", model=None, note="",
                                       findings=[], approvers=["comms"], created_by="U0COMMS", replaces=1).number

    results = race(lambda: edit(first, "one"), lambda: edit(other, "two"))
    assert 2 in results and any(isinstance(r, StatementConflict | IntegrityError) for r in results), results
    loser = next(r for r in results if not isinstance(r, int))
    if isinstance(loser, StatementConflict):
        assert "v1 was" in str(loser) and "v2" in str(loser)
    with Session(first) as session:
        assert [v.number for v in service.versions(session, statement_id)] == [1, 2]


def test_an_edit_after_the_final_sign_off_in_another_process_is_refused(sandbox, engines):
    incident = room(sandbox)
    first, other = engines
    statement_id = _pending(first, incident.id, ["comms"])
    with Session(first) as session:
        stale = service.get(session, statement_id)  # read before the other process approves
    assert _decide(other, statement_id, "U0COMMS", {"comms": StepPeople("U0COMMS")}) == "final"
    with pytest.raises(StatementConflict, match="approved meanwhile"), transaction(first) as session:
        session.add(stale)
        service.add_version(session, stale, variants={"x": "late"}, method="edit", model=None, note="",
                            findings=[], approvers=["comms"], created_by="U0COMMS", replaces=1)


def test_the_migration_keeps_open_statements_and_drops_drafts_a_newer_one_replaced(tmp_path):
    from sqlalchemy import text

    from app import migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0011")
    rows = [(1, 1, "drafting", 0), (2, 1, "drafting", 0), (3, 1, "pending", 1), (4, 2, "drafting", 0),
            (5, 2, "approved", 1)]
    with engine.begin() as connection:
        connection.execute(text("PRAGMA foreign_keys=OFF"))
        for statement_id, incident_id, status, version in rows:
            connection.execute(text(
                "INSERT INTO statements (id, incident_id, status, language, channels, created_at, current_version) "
                "VALUES (:id, :incident, :status, 'en', '[\"x\"]', '2026-11-30 09:00:00', :version)"),
                {"id": statement_id, "incident": incident_id, "status": status, "version": version})
    migrate.upgrade(engine)
    with Session(engine) as session:
        kept = session.exec(select(Statement).order_by(Statement.id)).all()
        assert [(s.id, s.kind) for s in kept] == [(3, "holding"), (4, "holding"), (5, "holding")]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text("PRAGMA foreign_keys=OFF"))
        connection.execute(text(
            "INSERT INTO statements (incident_id, kind, status, language, channels, created_at, current_version) "
            "VALUES (1, 'holding', 'drafting', 'en', '[]', '2026-11-30 10:00:00', 0)"))
    engine.dispose()
