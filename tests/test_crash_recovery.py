"""A real crash: `warroom serve` is killed (SIGKILL) in the middle of a room's set-up and started again.

The alert was committed before the 202 answer, so the incident survives; the restarted process resumes the
set-up at the first unfinished step, and the room ends up with exactly one channel and one pinned briefing.
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

from app.sandbox.fake_slack import FakeSlack
from app.sandbox.harness import ALERT_TOKEN, free_port, shipped_playbooks
from app.sandbox.workspace import Workspace
from tests.conftest import social_alert

ROOT = Path(__file__).resolve().parents[1]


def start_server(tmp_path: Path, fake: FakeSlack, port: int) -> subprocess.Popen:
    roster = tmp_path / "roster.yml"
    roster.write_text(Workspace.demo_roster_yaml())
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(SLACK_API_URL=fake.api_url, DATABASE_URL=f"sqlite:///{tmp_path / 'warroom.db'}",
               WARROOM_ROSTER=str(roster), WARROOM_PLAYBOOKS=str(shipped_playbooks()),
               WARROOM_ALERT_TOKEN=ALERT_TOKEN, PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1, trust_env=False).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError("the server exited at start")
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("the server did not become healthy")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_mid_setup_resumes_after_restart(tmp_path):
    with FakeSlack(Workspace.demo(), latency=0.3) as fake:
        port = free_port()
        server = start_server(tmp_path, fake, port)
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
        server = start_server(tmp_path, fake, port)
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
