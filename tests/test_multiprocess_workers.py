"""Two `warroom web` and two `warroom worker` processes on one PostgreSQL database: the production layout.

Alerts are split between the two web processes, which only store them; the workers set the rooms up. One
worker is killed (SIGKILL) while rooms are being set up and started again; then every process is stopped and
started again in turn (a rolling restart) while alerts keep coming. Every incident ends with exactly one room,
one briefing, one pin and one announcement; every planned reminder, made due at once, is posted once.
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
from sqlmodel import Session, col, select

from app.db import make_engine
from app.incidents.models import Incident
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

FIRST = 8  # incidents of the first wave, each alerted three times
REPEATS = 3
PER_RESTART = 2  # new incidents alerted (twice each) while each process restarts
START_SECONDS = 180  # four interpreters start side by side on a shared machine


class Role:
    """One `warroom web` or `warroom worker` process on the shared database; its log in its own file."""

    def __init__(self, role: str, directory: Path, fake: FakeSlack, database_url: str, announce: str) -> None:
        self.role, self.directory = role, directory
        directory.mkdir(exist_ok=True)
        self.env = process_env(directory, fake, database_url, announce)
        self.engine = make_engine(database_url)
        self.port, self.url = 0, ""  # each start takes a fresh port
        self.process: subprocess.Popen | None = None

    def log(self) -> str:
        return log_tail(self.directory / f"{self.role}.log")

    def start(self) -> Role:
        for _attempt in range(PORT_ATTEMPTS):
            if self._start():
                return self
        raise RuntimeError(f"the {self.role} process found no free port:\n{self.log()}")

    def _start(self) -> bool:
        """Start on a fresh port; False when another socket took that port between choosing and binding it."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "app", self.role]
        if self.role == "web":
            command += ["--host", "127.0.0.1", "--port", str(self.port)]
        else:  # an orchestrator probes the worker itself
            command += ["--health-port", str(self.port), "--health-host", "127.0.0.1"]
        with open(self.directory / f"{self.role}.log", "ab") as log:
            log_start = log.tell()
            self.process = subprocess.Popen(command, env=self.env, cwd=self.directory, stdout=log,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.ready():
                return True
            if self.process.poll() is not None:
                if port_taken(self.directory / f"{self.role}.log", log_start):
                    return False
                raise RuntimeError(f"the {self.role} process exited at start:\n{self.log()}")
            time.sleep(0.05)
        self.process.kill()
        raise RuntimeError(f"the {self.role} process did not start:\n{self.log()}")

    def ready(self) -> bool:
        """A web process answers /healthz; a worker has written its first heartbeat and its own /healthz says so."""
        assert self.process is not None
        if self.role == "worker" and not any(w.pid == self.process.pid for w in alive(self.engine)):
            return False
        try:
            answer = httpx.get(f"{self.url}/healthz", timeout=1, trust_env=False)
        except httpx.HTTPError:
            return False
        if self.role == "worker":
            return answer.status_code == 200 and answer.json()["checks"]["heartbeat"]["ok"] is True
        return answer.status_code == 200

    def up(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()

    def close(self) -> None:
        self.stop()
        self.engine.dispose()


def send(webs: list[Role], number: int, body: dict) -> str:
    """Post one alert to one of the web processes (the other when that one is restarting); its status."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for web in (webs[number % 2], webs[(number + 1) % 2]):
            if not web.up():
                continue
            try:
                answer = httpx.post(f"{web.url}/alerts", json=body, trust_env=False, timeout=30,
                                    headers={"Authorization": f"Bearer {ALERT_TOKEN}"})
            except httpx.HTTPError:  # stopping (refused, or closed before answering): the other one takes it
                continue
            if answer.status_code == 202:
                return str(answer.json()["status"])
        time.sleep(0.05)
    raise AssertionError(f"no web process took the alert {body['dedup_key']}")


def test_two_web_and_two_worker_processes_set_each_room_up_once(tmp_path, new_database):
    database_url = new_database("shared")
    engine = make_engine(database_url)
    with FakeSlack(Workspace.demo(), latency=0.1) as fake:
        announce = fake.add_channel("crisis-announcements")
        roles = {name: Role(name.split("-")[0], tmp_path / name, fake, database_url, announce.id)
                 for name in ("web-1", "web-2", "worker-1", "worker-2")}
        webs = [roles["web-1"], roles["web-2"]]
        try:
            with ThreadPoolExecutor(4) as pool:  # started side by side, as a deploy does
                list(pool.map(Role.start, roles.values()))
            alerts = [social_alert(dedup_key=f"social:storm-{n}", title=f"Backlash number {n} over the ad")
                      for _repeat in range(REPEATS) for n in range(FIRST)]
            with ThreadPoolExecutor(8) as pool:  # split between the web processes, sent at once
                statuses = Counter(pool.map(lambda na: send(webs, *na), enumerate(alerts)))
            assert statuses == {"opened": FIRST, "attached": FIRST * (REPEATS - 1)}

            # Kill one worker while rooms are being set up (Slack is slow: each call takes 0.1 s).
            fake.wait_for(lambda: len(fake.calls_to("conversations.create")) >= 2, timeout=60)
            roles["worker-1"].kill()
            killed_at = time.monotonic()
            assert any(i.phase == "setup" for i in incidents(engine)), "the kill came after every set-up"
            roles["worker-1"].start()

            # The rolling restart: each process in turn stops and starts again while new alerts arrive.
            sent = 0
            for step, name in enumerate(("web-1", "worker-1", "web-2", "worker-2")):
                wave = [social_alert(dedup_key=f"social:roll-{step}-{n}", title=f"Rolling alert {step}.{n}")
                        for _repeat in range(2) for n in range(PER_RESTART)]
                with ThreadPoolExecutor(4) as pool:
                    answers = [pool.submit(send, webs, sent + k, body) for k, body in enumerate(wave)]
                    roles[name].stop()
                    roles[name].start()
                    assert {a.result() for a in answers} <= {"opened", "attached"}
                sent += len(wave)
            expected = FIRST + 4 * PER_RESTART

            ready = rooms_ready(engine, fake, expected, timeout=180)
            settled = time.monotonic() - killed_at
            rooms = assert_one_room_each(fake, ready, announce.id)

            # Both workers beat; the web processes see them.
            pids = {roles[name].process.pid for name in ("worker-1", "worker-2")}  # type: ignore[union-attr]
            health = httpx.get(f"{webs[0].url}/healthz", timeout=10, trust_env=False).json()
            assert pids <= {w["pid"] for w in health["checks"]["workers"]["alive"]}

            # Every planned reminder falls due now; both workers' schedulers race for them.
            reminders = assert_due_reminders_post_once(engine, fake, ready)
            with Session(engine) as session:
                stored = session.exec(select(col(Incident.id))).all()
            assert len(stored) == expected
            print(f"two web and two worker processes, a worker killed mid set-up and each process restarted in turn: "
                  f"{len(ready)} incidents from {len(alerts) + sent} alerts, {rooms} rooms, "
                  f"conversations.create called {len(fake.calls_to('conversations.create'))} times, every room ready "
                  f"{settled:.1f} s after the kill; {reminders} task reminders made due at once, each posted once")
        finally:
            for role in roles.values():
                role.close()
            engine.dispose()
