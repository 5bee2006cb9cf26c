"""Scenario 7: room set-ups per second on PostgreSQL, one worker against two, and no duplicate work.

A throw-away PostgreSQL server is started as ``.ci/postgres`` starts one (skipped, with the reason, when the
server binaries are missing). Each run gets a fresh database and its own processes: one ``warroom web`` and
one or two ``warroom worker``. A storm of alerts (three per incident, sent at once, Slack's rate limits off,
every Slack call answered after 100 ms) opens ``rooms`` incidents; timed from the first alert sent to the
last room ready. Whichever process runs the set-ups is measured: the figure is the layout's, not a role's.
The rooms stay within one minute of Slack's channel budget (20), which the bot keeps to in any case.

Also counted, over every run: channels beyond one per incident, incidents with more than one briefing,
and incidents announced more than once (target 0 each).
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
from sqlalchemy import create_engine, text

from app.sandbox.fake_slack import FakeSlack
from app.sandbox.harness import free_port
from app.sandbox.workspace import Workspace
from benchmarks.postgres import NoServer, PostgresServer
from benchmarks.stage import ALERT_TOKEN, BOT_TOKEN, PROXY_VARIABLES, ROOT, SIGNING_SECRET, workers_ready
from benchmarks.stats import figure

TARGET_RATIO = 1.6
REPEATS_PER_INCIDENT = 3


def alert_body(run: str, number: int) -> dict:
    return {"source": "monitoring", "kind": "service-outage", "severity": "high",
            "title": f"Checkout errors in region {number}", "dedup_key": f"scaleout-{run}-{number}",
            "description": "Error rate above threshold.", "labels": {"service": "checkout", "region": str(number)}}


class Layout:
    """One ``warroom web`` and ``workers`` ``warroom worker`` processes on one database."""

    def __init__(self, directory: Path, fake: FakeSlack, database_url: str, announce: str, workers: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        roster = directory / "roster.yml"
        roster.write_text(Workspace.demo_roster_yaml(), encoding="utf-8")
        self.env = {k: v for k, v in os.environ.items() if k not in (*PROXY_VARIABLES, "DATABASE_URL", "PORT")
                    and not k.startswith(("WARROOM_", "SLACK_", "OPENAI_"))}
        self.env.update({"NO_PROXY": "127.0.0.1,localhost", "PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": BOT_TOKEN,
                         "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.api_url,
                         "DATABASE_URL": database_url, "WARROOM_PLAYBOOKS": str(ROOT / "playbooks"),
                         "WARROOM_ROSTER": str(roster), "WARROOM_ALERT_TOKEN": ALERT_TOKEN,
                         "WARROOM_ANNOUNCE_CHANNEL": announce})
        self.directory = directory
        self.port = free_port()
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", trust_env=False, timeout=30)
        self.processes: list[subprocess.Popen] = []
        self.workers = workers

    def _start(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.directory / f"{name}.log").open("wb")
        process = subprocess.Popen([sys.executable, "-m", "app", *args], cwd=self.directory, env=self.env,
                                   stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.processes.append(process)
        return process

    def start(self, timeout: float = 90.0) -> Layout:
        web = self._start("web", "web", "--host", "127.0.0.1", "--port", str(self.port))
        deadline = time.monotonic() + timeout
        while True:  # the web role migrates the database; the workers start once it is up
            if web.poll() is not None:
                raise RuntimeError(f"warroom web exited with {web.returncode}: see {self.directory / 'web.log'}")
            try:
                if self.http.get("/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"warroom web did not answer /healthz within {timeout:.0f} s")
            time.sleep(0.1)
        self.health_ports = [free_port() for _ in range(self.workers)]
        for number, port in enumerate(self.health_ports):
            self._start(f"worker-{number + 1}", "worker", "--health-port", str(port), "--health-host", "127.0.0.1")
        while not workers_ready(self.http.get("/healthz", timeout=2), self.workers):  # timed once all beat
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.workers} workers did not beat within {timeout:.0f} s")
            time.sleep(0.1)
        return self

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) each process has used so far, by role: web, worker-1, worker-2."""
        tick = os.sysconf("SC_CLK_TCK")
        names = ["web", *(f"worker-{n + 1}" for n in range(self.workers))]
        used: dict[str, float] = {}
        for name, process in zip(names, self.processes, strict=False):
            try:
                fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used[name] = (int(fields[11]) + int(fields[12])) / tick
        return used

    def worker_counter(self, name: str) -> float:
        """A counter summed over the workers' own /metrics (their health ports) and its labels."""
        total = 0.0
        for port in self.health_ports:
            page = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10, trust_env=False).text
            total += sum(float(line.rsplit(" ", 1)[1]) for line in page.splitlines()
                         if line.startswith((f"{name}{{", f"{name} ")))
        return total

    def alert(self, body: dict) -> int:
        return self.http.post("/alerts", json=body, headers={"Authorization": f"Bearer {ALERT_TOKEN}"}).status_code

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        self.http.close()


def wait_rooms(engine, count: int, timeout: float) -> list[tuple[int, str, float, float]]:
    """Poll until ``count`` rooms are ready: (incident id, channel id, ready time, stored time) each, the times
    as Unix seconds. The ready time is the one the bot stored, so the poll's own pace does not count."""
    deadline = time.monotonic() + timeout
    query = text("SELECT id, channel_id, EXTRACT(EPOCH FROM room_ready_at), EXTRACT(EPOCH FROM created_at) "
                 "FROM incidents WHERE room_ready_at IS NOT NULL ORDER BY id")
    while True:
        with engine.connect() as connection:
            ready = [(row[0], row[1], float(row[2]), float(row[3])) for row in connection.execute(query)]
        if len(ready) >= count:
            return ready
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(ready)} of {count} rooms ready after {timeout:.0f} s")
        time.sleep(0.1)  # the times are the stored ones: looking more often would only take CPU from the bot


