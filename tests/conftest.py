"""Shared fixtures: a running bot against the fake Slack, with a fresh SQLite file per test."""

from __future__ import annotations

import os

import pytest

for proxy in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(proxy, None)
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

# Import every module that defines pydantic/SQLModel classes before any test freezes time: classes first
# built under freezegun would see its FakeDatetime instead of datetime. The same holds for matplotlib's
# date converters, which the bot loads on the first report only.
import matplotlib.dates  # noqa: E402,F401

import app.reminders  # noqa: E402
import app.sandbox.harness  # noqa: E402,F401
import app.server  # noqa: E402,F401
import app.wiring  # noqa: E402,F401

app.reminders.register_all()


@pytest.fixture
def sandbox(tmp_path):
    """The whole bot served on loopback: ``sandbox.driver`` acts as Slack, ``sandbox.fake`` is the Web API."""
    from app.sandbox.harness import Sandbox

    with Sandbox(tmp_path / "sandbox") as box:
        yield box


@pytest.fixture
def make_sandbox(tmp_path):
    """A factory for sandboxes with other settings (e.g. a fake OpenAI server, an announce channel)."""
    from app.sandbox.harness import Sandbox

    boxes = []

    def make(name: str = "custom", **overrides):
        box = Sandbox(tmp_path / name, **overrides)
        boxes.append(box)
        return box

    yield make
    for box in reversed(boxes):
        box.close()


def social_alert(**overrides) -> dict:
    """A realistic generic alert from a social listening tool."""
    body = {
        "source": "social-listening",
        "kind": "shitstorm",
        "title": "Backlash over the #WinterCampaign ad",
        "description": "Mentions of the brand jumped to 6x the hourly baseline; negative share 58%.",
        "severity": "high",
        "dedup_key": "social:wintercampaign",
        "labels": {"platform": "x", "hashtag": "wintercampaign"},
        "url": "https://listening.example.com/alerts/123",
        "metrics": {"mentions_per_hour": 4200, "negative_share": 0.58},
    }
    body.update(overrides)
    return body


def open_room(box, **alert):
    """A social alert received and its room set up directly on the core (no HTTP server, no listener threads):
    for tests that drive the clock with freezegun."""
    from sqlmodel import Session

    from app.alerts.flows import receive
    from app.alerts.parsers import parse_generic
    from app.incidents.models import Incident
    from app.incidents.setup import run_setup

    result = receive(box.core, parse_generic(social_alert(**alert)))
    assert run_setup(box.core, result.incident_id)
    with Session(box.core.engine) as session:
        return session.get(Incident, result.incident_id)
