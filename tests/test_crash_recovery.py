"""A real crash: `warroom serve` is killed (SIGKILL) in the middle of a room's set-up and started again.

The alert was committed before the 202 answer, so the incident survives; the restarted process resumes the
set-up at the first unfinished step, and the room ends up with exactly one channel and one pinned briefing.
The worst moment to die is after Slack acted but before its answer arrived: each step is killed there once,
and after the restart every step has exactly one visible effect.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from app.db import make_engine
from app.incidents.models import Incident
from app.sandbox.fake_slack import FakeSlack
from app.sandbox.harness import ALERT_TOKEN, free_port, shipped_playbooks
from app.sandbox.workspace import Workspace
from tests.conftest import social_alert
from tests.test_setup_faults import assert_one_effect_per_step

ROOT = Path(__file__).resolve().parents[1]
START_LIMIT = 180  # seconds for the web role and then its worker to start (import, migrate) on a busy machine


def start_server(tmp_path: Path, fake: FakeSlack, port: int, *, database_url: str | None = None,
                 **env_overrides: str) -> subprocess.Popen:
    """``warroom serve`` as its own process on ``database_url`` (the test's database; a SQLite file by default)."""
    roster = tmp_path / "roster.yml"
    roster.write_text(Workspace.demo_roster_yaml())
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(SLACK_API_URL=fake.api_url, DATABASE_URL=database_url or f"sqlite:///{tmp_path / 'warroom.db'}",
               WARROOM_ROSTER=str(roster), WARROOM_PLAYBOOKS=str(shipped_playbooks()),
               WARROOM_ALERT_TOKEN=ALERT_TOKEN, PYTHONPATH=str(ROOT), **env_overrides)
    with open(tmp_path / "server.log", "ab") as log:  # the process's own log, kept for a failing test's report
        process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)],
                                   env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + START_LIMIT
    before: set[int] | None = None  # workers seen when the web role first answers (a killed one's beat lingers)
    while time.monotonic() < deadline:
        try:
            health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1, trust_env=False)
            if health.status_code == 200:  # ready once its worker, which sets the rooms up, beats
                seen = {w["pid"] for w in health.json()["checks"]["workers"]["alive"]}
                if before is not None and seen - before:
                    return process
                before = seen if before is None else before
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"the server exited at start: {(tmp_path / 'server.log').read_text()[-2000:]}")
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"the server did not become healthy: {(tmp_path / 'server.log').read_text()[-2000:]}")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_mid_setup_resumes_after_restart(tmp_path, database_url):
    with FakeSlack(Workspace.demo(), latency=0.3) as fake:
        port = free_port()
        server = start_server(tmp_path, fake, port, database_url=database_url)
        try:
            answer = httpx.post(f"http://127.0.0.1:{port}/alerts", json=social_alert(), trust_env=False,
                                headers={"Authorization": f"Bearer {ALERT_TOKEN}"}, timeout=10)
            assert answer.status_code == 202
            fake.wait_for(lambda: fake.calls_to("conversations.create"), timeout=10)
        finally:
            server.send_signal(signal.SIGKILL)
            server.wait(10)
        assert not fake.pins(fake.channels[0].id) if fake.channels else True

        fake.latency = 0.0
        server = start_server(tmp_path, fake, port, database_url=database_url)
        try:
            channel = fake.wait_for(lambda: fake.channels and fake.pins(fake.channels[0].id) and fake.channels[0],
                                    timeout=20)
            assert len(fake.channels) == 1
            assert len(fake.pins(channel.id)) == 1
            briefings = [m for m in fake.messages(channel.id) if "incident #1" in (m.text or "")]
            assert len(briefings) == 1
        finally:
            server.terminate()
            server.wait(10)


def _room_ready(database_url: str):
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            incident = session.get(Incident, 1)
            return incident if incident is not None and incident.phase == "active" else None
    finally:
        engine.dispose()


# The set-up's waves: the channel; then, in parallel, the invitations, topic, briefing, bookmark and
# announcement; then the pin. Each wave's calls are held (Slack acted, the answer is not back) and the
# process is killed there, so every step is killed once at its worst moment.
WAVES = [{"conversations.create": 1},
         {"conversations.invite": 1, "conversations.setTopic": 1, "chat.postMessage": 2, "bookmarks.add": 1},
         {"pins.add": 1}]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_after_slack_acted_but_before_its_answer_each_step_happens_once(tmp_path, database_url):
    with FakeSlack(Workspace.demo()) as fake:
        announce = fake.add_channel("crisis-announcements")
        env = {"WARROOM_ANNOUNCE_CHANNEL": announce.id}
        port = free_port()
        for number, wave in enumerate(WAVES):
            held = {m: len(fake.calls_to(m)) + t for m, t in wave.items()}
            for method, times in wave.items():
                fake.fail_next(method, answer="hold", times=times)
            server = start_server(tmp_path, fake, port, database_url=database_url, **env)
            try:
                if number == 0:
                    answer = httpx.post(f"http://127.0.0.1:{port}/alerts", json=social_alert(), trust_env=False,
                                        headers={"Authorization": f"Bearer {ALERT_TOKEN}"}, timeout=10)
                    assert answer.status_code == 202
                fake.wait_for(lambda held=held: all(len(fake.calls_to(m)) >= n for m, n in held.items()), timeout=20)
            finally:
                server.send_signal(signal.SIGKILL)  # Slack acted on every held call; no answer came back
                server.wait(10)
            assert _room_ready(database_url) is None

        server = start_server(tmp_path, fake, port, database_url=database_url, **env)
        try:
            incident = fake.wait_for(lambda: _room_ready(database_url), timeout=30)
            assert_one_effect_per_step(fake, incident.channel_id, announce.id)
            assert len(fake.calls_to("conversations.create")) == 2  # the second one found the name taken: adopted
        finally:
            server.terminate()
            server.wait(10)