def duplicates(fake: FakeSlack, announce: str, rooms: list[tuple[int, str, float, float]]) -> dict[str, int]:
    channels = [c for c in fake.channels if c.id != announce]
    briefings = {channel: sum(1 for m in fake.messages(channel) if m.user == fake.bot_user_id
                              and (m.metadata or {}).get("event_type") == "warroom_setup") for _, channel, *_ in rooms}
    announced = Counter(channel for _, channel, *_ in rooms for m in fake.messages(announce) if channel in m.text)
    return {"channels": len(channels) - len(rooms), "briefings": sum(max(n - 1, 0) for n in briefings.values()),
            "announcements": sum(max(n - 1, 0) for n in announced.values())}


def measure(directory: Path, server: PostgresServer, run: str, workers: int, rooms: int, latency: float,
            timeout: float) -> dict:
    """One storm on a fresh database and fresh processes; set-ups per second and duplicates."""
    database_url = server.database(f"scaleout_{run}")
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    with FakeSlack(Workspace.demo(), latency=latency) as fake:
        announce = fake.add_channel("crisis-announcements").id
        layout = Layout(directory / run, fake, database_url, announce, workers)
        try:
            layout.start()
            bodies = [alert_body(run, n) for _ in range(REPEATS_PER_INCIDENT) for n in range(rooms)]
            cpu_before = {**layout.cpu_seconds(), "postgres": server.cpu_seconds(), "bench": time.process_time()}
            sent = time.time()
            with ThreadPoolExecutor(16) as pool:
                answers = list(pool.map(layout.alert, bodies))
            accepted = time.time()
            ready = wait_rooms(engine, rooms, timeout)
            cpu_after = {**layout.cpu_seconds(), "postgres": server.cpu_seconds(), "bench": time.process_time()}
            conflicts = layout.worker_counter("warroom_pacing_conflicts_total")
            time.sleep(1.0)  # let late duplicates (a second briefing, a second announcement) show up
            counted = duplicates(fake, announce, ready)
        finally:
            layout.stop()
            engine.dispose()
    last = max(at for _, _, at, _ in ready)
    setup_times = sorted(at - stored for _, _, at, stored in ready)
    cpu = {name: round(cpu_after.get(name, 0.0) - used, 2) for name, used in cpu_before.items()}
    return {"run": run, "workers": workers, "rooms": len(ready), "refused_alerts": sum(a != 202 for a in answers),
            "seconds": last - sent, "setups_per_s": len(ready) / (last - sent), "duplicates": counted,
            # where the time goes: the intake's window, each room from its incident stored to ready, the CPU
            # each process spent meanwhile (bench: this process, the fake Slack's threads included), the workers'
            # and everything's per room
            "intake_s": round(accepted - sent, 3), "pacing_conflicts": conflicts,
            "last_stored_s": round(max(s for *_, s in ready) - sent, 3),
            "setup_s_median": round(setup_times[len(setup_times) // 2], 3), "setup_s_max": round(setup_times[-1], 3),
            "cpu_s": cpu, "worker_cpu_ms_per_room": round(1000 * sum(v for k, v in cpu.items()
                                                                     if k.startswith("worker")) / len(ready), 1),
            "all_cpu_ms_per_room": round(1000 * sum(cpu.values()) / len(ready), 1)}


def run(directory: Path, *, repeats: int = 3, rooms: int = 20, latency: float = 0.1, timeout: float = 120.0) -> dict:
    """``repeats`` pairs of runs (one worker, then two), each on a fresh database."""
    try:
        server = PostgresServer()
    except NoServer as exc:
        print(f"  scaleout skipped: {exc}", flush=True)
        return {"figures": [], "details": {"skipped": str(exc)}}
    one: list[dict] = []
    two: list[dict] = []
    with server:
        for repeat in range(repeats):
            one.append(measure(directory, server, f"r{repeat}_one", 1, rooms, latency, timeout))
            two.append(measure(directory, server, f"r{repeat}_two", 2, rooms, latency, timeout))
    ratios = [b["setups_per_s"] / a["setups_per_s"] for a, b in zip(one, two, strict=True)]
    extra = {kind: sum(r["duplicates"][kind] for r in one + two) for kind in ("channels", "briefings", "announcements")}
    return {
        "figures": [
            figure("scaleout.one_worker", "Room set-ups per second, PostgreSQL, web + one worker", "/s",
                   [r["setups_per_s"] for r in one]),
            figure("scaleout.two_workers", "Room set-ups per second, PostgreSQL, web + two workers", "/s",
                   [r["setups_per_s"] for r in two]),
            figure("scaleout.ratio", "Set-ups per second, two workers / one (pairs run side by side)", "x", ratios,
                   target=f">= {TARGET_RATIO}", check=lambda v: v >= TARGET_RATIO),
            figure("scaleout.duplicates", "Duplicates: channels beyond one per incident, briefings, announcements",
                   "", [float(sum(extra.values()))], target="0", check=lambda v: v == 0),
        ],
        "details": {"rooms": rooms, "latency_s": latency, "alerts_per_incident": REPEATS_PER_INCIDENT,
                    "one_worker": one, "two_workers": two, "duplicates": extra},
    }
