"""The stage of a benchmark: fake Slack, fake model, and the bot served as a separate process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from app.sandbox.driver import SlackDriver
from app.sandbox.fake_openai import FakeOpenAI
from app.sandbox.fake_slack import FakeSlack
from app.sandbox.harness import free_port
from app.sandbox.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
ALERT_TOKEN = "bench-alert-token"
SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-sandbox"
SERVE_OPTIONS: list[str] = []  # e.g. ["--one-process"]: the whole bot in one process, as before the split
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy")


def clear_proxies() -> None:
    """Loopback only: never route the benchmark's own requests through a proxy."""
    for name in PROXY_VARIABLES:
        os.environ.pop(name, None)
    os.environ["NO_PROXY"] = "127.0.0.1,localhost"



def workers_ready(health: httpx.Response, workers: int) -> bool:
    """The server answers /healthz and, in the web role, ``workers`` worker processes beat: it sets rooms up.

    Timing starts only then: the worker starts after the web role, and a room timed while it is still
    importing measures the start, not the room."""
    if health.status_code != 200:
        return False
    alive = health.json().get("checks", {}).get("workers")
    return alive is None or len(alive.get("alive", [])) >= workers

class Stage:
    """Starts the fakes and ``python -m app serve`` against them; always stop() it (or use ``with``)."""

    def __init__(self, directory: Path, *, latency: float = 0.0, model_delay: float | None = None,
                 seed: Callable[[Stage], None] | None = None, env: dict[str, str] | None = None,
                 rate_limits: bool = False) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.workspace = Workspace.demo()
        self.fake = FakeSlack(self.workspace, latency=latency, enforce_rate_limits=rate_limits)
        self.extra_env = dict(env or {})
        self.model = FakeOpenAI(delay=model_delay) if model_delay is not None else None
        self.database_url = f"sqlite:///{directory / 'warroom.db'}"
        self.seed = seed
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log_path = directory / "server.log"
        self.http: httpx.Client | None = None
        self.driver: SlackDriver | None = None
        self.started_at = 0.0

    def environment(self) -> dict[str, str]:
        roster = self.directory / "roster.yml"
        roster.write_text(self.workspace.demo_roster_yaml(), encoding="utf-8")
        # Only this stage's settings: nothing from a real workspace or database configured in this shell.
        env = {k: v for k, v in os.environ.items() if k not in (*PROXY_VARIABLES, "DATABASE_URL", "PORT")
               and not k.startswith(("WARROOM_", "SLACK_", "OPENAI_"))}
        env.update({
            "NO_PROXY": "127.0.0.1,localhost",
            "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])]),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": self.fake.api_url,
            "DATABASE_URL": self.database_url,
            "WARROOM_PLAYBOOKS": str(ROOT / "playbooks"),
            "WARROOM_ROSTER": str(roster),
            "WARROOM_ALERT_TOKEN": ALERT_TOKEN,
        })
        env.update(self.extra_env)
        if self.model is not None:
            env.update({"OPENAI_API_KEY": "bench-key", "OPENAI_BASE_URL": self.model.base_url,
                        "WARROOM_LLM_TIMEOUT": str(max(25.0, (self.model.delay or 0) + 5))})
        return env

    def start(self, timeout: float = 60.0) -> Stage:
        self.fake.start()
        if self.model is not None:
            self.model.start()
        env = self.environment()
        if self.seed is not None:
            self.seed(self)
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(self.port), *SERVE_OPTIONS],
            cwd=self.directory, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.http = httpx.Client(base_url=self.url, trust_env=False, timeout=30)
        self.driver = SlackDriver(f"{self.url}/slack/events", SIGNING_SECRET, self.fake)
        self._wait_healthy(timeout)
        self.started_at = time.time()
        return self

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if workers_ready(self.http.get("/healthz", timeout=2), 1):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer /healthz within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def alert(self, body: dict) -> httpx.Response:
        return self.http.post("/alerts", json=body, headers={"Authorization": f"Bearer {ALERT_TOKEN}"})

    def rss_mb(self) -> dict[str, float] | None:
        """Resident memory of the server now and at its peak, from /proc (Linux only)."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        values = {line.split(":")[0]: int(line.split()[1]) / 1024 for line in status.splitlines()
                  if line.startswith(("VmRSS", "VmHWM"))}
        return {"rss": values.get("VmRSS", 0.0), "peak": values.get("VmHWM", 0.0)}

    def processes(self) -> list[int]:
        """The server's process and every process it started (a worker role, when it runs apart)."""
        found, queue = [], [self.process.pid]
        while queue:
            pid = queue.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*"):  # children of any of its threads
                try:
                    queue += [int(child) for child in (task / "children").read_text().split()]
                except OSError:
                    continue
        return found

    def memory(self) -> list[dict]:
        """Per process of the server: pid, role (its command), resident and peak memory in MB (Linux only)."""
        out = []
        for pid in self.processes():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            values = {line.split(":")[0]: int(line.split()[1]) / 1024 for line in status.splitlines()
                      if line.startswith(("VmRSS", "VmHWM"))}
            words = [w.decode(errors="replace") for w in command if w]
            role = next((w for w in words if w in ("serve", "web", "worker")), " ".join(words[-3:]))
            if role == "serve" and "--one-process" not in words:
                role = "web"  # warroom serve is the web role, with its worker as a child process
            out.append({"pid": pid, "role": role, "rss": values.get("VmRSS", 0.0), "peak": values.get("VmHWM", 0.0)})
        return out

    def loaded(self, pid: int, names: tuple[str, ...]) -> dict[str, bool]:
        """Which of these names appear among the files a process has mapped (its native libraries)."""
        try:
            maps = Path(f"/proc/{pid}/maps").read_text()
        except OSError:
            return {}
        return {name: name in maps for name in names}

    def _quiet_fakes(self) -> None:
        """Requests cut off when the server stops are expected: do not print their tracebacks."""
        for fake in (self.fake, self.model):
            server = getattr(fake, "_server", None)
            if server is not None:
                server.handle_error = lambda *_args: None

    def stop(self) -> None:
        self._quiet_fakes()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        for closable in (self.driver, self.http):
            if closable is not None:
                closable.close()
        if self.model is not None:
            self.model.stop()
        self.fake.stop()

    def __enter__(self) -> Stage:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *_exc: object) -> None:
        self.stop()
