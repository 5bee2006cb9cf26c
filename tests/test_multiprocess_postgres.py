"""Two `warroom serve` processes on one PostgreSQL database, as a production layout runs them.

Alerts are split between the two; one process is killed (SIGKILL) in the middle of the rooms' set-up and
started again (a rolling restart). Every incident ends with exactly one room, one briefing, one pin and one
announcement; then every planned reminder is made due at once, both schedulers race for them, and each runs
once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from app.db import make_engine
from app.incidents.models import Incident, SetupStep
from app.sandbox.fake_slack import FakeSlack
from app.sandbox.harness import ALERT_TOKEN, free_port, shipped_playbooks
from app.sandbox.workspace import Workspace
from app.scheduling.models import SentReminder
from app.workers.heartbeat import alive
from tests.conftest import social_alert

pytestmark = [pytest.mark.postgres_only("several processes share one database"),
              pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")]

ROOT = Path(__file__).resolve().parents[1]
INCIDENTS = 8
REPEATS = 3  # alerts per incident, sent to both processes


def _worker_pids(url: str) -> set[int]:
    """The worker processes a web role's /healthz sees alive (their heartbeats)."""
    health = httpx.get(f"{url}/healthz", timeout=5, trust_env=False)
    if health.status_code != 200:
        return set()
    return {w["pid"] for w in health.json()["checks"].get("workers", {}).get("alive", [])}


class Server:
    """One `warroom serve` process on the shared database, ready once its worker process beats."""

    def __init__(self, tmp_path: Path, fake: FakeSlack, database_url: str, announce: str) -> None:
        roster = tmp_path / "roster.yml"
        roster.write_text(Workspace.demo_roster_yaml())
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env.update(SLACK_API_URL=fake.api_url, DATABASE_URL=database_url, WARROOM_ROSTER=str(roster),
                   WARROOM_PLAYBOOKS=str(shipped_playbooks()), WARROOM_ALERT_TOKEN=ALERT_TOKEN,
                   WARROOM_ANNOUNCE_CHANNEL=announce, PYTHONPATH=str(ROOT))
        engine = make_engine(database_url)
        workers_before = {w.pid for w in alive(engine)}  # the other process's worker; this one's comes after
        engine.dispose()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 180  # the web role, then its worker, start on a shared machine
        while time.monotonic() < deadline:
            try:
                if _worker_pids(self.url) - workers_before:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError("the server exited at start")
            time.sleep(0.05)
        self.process.kill()
        raise RuntimeError("the server did not become healthy")

    def alert(self, body: dict) -> httpx.Response:
        return httpx.post(f"{self.url}/alerts", json=body, trust_env=False, timeout=30,
                          headers={"Authorization": f"Bearer {ALERT_TOKEN}"})

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def _incidents(engine) -> list[Incident]:
    with Session(engine) as session:
        return list(session.exec(select(Incident).order_by(col(Incident.id))))


def _setups(engine) -> dict[int, dict[str, str]]:
    """Each unfinished set-up's steps and their states (to say where one stopped)."""
    with Session(engine) as session:
        rows = session.exec(select(SetupStep).join(Incident, col(Incident.id) == col(SetupStep.incident_id))
                            .where(Incident.phase == "setup")).all()
    steps: dict[int, dict[str, str]] = {}
    for row in rows:
        steps.setdefault(row.incident_id, {})[row.step] = f"{row.status} x{row.attempts} {row.error or ''}".strip()
    return steps


