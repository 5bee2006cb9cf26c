"""The applied marker of an accepted request: set by the follow-up's first committed write, in that transaction,
on SQLite and PostgreSQL; a row that comes back applied is answered once and never run again."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.db import transaction
from app.decisions import flows as decision_flows
from app.decisions.models import Decision
from app.requests_queue import store
from app.requests_queue.followup import applying
from app.requests_queue.models import AcceptedRequest
from app.scheduling.models import ProcessedEvent
from app.slack.pipeline import claim_event
from app.timeutil import utcnow
from tests.conftest import open_room
from tests.test_web_worker import WorkerThread


def stored(engine, row_id: int) -> AcceptedRequest:
    with Session(engine) as session:
        row = session.get(AcceptedRequest, row_id)
        assert row is not None
        return row


def decisions(engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Decision.text).order_by(col(Decision.id))))


def a_row(engine) -> int:
    return store.accept(engine, "after_ack", "application/x-www-form-urlencoded", "command=%2Fwarroom")


def test_the_first_committed_write_marks_the_row_in_its_own_transaction(web_role):
    core = web_role.core
    incident = open_room(web_role)
    row_id = a_row(core.engine)
    with applying(core.engine, row_id) as followup:
        with Session(core.engine) as session:  # reads commit nothing and mark nothing
            session.exec(select(Decision)).all()
            session.commit()
        with transaction(core.engine) as session:
            session.exec(select(Decision)).all()
        assert stored(core.engine, row_id).applied_at is None and not followup.applied
        before = utcnow()
        decision_flows.record_decision(core, incident.id, "Pause all paid promotion", by="U0LEAD",
                                       channel_id=incident.channel_id)
        assert followup.applied
        applied_at = stored(core.engine, row_id).applied_at
        assert applied_at is not None and applied_at >= before - timedelta(seconds=1)
        decision_flows.record_decision(core, incident.id, "Brief the agency", by="U0LEAD",
                                       channel_id=incident.channel_id)
    assert stored(core.engine, row_id).applied_at == applied_at  # the first commit's time is kept
    assert decisions(core.engine) == ["Pause all paid promotion", "Brief the agency"]


def test_a_write_that_rolls_back_takes_its_mark_with_it(web_role):
    core = web_role.core
    incident = open_room(web_role)
    row_id = a_row(core.engine)
    with applying(core.engine, row_id) as followup:
        with pytest.raises(RuntimeError, match="after the write"), transaction(core.engine) as session:
            session.add(Decision(incident_id=incident.id, text="Never stored", decided_by="U0LEAD"))
            session.flush()
            raise RuntimeError("the flow failed after the write")
        assert not followup.applied
        # A plain session's commit is a write too (the hook is a session event, not a helper to call).
        with Session(core.engine) as session:
            session.add(Decision(incident_id=incident.id, text="Stored", decided_by="U0LEAD"))
            session.commit()
        assert followup.applied
    assert decisions(core.engine) == ["Stored"]
    assert stored(core.engine, row_id).applied_at is not None


def test_only_the_follow_ups_own_thread_marks_its_row(web_role):
    core = web_role.core
    incident = open_room(web_role)
    row_id = a_row(core.engine)
    with applying(core.engine, row_id):
        other = threading.Thread(target=decision_flows.record_decision, args=(core, incident.id, "Elsewhere"),
                                 kwargs={"by": "U0LEAD", "channel_id": incident.channel_id})
        other.start()
        other.join(30)
    assert decisions(core.engine) == ["Elsewhere"]
    assert stored(core.engine, row_id).applied_at is None
    with transaction(core.engine) as session:  # outside any follow-up nothing is marked either
        session.add(Decision(incident_id=incident.id, text="Outside", decided_by="U0LEAD"))
    assert stored(core.engine, row_id).applied_at is None


def told(box, user: str) -> list[str]:
    """Every answer only ``user`` saw: response_url replies, ephemeral messages posted by the API, DMs."""
    return ([r.text for r in box.fake.responses(user=user)]
            + [e.text for e in box.fake.ephemerals(user=user) if e.via != "response_url"]
            + [m.text or "" for m in box.fake.dms(user)])


def test_a_row_that_comes_back_applied_is_answered_once_and_not_run_again(web_role):
    core = web_role.core
    incident = open_room(web_role)
    web_role.driver.command("U0LEAD", incident.channel_id, "decision Pause all paid promotion")
    [row] = store.claim(core.engine, "gone:1", 1, lease=timedelta(0))  # a worker took it and died ...
    applied_at = utcnow() - timedelta(minutes=2)
    with transaction(core.engine) as session:  # ... after its change was committed
        session.execute(update(AcceptedRequest).where(col(AcceptedRequest.id) == row.id)
                        .values(applied_at=applied_at))
    worker = WorkerThread(web_role).start()
    try:
        web_role.fake.wait_for(lambda: told(web_role, "U0LEAD"), timeout=30)
        web_role.fake.wait_for(lambda: stored_or_none(core.engine, row.id) is None, timeout=15)
    finally:
        worker.stop()
    assert decisions(core.engine) == []  # not run a second time
    [answer] = told(web_role, "U0LEAD")
    assert "this answer was delayed" in answer and "/warroom decision Pause all paid promotion" in answer


def test_a_delayed_answer_comes_in_the_incidents_language(web_role):
    core = web_role.core
    incident = open_room(web_role)
    with transaction(core.engine) as session:
        session.get(type(incident), incident.id).language = "de"
    web_role.driver.command("U0LEAD", incident.channel_id, "task Presse anrufen")
    [row] = store.claim(core.engine, "gone:1", 1, lease=timedelta(0))
    with transaction(core.engine) as session:
        session.execute(update(AcceptedRequest).where(col(AcceptedRequest.id) == row.id).values(applied_at=utcnow()))
    worker = WorkerThread(web_role).start()
    try:
        [answer] = web_role.fake.wait_for(lambda: told(web_role, "U0LEAD"), timeout=30)
    finally:
        worker.stop()
    assert answer.startswith(":white_check_mark: Erledigt:") and "verspätet" in answer


def stored_or_none(engine, row_id: int) -> AcceptedRequest | None:
    with Session(engine) as session:
        return session.get(AcceptedRequest, row_id)


def test_an_events_claim_is_stored_with_the_follow_ups_first_change(web_role):
    core = web_role.core
    incident = open_room(web_role)
    body = {"type": "event_callback", "event_id": "Ev0PIN", "event": {"type": "reaction_added"}}
    first, second, quiet = a_row(core.engine), a_row(core.engine), a_row(core.engine)
    with applying(core.engine, first) as followup:
        assert claim_event(core, body)
        assert processed(core.engine) == []  # not committed alone: a crash here must not drop the event
        with transaction(core.engine) as session:
            session.add(Decision(incident_id=incident.id, text="Pinned", decided_by="U0LEAD"))
        assert followup.applied
    assert processed(core.engine) == ["Ev0PIN"]
    assert stored(core.engine, first).applied_at is not None
    with applying(core.engine, second):  # Slack's retry, stored as a request of its own
        assert not claim_event(core, body)
    other = {**body, "event_id": "Ev0QUIET"}
    with applying(core.engine, quiet) as followup:  # a follow-up that changes nothing still claims its event
        assert claim_event(core, other)
        followup.settle()
    assert processed(core.engine) == ["Ev0PIN", "Ev0QUIET"]
    assert stored(core.engine, quiet).applied_at is not None


def processed(engine) -> list[str]:
    with Session(engine) as session:
        return sorted(session.exec(select(ProcessedEvent.event_id)))


def test_past_the_response_urls_life_the_delayed_answer_is_posted_ephemerally(web_role):
    core = web_role.core
    incident = open_room(web_role)
    web_role.driver.command("U0LEAD", incident.channel_id, "decision Hold the newsletter")
    [row] = store.claim(core.engine, "gone:1", 1, lease=timedelta(0))
    long_ago = utcnow() - timedelta(minutes=40)  # Slack takes no answer on its response_url any more
    with transaction(core.engine) as session:
        session.execute(update(AcceptedRequest).where(col(AcceptedRequest.id) == row.id)
                        .values(received_at=long_ago, applied_at=long_ago + timedelta(seconds=1)))
    worker = WorkerThread(web_role).start()
    try:
        web_role.fake.wait_for(lambda: told(web_role, "U0LEAD"), timeout=30)
        web_role.fake.wait_for(lambda: stored_or_none(core.engine, row.id) is None, timeout=15)
    finally:
        worker.stop()
    assert web_role.fake.responses(user="U0LEAD") == []
    [ephemeral] = web_role.fake.ephemerals(user="U0LEAD", channel=incident.channel_id)
    assert ephemeral.via == "chat.postEphemeral" and "this answer was delayed" in ephemeral.text
    assert told(web_role, "U0LEAD") == [ephemeral.text]
