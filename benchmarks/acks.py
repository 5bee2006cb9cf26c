"""Scenario 2: how fast slash commands and button clicks are answered under load, with a slow model."""

from __future__ import annotations

import asyncio
import math
import random
import threading
import time
from pathlib import Path

from benchmarks.database import rows, wait_ready
from benchmarks.loadgen import Answer, Connection
from benchmarks.requests import RequestBuilder, SignedRequest, buttons
from benchmarks.stage import SIGNING_SECRET, Stage
from benchmarks.stats import figure, percentile, quiet_collector

PEOPLE = ["U0LEAD", "U0COMMS", "U0COMMS2", "U0SOCIAL", "U0LEGAL", "U0SEC", "U0SUPPORT", "U0SCRIBE"]


def alert_body(number: int) -> dict:
    return {"source": "social-listening", "kind": "shitstorm", "severity": "high",
            "title": f"Complaints about order delays, wave {number}", "dedup_key": f"bench-acks-{number}",
            "description": "Complaints about delayed orders are trending.", "url": "https://listening.example.com/a"}


class Background:
    """Keeps rooms being set up and the model busy: a new incident every ``every`` s, a statement in each room."""

    def __init__(self, stage: Stage, first: int, every: float = 1.0) -> None:
        self.stage, self.number, self.every = stage, first, every
        self.stop = threading.Event()
        self.opened: list[int] = []
        self.drafting = 0
        self.thread = threading.Thread(target=self.run, name="bench-background", daemon=True)

    def run(self) -> None:
        waiting: list[int] = []
        while not self.stop.wait(self.every):
            response = self.stage.alert(alert_body(self.number))
            self.number += 1
            waiting.append(response.json()["incident_id"])
            self.opened.append(waiting[-1])
            for incident_id in list(waiting):
                try:
                    channel, _ = wait_ready(self.stage.database_url, [incident_id], timeout=0)[incident_id]
                except TimeoutError:
                    continue
                waiting.remove(incident_id)
                self.stage.driver.command("U0LEAD", channel, "statement")
                self.drafting += 1


def click(builder: RequestBuilder, user: str, channel: str, ts: str, block_id: str) -> SignedRequest:
    """A click on a task's Done button; on the Status button when that task was done meanwhile."""
    try:
        return builder.click_request(user, channel, ts, "task_done", block_id)
    except LookupError:
        return builder.click_request(user, channel, ts, "status_show", "briefing-actions")


def build_requests(stage: Stage, rooms: dict[int, str], count: int, seed: int) -> list[SignedRequest]:
    """``count`` requests: status, help and statement commands in the rooms, and task buttons on the briefings."""
    builder = RequestBuilder(stage.driver.bot_url, SIGNING_SECRET, stage.fake)
    rng = random.Random(seed)
    targets = []
    for channel in rooms.values():
        briefing = next(m for m in stage.fake.messages(channel) if m.blocks)
        targets.append((channel, briefing.ts, buttons(briefing.blocks, "task_done")))
    requests = []
    for _ in range(count):
        channel, ts, tasks = rng.choice(targets)
        user = rng.choice(PEOPLE)
        roll = rng.random()
        if roll < 0.35:
            requests.append(builder.command_request(user, channel, "status"))
        elif roll < 0.55:
            requests.append(builder.command_request(user, channel, "help"))
        elif roll < 0.75:
            requests.append(builder.command_request(user, channel, "statement"))
        elif roll < 0.9 and tasks:
            requests.append(click(builder, user, channel, ts, tasks.pop(rng.randrange(len(tasks)))))
        else:
            requests.append(builder.click_request(user, channel, ts, "status_show", "briefing-actions"))
    builder.close()
    return requests


async def clients(port: int, requests: list[SignedRequest], count: int, seconds: float,
                  think: tuple[float, float], seed: int) -> list[tuple[SignedRequest, Answer]]:
    """``count`` clients, each sending a request and then pausing ``think`` seconds, for ``seconds``."""
    source = iter(requests)
    results: list[tuple[SignedRequest, Answer]] = []
    deadline = time.perf_counter() + seconds

    async def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        connection = Connection("127.0.0.1", port, timeout=10)
        await asyncio.sleep(rng.uniform(0, think[1]))
        try:
            while time.perf_counter() < deadline:
                request = next(source, None)
                if request is None:
                    return
                answer = await connection.request("POST", "/slack/events", request.headers, request.body)
                results.append((request, answer))
                await asyncio.sleep(rng.uniform(*think))
        finally:
            await connection.close()

    await asyncio.gather(*(client(n) for n in range(count)))
    return results