def test_two_processes_one_room_briefing_announcement_and_reminder_each(tmp_path, new_database):
    database_url = new_database("shared")
    engine = make_engine(database_url)
    with FakeSlack(Workspace.demo(), latency=0.1) as fake:
        announce = fake.add_channel("crisis-announcements")
        servers: list[Server | None] = [None, None]
        for index, name in enumerate(("one", "two")):
            (tmp_path / name).mkdir()
            servers[index] = Server(tmp_path / name, fake, database_url, announce.id)
        one, two = servers
        assert one is not None and two is not None
        try:
            alerts = [social_alert(dedup_key=f"social:storm-{n}", title=f"Backlash number {n} over the ad")
                      for _repeat in range(REPEATS) for n in range(INCIDENTS)]
            with ThreadPoolExecutor(8) as pool:  # the alerts split between the processes, sent at once
                answers = list(pool.map(lambda ia: (one, two)[ia[0] % 2].alert(ia[1]), enumerate(alerts)))
            assert [a.status_code for a in answers] == [202] * len(alerts)
            statuses = Counter(a.json()["status"] for a in answers)
            assert statuses == {"opened": INCIDENTS, "attached": INCIDENTS * (REPEATS - 1)}

            # Kill one process while rooms are being set up (Slack is slow: each call takes 0.1 s).
            fake.wait_for(lambda: len(fake.calls_to("conversations.create")) >= 2, timeout=60)
            one.kill()
            assert any(i.phase == "setup" for i in _incidents(engine)), "the kill came after every set-up"
            servers[0] = Server(tmp_path / "one", fake, database_url, announce.id)  # the rolling restart

            try:
                incidents = fake.wait_for(lambda: (found := _incidents(engine)) and all(
                    i.phase == "active" for i in found) and found, timeout=90, interval=0.2)
            except TimeoutError:
                raise AssertionError(f"rooms not ready: {_setups(engine)}") from None
            assert len(incidents) == INCIDENTS
            rooms = [c for c in fake.channels if c.id != announce.id]
            assert sorted(c.id for c in rooms) == sorted(i.channel_id for i in incidents)
            for incident in incidents:
                briefings = [m for m in fake.messages(incident.channel_id)
                             if m.user == fake.bot_user_id and (m.metadata or {}).get("event_type") == "warroom_setup"]
                assert len(briefings) == 1, f"incident {incident.id}: {len(briefings)} briefings"
                assert [m.ts for m in fake.pins(incident.channel_id)] == [briefings[0].ts]
                announced = [m for m in fake.messages(announce.id) if incident.channel_id in m.text]
                assert len(announced) == 1, f"incident {incident.id}: announced {len(announced)} times"

            # Every planned reminder falls due now; both schedulers sweep every second.
            with engine.begin() as connection:
                made_due = connection.execute(text(
                    "UPDATE scheduled_job SET due_at = now() AT TIME ZONE 'UTC' - interval '1 second' "
                    "WHERE kind LIKE 'task%' RETURNING id")).scalars().all()
            assert made_due, "no task reminders were planned"
            posted_before = {i.channel_id: len(fake.messages(i.channel_id)) for i in incidents}

            def ran() -> bool:
                with engine.connect() as connection:
                    return not connection.execute(text("SELECT 1 FROM scheduled_job WHERE id = ANY(:ids)"),
                                                  {"ids": list(made_due)}).first()

            fake.wait_for(ran, timeout=60, interval=0.2)

            def delivered() -> bool:  # the reminders are posted from the outbox, at Slack's pace per channel
                with engine.connect() as connection:
                    return not connection.execute(text("SELECT 1 FROM effects WHERE status = 'pending'")).first()

            fake.wait_for(delivered, timeout=120, interval=0.2)
            with Session(engine) as session:
                sent = list(session.exec(select(SentReminder.key)))
            reminders = Counter((i.channel_id, m.text) for i in incidents
                                for m in fake.messages(i.channel_id)[posted_before[i.channel_id]:]
                                if m.user == fake.bot_user_id and "was due at" in m.text)
            assert [key for key, times in reminders.items() if times > 1] == [], "a reminder was posted twice"
            assert len(reminders) == len(made_due) == len([key for key in sent if key.startswith("task:")])
            print(f"two processes, one killed mid set-up: {len(incidents)} incidents from {len(alerts)} alerts, "
                  f"{len(rooms)} rooms, conversations.create called {len(fake.calls_to('conversations.create'))} "
                  f"times, {len(reminders)} task reminders made due at once and each posted once")
        finally:
            for server in servers:
                if server is not None:
                    server.stop()
            engine.dispose()
