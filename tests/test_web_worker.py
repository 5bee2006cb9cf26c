"""The web role verifies, acks and stores; a worker (another core on the same database, or a real process)
does the follow-up through the same pipeline; nothing accepted is lost when a worker dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from app.core import build_core
from app.incidents.models import Incident
from app.requests_queue import store
from app.requests_queue.models import AcceptedRequest
from app.sandbox.harness import Sandbox, ServerThread
from app.scheduling.kinds import JobKind
from app.scheduling.models import ScheduledJob
from app.server import create_app
from app.worker import MAX_ATTEMPTS, run
from tests.conftest import open_room, social_alert

ROOT = Path(__file__).resolve().parents[1]


def told(box, user: str) -> list[str]:
    return [e.text or "" for e in box.fake.ephemerals(user=user)] + [m.text or "" for m in box.fake.dms(user)]


def waiting(box) -> list[AcceptedRequest]:
    with Session(box.core.engine) as session:
        return list(session.exec(select(AcceptedRequest)))


class WorkerThread:
    """The worker role on a core of its own (as another process would have), stopped with ``stop()``."""

    def __init__(self, box: Sandbox) -> None:
        self.core = build_core(box.settings)
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=run, args=(self.core, self.stop_event), daemon=True)

    def start(self) -> WorkerThread:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(30)


@pytest.fixture
def web(tmp_path):
    """The bot's web role alone on loopback: it acks and stores, nothing follows up until a worker runs."""
    box = Sandbox(tmp_path / "web", serve=False)
    box.server = ServerThread(create_app(box.core, role="web"), box.port)
    box.server.start()
    yield box
    box.close()


def test_the_web_role_acks_and_stores_and_a_worker_answers_the_person(web):
    incident = open_room(web)
    answer = web.driver.command("U0LEAD", incident.channel_id, "status")
    assert answer.status_code == 200
    [stored] = waiting(web)  # stored before the ack went out; nobody has answered yet
    assert stored.function == "after_ack" and "command=%2Fwarroom" in stored.body
    assert not [r for r in web.fake.responses(channel=incident.channel_id)]

    worker = WorkerThread(web).start()
    try:
        web.fake.wait_for(lambda: web.fake.responses(channel=incident.channel_id), timeout=15)
        web.fake.wait_for(lambda: not waiting(web), timeout=10)
    finally:
        worker.stop()
    [response] = web.fake.responses(channel=incident.channel_id)
    assert response.user_id == "U0LEAD"


def test_a_refusal_and_an_event_go_through_the_same_pipeline_in_the_worker(web):
    incident = open_room(web)
    web.driver.command("U0SUPPORT", incident.channel_id, "close We are done")  # only the lead may close
    web.driver.app_mention("U0COMMS", incident.channel_id, f"<@{web.fake.bot_user_id}> hello")
    assert {r.function for r in waiting(web)} == {"after_ack", "guarded_mentioned"}

    worker = WorkerThread(web).start()
    try:
        refusal = web.fake.wait_for(lambda: [t for t in told(web, "U0SUPPORT") if ":no_entry:" in t], timeout=15)
        hello = web.fake.wait_for(lambda: [m for m in web.fake.messages(incident.channel_id)
                                           if "/warroom help" in (m.text or "")], timeout=15)
        web.fake.wait_for(lambda: not waiting(web), timeout=10)
    finally:
        worker.stop()
    assert "lead" in refusal[0].lower()
    assert len(hello) == 1
    with Session(web.core.engine) as session:
        assert session.get(type(incident), incident.id).status == "open"


def test_a_request_whose_worker_died_is_done_by_the_next_worker_once(web):
    incident = open_room(web)
    web.driver.command("U0LEAD", incident.channel_id, "decision Pause all paid promotion")
    # A worker took it and died: its lease ran out, nobody finished it.
    [taken] = store.claim(web.core.engine, "gone:1", 1, lease=timedelta(0))
    assert taken.claimed_by.startswith("gone:1:") and taken.attempts == 1

    worker = WorkerThread(web).start()
    try:
        web.fake.wait_for(lambda: not waiting(web), timeout=15)
    finally:
        worker.stop()
    posted = [m for m in web.fake.messages(incident.channel_id) if "Pause all paid promotion" in (m.text or "")]
    assert len(posted) == 1


