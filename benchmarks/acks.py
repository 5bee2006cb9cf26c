"""Scenario 2: how fast Slack's requests are acknowledged under open-loop load, with a slow model.

Slack does not slow down when the bot does: requests arrive at random (Poisson) times at a fixed mean rate,
each on a new connection, from a load generator in its own process (benchmarks/openloop.py). The mix is
slash commands, button clicks, modal submissions and Events API requests; an event not answered within 3 s
is sent again with Slack's retry headers.
"""

from __future__ import annotations

import math
import random
import threading
import time
from pathlib import Path

from benchmarks import openloop
from benchmarks.database import rows, wait_ready
from benchmarks.requests import RequestBuilder, SignedRequest, buttons
from benchmarks.stage import SIGNING_SECRET, Stage
from benchmarks.stats import figure, percentile
from benchmarks.stats import windows as by_window
from benchmarks.storm import cpu_seconds

PEOPLE = ["U0LEAD", "U0COMMS", "U0COMMS2", "U0SOCIAL", "U0LEGAL", "U0SEC", "U0SUPPORT", "U0SCRIBE"]
SLACK_LIMIT_S = 3.0
# The share of each kind of request (cumulative thresholds over one random draw).
MIX = (("status", 0.20), ("help", 0.30), ("statement", 0.45), ("task_done", 0.60), ("status_show", 0.70),
       ("declare_invalid", 0.7375), ("declare", 0.75), ("app_mention", 0.83), ("member_joined_channel", 0.90),
       ("reaction_added", 1.0))


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


def kind_of(rng: random.Random) -> str:
    roll = rng.random()
    return next(name for name, upto in MIX if roll < upto)


def build_requests(stage: Stage, rooms: dict[int, str], declare_view: dict, count: int,
                   seed: int) -> list[SignedRequest]:
    """``count`` requests of the mix in the rooms: commands, task buttons, declare modals and events."""
    builder = RequestBuilder(stage.driver.bot_url, SIGNING_SECRET, stage.fake)
    rng = random.Random(seed)
    targets = []
    for channel in rooms.values():
        briefing = next(m for m in stage.fake.messages(channel) if m.blocks)
        targets.append((channel, briefing.ts, buttons(briefing.blocks, "task_done")))
    bot = stage.fake.bot_user_id
    requests = []
    for number in range(count):
        channel, ts, tasks = rng.choice(targets)
        user = rng.choice(PEOPLE)
        kind = kind_of(rng)
        if kind in ("status", "help", "statement"):
            requests.append(builder.command_request(user, channel, kind))
        elif kind == "task_done" and tasks:
            requests.append(click(builder, user, channel, ts, tasks.pop(rng.randrange(len(tasks)))))
        elif kind in ("task_done", "status_show"):
            requests.append(builder.click_request(user, channel, ts, "status_show", "briefing-actions"))
        elif kind == "declare_invalid":  # a title of spaces: the modal stays open with the field's error
            requests.append(builder.submission_request("U0LEAD", declare_view, {"title": {"value": "   "}}))
        elif kind == "declare":
            requests.append(builder.submission_request("U0LEAD", declare_view, {
                "title": {"value": f"Declared during the load, number {seed}-{number}"},
                "severity": {"value": "low"}}))
        elif kind == "app_mention":
            requests.append(builder.event_request({"type": "app_mention", "channel": channel, "user": user,
                                                   "text": f"<@{bot}> what now?", "team": stage.fake.team_id}))
        elif kind == "member_joined_channel":
            requests.append(builder.event_request({"type": "member_joined_channel", "channel": channel,
                                                   "user": user, "channel_type": "C", "team": stage.fake.team_id}))
        else:  # a reaction that is not a pin: acknowledged, nothing to do
            requests.append(builder.event_request({"type": "reaction_added", "user": user, "reaction": "eyes",
                                                   "item_user": user,
                                                   "item": {"type": "message", "channel": channel, "ts": ts}}))
    builder.close()
    return requests


def delivery_times(stage: Stage, pairs: list[tuple[SignedRequest, dict]]) -> dict:
    """For commands: seconds from sending to the answer reaching Slack through the response_url."""
    arrived = {r.token: r.at for r in stage.fake.responses()}
    waits, missing = [], 0
    for request, record in pairs:
        token = request.response_token
        if token in arrived:
            waits.append(arrived[token] - record["sent_at"])
        else:
            missing += 1
    return {"answered": len(waits), "no_answer": missing, "p50_ms": percentile(waits, 50) * 1000,
            "p99_ms": percentile(waits, 99) * 1000, "max_ms": max(waits, default=math.nan) * 1000}


def wait_for_answers(stage: Stage, tokens: set[str], timeout: float) -> None:
    """Until every command's answer reached Slack, or nothing new arrived for 3 s, or ``timeout``."""
    deadline = time.monotonic() + timeout
    last, still = -1, time.monotonic()
    while time.monotonic() < deadline:
        arrived = {r.token for r in stage.fake.responses()} & tokens
        if len(arrived) == len(tokens):
            return
        if len(arrived) != last:
            last, still = len(arrived), time.monotonic()
        elif time.monotonic() - still > 3.0:
            return
        time.sleep(0.1)


