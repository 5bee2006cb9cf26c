"""Runs the real bot (core, scheduler, HTTP server) on loopback against the fake Slack.

The demo, the integration tests and the benchmarks all use this, so they exercise the same paths as
``warroom serve`` in a real workspace: signed HTTP requests in, Web API calls out.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from app.config import SANDBOX_SECRET, SANDBOX_TOKEN, Settings, load_settings
from app.core import Core, build_core
from app.sandbox.driver import SlackDriver
from app.sandbox.fake_slack import FakeSlack
from app.sandbox.workspace import Workspace
from app.server import create_app
from app.wiring import wire_core

ALERT_TOKEN = "sandbox-alert-token"


def shipped_playbooks() -> Path:
    """The playbooks that come with the project (next to the package in a checkout)."""
    for candidate in (Path(__file__).resolve().parents[2] / "playbooks", Path("playbooks")):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the shipped playbooks folder was not found; set WARROOM_PLAYBOOKS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """uvicorn in a background thread, started and stopped with bounded waits."""

    def __init__(self, app, port: int) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                                    access_log=False, lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, name="warroom-server", daemon=True)

    def start(self, timeout: float = 15.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the bot server did not start")
            time.sleep(0.01)

    def stop(self, timeout: float = 15.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


class Sandbox:
    """A fake workspace, the bot serving it, and a driver that acts as Slack and as people."""

    def __init__(self, directory: Path, *, fake: FakeSlack | None = None, workspace: Workspace | None = None,
                 serve: bool = True, **overrides) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.workspace = workspace or Workspace.demo()
        self.fake = fake or FakeSlack(self.workspace)
        self.fake.start()
        roster = directory / "roster.yml"
        if not roster.exists():
            roster.write_text(self.workspace.demo_roster_yaml(), encoding="utf-8")
        values = dict(slack_bot_token=SANDBOX_TOKEN, slack_signing_secret=SANDBOX_SECRET,
                      slack_api_url=self.fake.api_url, database_url=f"sqlite:///{directory / 'warroom.db'}",
                      warroom_roster=roster, warroom_playbooks=shipped_playbooks(), warroom_alert_token=ALERT_TOKEN,
                      openai_api_key=None)
        values.update(overrides)
        self.settings: Settings = load_settings(**values)
        self.core: Core = build_core(self.settings)
        wire_core(self.core)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: ServerThread | None = None
        self.http = httpx.Client(base_url=self.url, trust_env=False, timeout=30)
        self.driver = SlackDriver(f"{self.url}/slack/events", self.settings.slack_signing_secret, self.fake)
        if serve:
            self.server = ServerThread(create_app(self.core), self.port)
            self.server.start()

    def alert(self, body: dict, path: str = "/alerts", token: str = ALERT_TOKEN) -> httpx.Response:
        return self.http.post(path, json=body, headers={"Authorization": f"Bearer {token}"})

    def close(self) -> None:
        self.http.close()
        if self.server is not None:
            self.server.stop()
        else:
            self.core.shutdown()
        self.fake.stop()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
