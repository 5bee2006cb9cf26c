"""Scenario 4: `/warroom status` for one incident with a long timeline and for a portfolio of open incidents."""

from __future__ import annotations

import random
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs

from sqlmodel import insert

from app import migrate
from app.alerts.models import Alert
from app.db import make_engine, transaction
from app.decisions.models import Decision
from app.incidents.models import Incident, TimelineEvent
from app.incidents.service import open_incident
from app.playbooks.loader import load_playbooks
from app.roles import service as roles
from app.timeutil import utcnow
from benchmarks.requests import RequestBuilder
from benchmarks.stage import ROOT, SIGNING_SECRET, Stage
from benchmarks.stats import figure

KINDS = ["alert", "note", "task_done", "decision", "status_update", "role_assigned", "reminder"]
PEOPLE = ["U0LEAD", "U0COMMS", "U0SOCIAL", "U0LEGAL", "U0SEC", "U0SUPPORT", "U0SCRIBE"]
LEAD = "U0LEAD"
EXECUTIVE = "U0CEO"


class Seed:
    """Fills the database before the server starts: one long incident and a portfolio of open ones."""

    def __init__(self, events: int, incidents: int) -> None:
        self.events, self.incidents = events, incidents
        self.big_channel = ""
        self.general_channel = ""

    def __call__(self, stage: Stage) -> None:
        engine = make_engine(stage.database_url)
        migrate.upgrade(engine)
        playbooks = load_playbooks(ROOT / "playbooks")
        ids = sorted(playbooks.ids())
        rng = random.Random(4)
        self.general_channel = stage.fake.add_channel("general", members=[*PEOPLE, EXECUTIVE]).id
        start = utcnow() - timedelta(hours=6)
        with transaction(engine) as session:
            big_id = None
            for number in range(self.incidents):
                playbook = playbooks.get(rng.choice(ids))
                channel = stage.fake.add_channel(f"seed-{number:03d}", members=PEOPLE)
                incident = open_incident(session, playbook, title=f"Seeded incident {number}", kind=playbook.id,
                                         severity=rng.choice(["low", "medium", "high", "critical"]),
                                         source="seed", dedup_key=f"seed-{number}", now=start)
                incident.phase, incident.channel_id, incident.channel_name = "active", channel.id, channel.name
                incident.room_ready_at = start + timedelta(seconds=1)
                for role, user in (("lead", LEAD), ("comms", "U0COMMS"), ("scribe", "U0SCRIBE")):
                    roles.assign(session, incident.id, role, user, by="warroom")
                if number == 0:
                    big_id, self.big_channel = incident.id, channel.id
        self._timeline(engine, big_id, start, rng)
        engine.dispose()

    def _timeline(self, engine, incident_id: int, start, rng: random.Random) -> None:
        alerts = self.events * 2 // 5
        step = timedelta(hours=6) / self.events
        with transaction(engine) as session:
            for first in range(0, alerts, 5000):
                session.execute(insert(Alert), [
                    {"incident_id": incident_id, "source": "monitoring", "kind": "service-outage",
                     "title": f"Error rate above threshold ({n})", "dedup_key": "seed-0", "status": "firing",
                     "labels": {}, "metrics": {"error_rate": 0.05 + n % 7 / 100}, "raw": {}, "posted": True,
                     "received_at": start + step * n} for n in range(first, min(first + 5000, alerts))])
            for first in range(0, self.events, 5000):
                session.execute(insert(TimelineEvent), [
                    {"incident_id": incident_id, "kind": KINDS[0] if n < alerts else rng.choice(KINDS[1:]),
                     "text": f"Timeline entry {n}", "actor": rng.choice(PEOPLE), "at": start + step * n,
                     "data": {"n": n}} for n in range(first, min(first + 5000, self.events))])
            session.execute(insert(Decision), [
                {"incident_id": incident_id, "text": f"Decision {n}", "decided_by": LEAD,
                 "decided_at": start + timedelta(minutes=n)} for n in range(60)])
            incident = session.get(Incident, incident_id)
            incident.alert_count = alerts


def answer_time(stage: Stage, builder: RequestBuilder, user: str, channel: str, text: str,
                timeout: float = 10.0) -> tuple[float, float]:
    """Seconds until the ack, and until the status reached Slack through the response_url."""
    request = builder.command_request(user, channel, text)
    token = parse_qs(request.body.decode())["response_url"][0].rsplit("/", 1)[-1]
    started = time.time()
    response = stage.http.post("/slack/events", content=request.body, headers=request.headers)
    acked = time.time() - started
    if response.status_code != 200:
        raise RuntimeError(f"/warroom {text} answered {response.status_code}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [r for r in stage.fake.responses(user=user, channel=channel) if r.token == token]
        if found:
            return acked, found[0].at - started
        time.sleep(0.002)
    raise TimeoutError(f"/warroom {text}: no answer through the response_url within {timeout:.0f} s")


def run(directory: Path, *, repeats: int, events: int = 50_000, incidents: int = 200) -> dict:
    """Time `/warroom status` in the long incident's room and across the portfolio, ``repeats`` times each."""
    seed = Seed(events, incidents)
    with Stage(directory, latency=0.0, seed=seed) as stage:
        builder = RequestBuilder(stage.driver.bot_url, SIGNING_SECRET, stage.fake)
        answer_time(stage, builder, LEAD, seed.general_channel, "help")  # the first request loads what it needs
        one = [answer_time(stage, builder, LEAD, seed.big_channel, "status") for _ in range(repeats)]
        many = [answer_time(stage, builder, EXECUTIVE, seed.general_channel, "status all") for _ in range(repeats)]
        builder.close()
    return {
        "figures": [
            figure("status.one_ms", f"/warroom status, one incident, {events:,} events", "ms",
                   [t * 1000 for _, t in one], target="<= 300", check=lambda v: v <= 300),
            figure("status.portfolio_ms", f"/warroom status all, {incidents} open incidents", "ms",
                   [t * 1000 for _, t in many], target="<= 300", check=lambda v: v <= 300),
        ],
        "details": {"events": events, "incidents": incidents, "repeats": repeats,
                    "ack_ms_one": [round(a * 1000, 1) for a, _ in one],
                    "ack_ms_portfolio": [round(a * 1000, 1) for a, _ in many],
                    "fake_slack_latency_s": 0.0},
    }