def test_after_too_many_attempts_the_person_is_told_and_the_request_kept(web):
    incident = open_room(web)
    web.driver.command("U0LEAD", incident.channel_id, "status")
    for attempt in range(MAX_ATTEMPTS):  # each worker that took it died before it was done
        [taken] = store.claim(web.core.engine, f"gone:{attempt}", 1, lease=timedelta(0))
    assert taken.attempts == MAX_ATTEMPTS

    worker = WorkerThread(web).start()
    try:
        failed = web.fake.wait_for(lambda: [t for t in told(web, "U0LEAD") if "That failed" in t], timeout=15)
    finally:
        worker.stop()
    assert "Reference" in failed[0]
    [kept] = waiting(web)
    assert kept.status == "failed" and "attempts" in (kept.last_error or "")
    assert store.claim(web.core.engine, "another", 10) == []  # no worker takes it again


def test_two_workers_never_claim_the_same_request(tmp_path):
    box = Sandbox(tmp_path / "claims", serve=False)
    try:
        ids = {store.accept(box.core.engine, "after_ack", "application/x-www-form-urlencoded", f"n={n}")
               for n in range(300)}
        engines = [build_core(box.settings).engine for _ in range(2)]
        taken: list[list[int]] = [[], []]

        def drain(number: int) -> None:
            while rows := store.claim(engines[number], f"worker-{number}", 7):
                taken[number].extend(r.id for r in rows)

        threads = [threading.Thread(target=drain, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        box.close()
    assert not set(taken[0]) & set(taken[1])
    assert set(taken[0]) | set(taken[1]) == ids
    assert len(taken[0]) + len(taken[1]) == len(ids)


def serve_environment(box: Sandbox, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WARROOM_", "SLACK_", "OPENAI_"))}
    env.update({"PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": box.settings.slack_bot_token,
                "SLACK_SIGNING_SECRET": box.settings.slack_signing_secret, "SLACK_API_URL": box.fake.api_url,
                "DATABASE_URL": box.settings.database_url, "WARROOM_PLAYBOOKS": str(box.settings.warroom_playbooks),
                "WARROOM_ROSTER": str(box.settings.warroom_roster), "WARROOM_ALERT_TOKEN": "t" * 24,
                "PORT": str(port), "NO_PROXY": "127.0.0.1,localhost"})
    return env


def children(pid: int) -> list[int]:
    """The live children of ``pid``, whichever of its threads started them."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return [p for p in found if not _zombie(p)]


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="reads the process tree from /proc")
def test_serve_starts_web_and_worker_and_a_killed_worker_is_started_again(tmp_path):
    box = Sandbox(tmp_path / "serve", serve=False)
    process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(box.port)],
                               cwd=box.directory, env=serve_environment(box, box.port),
                               stdout=subprocess.DEVNULL, stderr=(tmp_path / "serve.log").open("wb"))
    try:
        box.fake.wait_for(lambda: _healthy(box), timeout=60, interval=0.1)
        [worker] = box.fake.wait_for(lambda: children(process.pid), timeout=30)
        # The alert is stored by the web role and its room set up by the worker.
        incident_id = box.alert(social_alert(), token="t" * 24).json()["incident_id"]  # serve_environment's token
        incident = box.fake.wait_for(lambda: _active(box, incident_id), timeout=60, interval=0.1)
        # A second alert joins the open incident: the web role plans its summary for the worker to post
        # (a job kind the web role never runs itself).
        again = box.alert(social_alert(url="https://listening.example.com/alerts/124"), token="t" * 24)
        assert again.status_code == 202 and again.json()["incident_id"] == incident_id, again.text
        with Session(box.core.engine) as session:
            kinds = session.exec(select(ScheduledJob.kind).where(ScheduledJob.incident_id == incident_id)).all()
        assert JobKind.ALERT_SUMMARY in kinds
        box.driver.command("U0LEAD", incident.channel_id, "status")
        box.fake.wait_for(lambda: box.fake.responses(channel=incident.channel_id), timeout=60)

        os.kill(worker, signal.SIGKILL)  # the worker dies; serve starts another, which takes what waits
        [second] = box.fake.wait_for(lambda: [p for p in children(process.pid) if p != worker], timeout=30)
        box.driver.command("U0LEAD", incident.channel_id, "status")
        box.fake.wait_for(lambda: len(box.fake.responses(channel=incident.channel_id)) == 2, timeout=60)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        box.close()
    assert process.returncode in (0, -signal.SIGTERM)  # uvicorn ends with the signal it was sent
    assert not Path(f"/proc/{second}").exists()  # serve stopped (and reaped) its worker before it ended


def _active(box: Sandbox, incident_id: int) -> Incident | None:
    with Session(box.core.engine) as session:
        incident = session.get(Incident, incident_id)
    return incident if incident is not None and incident.phase == "active" else None


def _healthy(box: Sandbox) -> bool:
    try:
        return box.http.get("/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
