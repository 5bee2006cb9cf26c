"""A follow-up whose worker is killed (SIGKILL) after its change was committed and before its row was deleted is
never run twice, and its person gets exactly one answer.

The web role runs in the test; the workers are real `warroom worker` processes on the same database (SQLite or
PostgreSQL). While the first worker runs, the database refuses to delete accepted requests (a trigger), so the
worker is killed in exactly the state a crash between the commit and the row's deletion leaves: the change and
the row's applied mark stored, the row still there. A second worker, with a short lease, then takes the row.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from app.db import is_postgres
from app.decisions.models import Decision
from app.incidents.models import Incident, TimelineEvent
from app.requests_queue.models import AcceptedRequest
from app.sandbox.harness import Sandbox, free_port
from app.scheduling.models import ScheduledJob
from app.tasks.models import Task
from app.workers.heartbeat import alive
from tests.conftest import open_room
from tests.test_web_worker import serve_environment

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

LEASE_SECONDS = "3"  # the killed worker's claim runs out this soon
START_SECONDS = 120  # an interpreter starting on a shared machine


class WorkerProcess:
    """`warroom worker` on the sandbox's database, ready once its heartbeat is written."""

    def __init__(self, box: Sandbox, name: str) -> None:
        env = serve_environment(box, free_port())
        env["WARROOM_REQUEST_LEASE"] = LEASE_SECONDS
        self.log_path = box.directory / f"{name}.log"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "app", "worker"], cwd=box.directory, env=env,
                                            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_SECONDS
        while not any(w.pid == self.process.pid for w in alive(box.core.engine)):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise AssertionError(f"the worker did not start:\n{self.log()}")
            time.sleep(0.05)

    def log(self) -> str:
        return Path(self.log_path).read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def hold_deletes(engine) -> None:
    """Accepted requests cannot be deleted: a worker's ``finish`` fails, the row stays."""
    with engine.begin() as connection:
        if is_postgres(engine):
            connection.execute(text("CREATE FUNCTION hold_finish() RETURNS trigger LANGUAGE plpgsql AS "
                                    "$$ BEGIN RAISE EXCEPTION 'deletes are held'; END $$"))
            connection.execute(text("CREATE TRIGGER hold_finish BEFORE DELETE ON accepted_requests "
                                    "FOR EACH ROW EXECUTE FUNCTION hold_finish()"))
        else:
            connection.execute(text("CREATE TRIGGER hold_finish BEFORE DELETE ON accepted_requests "
                                    "BEGIN SELECT RAISE(ABORT, 'deletes are held'); END"))


def release_deletes(engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER hold_finish ON accepted_requests" if is_postgres(engine)
                                else "DROP TRIGGER hold_finish"))


def rows(engine) -> list[AcceptedRequest]:
    with Session(engine) as session:
        return list(session.exec(select(AcceptedRequest).order_by(col(AcceptedRequest.id))))


def told(box: Sandbox, user: str) -> list[str]:
    """Every answer only ``user`` saw: response_url replies, ephemeral messages posted by the API, DMs."""
    return ([r.text for r in box.fake.responses(user=user)]
            + [e.text for e in box.fake.ephemerals(user=user) if e.via != "response_url"]
            + [m.text or "" for m in box.fake.dms(user)])


def timeline(engine, kind: str) -> list[TimelineEvent]:
    with Session(engine) as session:
        return list(session.exec(select(TimelineEvent).where(TimelineEvent.kind == kind)))


def killed_after_commit(box: Sandbox, act, *, answered: bool = False) -> None:
    """``act()`` sends the request; the first worker commits its change and is killed before the row goes; a
    second worker takes the row once the lease ran out, and the row goes."""
    engine = box.core.engine
    hold_deletes(engine)
    first = WorkerProcess(box, "worker-1")
    second = None
    try:
        act()

        def applied() -> AcceptedRequest | None:
            found = [r for r in rows(engine) if r.applied_at is not None and (r.answered_at or not answered)]
            return found[0] if found else None

        row = box.fake.wait_for(applied, timeout=60, interval=0.02)
        first.kill()
        assert row.id in [r.id for r in rows(engine)], "the row was not left behind by the killed worker"
        release_deletes(engine)
        second = WorkerProcess(box, "worker-2")
        box.fake.wait_for(lambda: not rows(engine), timeout=60, interval=0.1)
    finally:
        first.stop()
        if second is not None:
            second.stop()


def pending_effects(engine) -> bool:
    with engine.connect() as connection:
        return connection.execute(text("SELECT 1 FROM effects WHERE status = 'pending'")).first() is not None


def test_a_decision_is_recorded_once_and_its_person_answered_once(web_role):
    incident = open_room(web_role)
    killed_after_commit(web_role, lambda: web_role.driver.command(
        "U0LEAD", incident.channel_id, "decision Pause all paid promotion"))
    engine = web_role.core.engine
    with Session(engine) as session:
        assert list(session.exec(select(Decision.text))) == ["Pause all paid promotion"]
    assert len(timeline(engine, "decision")) == 1
    web_role.fake.wait_for(lambda: not pending_effects(engine), timeout=60, interval=0.1)
    announced = [m for m in web_role.fake.messages(incident.channel_id) if "Pause all paid promotion" in m.text]
    assert len(announced) == 1
    # The command's answer is the room's announcement; its person, whose worker died, is also told it took effect.
    [answer] = told(web_role, "U0LEAD")
    assert "this answer was delayed" in answer and "/warroom decision Pause all paid promotion" in answer


def test_a_task_is_added_once_and_its_person_answered_once(web_role):
    incident = open_room(web_role)
    killed_after_commit(web_role, lambda: web_role.driver.command(
        "U0LEAD", incident.channel_id, "task Call the press desk <@U0COMMS> in 30m"))
    engine = web_role.core.engine
    with Session(engine) as session:
        [task] = session.exec(select(Task).where(col(Task.title).startswith("Call the press"))).all()
    assert task.title == "Call the press desk" and task.owner_id == "U0COMMS"
    assert len([e for e in timeline(engine, "task_added") if (e.data or {}).get("task_id") == task.id]) == 1
    with Session(engine) as session:  # its due reminder was stored with it, in the one transaction
        reminders = session.exec(select(ScheduledJob).where(col(ScheduledJob.id).endswith(f"task{task.id}"))).all()
    assert [job.kind for job in reminders] == ["task_due"] and task.due_at is not None
    [answer] = told(web_role, "U0LEAD")
    assert "this answer was delayed" in answer and "/warroom task Call the press desk" in answer


def test_a_declared_incident_is_opened_once_and_its_person_answered_once(web_role):
    engine = web_role.core.engine
    general = web_role.fake.add_channel("general", members=["U0LEAD"])
    web_role.driver.command("U0LEAD", general.id, "declare")
    view = web_role.fake.wait_for(lambda: web_role.fake.latest_view("U0LEAD", "declare"), timeout=30)

    def submit() -> None:
        web_role.driver.submit_view("U0LEAD", view.id, {"title": {"value": "Outage of the web shop"},
                                                        "playbook": {"value": "service-outage"}})

    # The first worker answered ("is open") before it was killed: the second one does not answer again.
    killed_after_commit(web_role, submit, answered=True)
    with Session(engine) as session:
        titles = list(session.exec(select(Incident.title)))
    assert titles == ["Outage of the web shop"]
    answers = told(web_role, "U0LEAD")
    assert len(answers) == 1 and "is open" in answers[0]
