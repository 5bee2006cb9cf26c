"""Two `warroom serve` processes on one PostgreSQL database, as a production layout runs them.

Alerts are split between the two; one process is killed (SIGKILL) in the middle of the rooms' set-up and
started again (a rolling restart). Every incident ends with exactly one room, one briefing, one pin and one
announcement; then every planned reminder is made due at once, both schedulers race for them, and each runs
once.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from app.db import make_engine
from app.sandbox.fake_slack import FakeSlack
from app.sandbox.harness import ALERT_TOKEN, free_port
from app.sandbox.workspace import Workspace
from app.workers.heartbeat import alive
from tests.conftest import social_alert
from tests.multiprocess import (
    PORT_ATTEMPTS,
    assert_due_reminders_post_once,
    assert_one_room_each,
    incidents,
    log_tail,
    port_taken,
    process_env,
    rooms_ready,
)

pytestmark = [pytest.mark.postgres_only("several processes share one database"),
              pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")]

INCIDENTS = 8
REPEATS = 3  # alerts per incident, sent to both processes


def _worker_pids(url: str) -> set[int]:
    """The worker processes a web role's /healthz sees alive (their heartbeats)."""
    health = httpx.get(f"{url}/healthz", timeout=5, trust_env=False)
    if health.status_code != 200:
        return set()
    return {w["pid"] for w in health.json()["checks"].get("workers", {}).get("alive", [])}


class Server:
    """One `warroom serve` process on the shared database, ready once its worker process beats; its log kept."""

    def __init__(self, tmp_path: Path, fake: FakeSlack, database_url: str, announce: str) -> None:
        self.log_path = tmp_path / "serve.log"
        env = process_env(tmp_path, fake, database_url, announce)
        engine = make_engine(database_url)
        try:
            for _attempt in range(PORT_ATTEMPTS):
                # The other process's worker (and a failed attempt's), seen before this one's comes up.
                workers_before = {w.pid for w in alive(engine)}
                if self._start(env, tmp_path, workers_before):
                    return
        finally:
            engine.dispose()
        raise RuntimeError(f"no free port after {PORT_ATTEMPTS} attempts:\n{self.log()}")

    def _start(self, env: dict[str, str], tmp_path: Path, workers_before: set[int]) -> bool:
        """Start on a fresh port; False when another socket took that port between choosing and binding it."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with open(self.log_path, "ab") as log:
            log_start = log.tell()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180  # the web role, then its worker, start on a shared machine
        while time.monotonic() < deadline:
            try:
                if _worker_pids(self.url) - workers_before:
                    return True
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                if port_taken(self.log_path, log_start):
                    return False
                raise RuntimeError(f"the server exited at start:\n{self.log()}")
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the server did not become healthy:\n{self.log()}")

    def log(self) -> str:
        return log_tail(self.log_path)

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


def test_two_processes_one_room_briefing_announcement_and_reminder_each(tmp_path, new_database):
    database_url = new_database("shared")
    engine = make_engine(database_url)
    with FakeSlack(Workspace.demo(), latency=0.1) as fake:
        announce = fake.add_channel("crisis-announcements")
        servers: list[Server | None] = [None, None]
        try:
            for index, name in enumerate(("one", "two")):
                (tmp_path / name).mkdir()
                servers[index] = Server(tmp_path / name, fake, database_url, announce.id)
            one, two = servers
            assert one is not None and two is not None
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
            assert any(i.phase == "setup" for i in incidents(engine)), "the kill came after every set-up"
            servers[0] = Server(tmp_path / "one", fake, database_url, announce.id)  # the rolling restart

            ready = rooms_ready(engine, fake, None, timeout=90)
            assert len(ready) == INCIDENTS
            rooms = assert_one_room_each(fake, ready, announce.id)
            # Every planned reminder falls due now; both schedulers sweep every second.
            reminders = assert_due_reminders_post_once(engine, fake, ready)
            print(f"two processes, one killed mid set-up: {len(ready)} incidents from {len(alerts)} alerts, "
                  f"{rooms} rooms, conversations.create called {len(fake.calls_to('conversations.create'))} "
                  f"times, {reminders} task reminders made due at once and each posted once")
        finally:
            for server in servers:
                if server is not None:
                    server.stop()
            engine.dispose()