def delivery_times(stage: Stage, pairs: list[tuple[SignedRequest, Answer]]) -> dict:
    """For commands: seconds from sending to the answer reaching Slack through the response_url."""
    arrived = {r.token: r.at for r in stage.fake.responses()}
    waits, missing = [], 0
    for request, answer in pairs:
        token = request.response_token
        if token in arrived:
            waits.append(arrived[token] - answer.sent_at)
        else:
            missing += 1
    return {"answered": len(waits), "no_answer": missing, "p50_ms": percentile(waits, 50) * 1000,
            "p99_ms": percentile(waits, 99) * 1000, "max_ms": max(waits, default=math.nan) * 1000}


def run(directory: Path, *, rooms: int, windows: int, seconds: float, concurrency: int = 50,
        think: tuple[float, float] = (0.2, 0.8), model_delay: float = 20.0, latency: float = 0.1) -> dict:
    """Measure acks in ``windows`` windows of ``seconds`` each while drafts wait on the model."""
    with Stage(directory, latency=latency, model_delay=model_delay) as stage:
        opened = [stage.alert(alert_body(n)).json()["incident_id"] for n in range(rooms)]
        ready = wait_ready(stage.database_url, opened, timeout=60)
        channels = {incident_id: channel for incident_id, (channel, _) in ready.items()}
        for channel in channels.values():
            stage.driver.command("U0LEAD", channel, "statement")
        background = Background(stage, rooms)
        background.thread.start()
        per_window = int(seconds * concurrency / (sum(think) / 2) * 1.5) + concurrency
        measured = []
        try:
            for window in range(windows):
                requests = build_requests(stage, channels, per_window, seed=window)
                with quiet_collector():
                    measured.append(asyncio.run(clients(stage.port, requests, concurrency, seconds, think, window)))
        finally:
            background.stop.set()
            background.thread.join(timeout=30)
        time.sleep(2.0)  # answers still on their way
        delivered = [delivery_times(stage, [pair for pair in results if pair[0].kind == "command"])
                     for results in measured]
        model_calls = len(stage.model.requests)
        statements = dict(rows(stage.database_url, "SELECT status, count(*) FROM statements GROUP BY status"))
    every = [answer for results in measured for _, answer in results]
    failures = [a for a in every if a.status != 200]
    by_kind = {}
    for kind in ("command", "click"):
        seconds_of_kind = [a.seconds for results in measured for r, a in results if r.kind == kind]
        by_kind[kind] = {"requests": len(seconds_of_kind), "p50_ms": percentile(seconds_of_kind, 50) * 1000,
                         "p99_ms": percentile(seconds_of_kind, 99) * 1000,
                         "max_ms": max(seconds_of_kind, default=0) * 1000}
    p99s = [percentile([a.seconds for _, a in results], 99) * 1000 for results in measured]
    return {
        "figures": [
            figure("acks.p50_ms", "Ack latency p50 (commands and clicks)", "ms",
                   [percentile([a.seconds for _, a in results], 50) * 1000 for results in measured]),
            figure("acks.p99_ms", "Ack latency p99 (commands and clicks)", "ms", p99s,
                   target="< 100", check=lambda v: v < 100),
            figure("acks.max_ms", "Ack latency max", "ms",
                   [max(a.seconds for _, a in results) * 1000 for results in measured],
                   target="< 3000 (Slack's limit)", check=lambda v: v < 3000),
            figure("acks.rate", "Requests answered", "req/s", [len(results) / seconds for results in measured]),
            figure("acks.answer_p99_ms", "Command's answer in Slack p99 (response_url)", "ms",
                   [d["p99_ms"] for d in delivered]),
            figure("acks.unanswered", "Commands still unanswered at the end", "requests",
                   [sum(d["no_answer"] for d in delivered)]),
            figure("acks.failed", "Requests not answered 200", "requests", [len(failures)],
                   target="0", check=lambda v: v == 0),
        ],
        "details": {
            "clients": concurrency, "think_s": list(think), "window_s": seconds, "windows": windows,
            "by_kind": by_kind, "command_answers": delivered, "model_delay_s": model_delay,
            "model_requests": model_calls,
            "statements_by_status": statements,
            "rooms_opened_during": len(background.opened), "drafts_started_during": background.drafting,
            "failure_samples": [f"{a.status} {a.body[:120]!r}" for a in failures[:5]],
        },
    }