def run(directory: Path, *, rooms: int, windows: int = 3, seconds: float = 10.0, rate: float = 100.0,
        model_delay: float = 20.0, latency: float = 0.1) -> dict:
    """Open-loop load at ``rate`` requests/s for ``windows`` x ``seconds``, while drafts wait on the model."""
    with Stage(directory, latency=latency, model_delay=model_delay, env=openloop.stage_times(directory)) as stage:
        opened = [stage.alert(alert_body(n)).json()["incident_id"] for n in range(rooms)]
        ready = wait_ready(stage.database_url, opened, timeout=60)
        channels = {incident_id: channel for incident_id, (channel, _) in ready.items()}
        for channel in channels.values():
            stage.driver.command("U0LEAD", channel, "statement")
        general = stage.fake.add_channel("bench-general", members=PEOPLE)
        stage.driver.command("U0LEAD", general.id, "declare")
        declare_view = stage.fake.wait_for(lambda: stage.fake.latest_view("U0LEAD", "declare"), timeout=10).view
        requests = build_requests(stage, channels, declare_view, int(rate * seconds * windows), seed=1)
        background = Background(stage, rooms)
        background.thread.start()
        cpu_before = cpu_seconds(stage.process.pid)  # the web process's (in `serve`; the one process otherwise)
        try:
            records = openloop.run({"port": stage.port, "rate": rate, "secret": SIGNING_SECRET, "seed": 1,
                                    "requests": [r.as_plan() for r in requests]}, directory, "acks")
        finally:
            background.stop.set()
            background.thread.join(timeout=30)
        web_cpu_ms = (cpu_seconds(stage.process.pid) - cpu_before) * 1000 / max(len(records), 1)
        pairs = list(zip(requests, records, strict=True))
        commands = [(r, a) for r, a in pairs if r.kind == "command"]
        wait_for_answers(stage, {r.response_token for r, _ in commands}, timeout=30)
        groups = by_window(records, seconds)
        by_index = {a["index"]: r for r, a in pairs}
        delivered = [delivery_times(stage, [(by_index[a["index"]], a) for a in group
                                            if by_index[a["index"]].kind == "command"]) for group in groups]
        model_calls = len(stage.model.requests)
        statements = dict(rows(stage.database_url, "SELECT status, count(*) FROM statements GROUP BY status"))
    failures = [a for a in records if a["status"] != 200]
    late = [a for a in records if a["seconds"] > SLACK_LIMIT_S]
    retried = [a for a in records if a["retries"]]
    by_kind = {}
    for kind in ("command", "click", "submission", "event"):
        times = [a["seconds"] for a in records if a["kind"] == kind]
        by_kind[kind] = {"requests": len(times), "p50_ms": percentile(times, 50) * 1000,
                         "p99_ms": percentile(times, 99) * 1000, "max_ms": max(times, default=0) * 1000}
    span = max(a["sent_at"] for a in records) - min(a["sent_at"] for a in records)
    every = [a["seconds"] * 1000 for a in records]
    return {
        "figures": [
            figure("acks.p50_ms", "Ack p50, open loop (spread: per window)", "ms",
                   [percentile([a["seconds"] for a in g], 50) * 1000 for g in groups], value=percentile(every, 50)),
            figure("acks.p99_ms", "Ack p99, open loop (spread: per window)", "ms",
                   [percentile([a["seconds"] for a in g], 99) * 1000 for g in groups], value=percentile(every, 99),
                   target="< 50", check=lambda v: v < 50),
            figure("acks.max_ms", "Ack max", "ms", [max(a["seconds"] for a in g) * 1000 for g in groups],
                   value=max(every), target="< 3000 (Slack's limit)", check=lambda v: v < 3000),
            figure("acks.over_3s", "Acks past 3 s (Slack shows a failure)", "requests", [len(late)],
                   target="0", check=lambda v: v == 0),
            figure("acks.retries", "Events Slack sent again (no ack within 3 s)", "requests", [len(retried)],
                   target="0", check=lambda v: v == 0),
            figure("acks.rate", "Requests sent (per window)", "req/s", [len(g) / seconds for g in groups],
                   value=len(records) / span if span else math.nan),
            figure("acks.answer_p99_ms", "Command's answer in Slack p99 (response_url)", "ms",
                   [d["p99_ms"] for d in delivered]),
            figure("acks.unanswered", "Commands still unanswered at the end", "requests",
                   [sum(d["no_answer"] for d in delivered)]),
            figure("acks.failed", "Requests not answered 200", "requests", [len(failures)],
                   target="0", check=lambda v: v == 0),
            # What the load costs the serving process, which a shared machine's load changes less than latencies.
            figure("acks.web_cpu_ms", "Web process CPU per request during the load", "ms", [web_cpu_ms]),
        ],
        "details": {
            "rate_req_s": rate, "arrivals": "Poisson, a new connection per request, generator in its own process",
            "window_s": seconds, "windows": len(groups), "mix": dict(MIX),
            "by_kind": by_kind, "command_answers": delivered, "model_delay_s": model_delay,
            "model_requests": model_calls, "statements_by_status": statements,
            "rooms_opened_during": len(background.opened), "drafts_started_during": background.drafting,
            "late_samples": [f"{a['kind']} {a['label']} {a['seconds']:.2f}s" for a in late[:10]],
            "failure_samples": [f"{a['kind']} {a['label']} status {a['status']}" for a in failures[:10]],
        },
    }
