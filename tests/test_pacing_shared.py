"""Slack's rate-limit budget is one for every process that sets up rooms: two processes (two engines on one
database) together stay within what the fake Slack, enforcing Slack's limits, accepts, and a Retry-After
told to one is kept by the other."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from freezegun import freeze_time
from slack_sdk.errors import SlackApiError

from app.core import build_core
from app.incidents.setup_pacing import KEPT_FOR_URGENT, TIER_2_PER_MINUTE, Pacing
from app.sandbox.fake_slack import FakeSlack
from app.timeutil import utcnow

START = "2026-11-20 09:00:00"


@pytest.fixture
def two_processes(make_sandbox):
    """The set-up's pacing of two processes on one database, and a fake Slack that enforces Slack's limits."""
    box = make_sandbox("pacing", serve=False, fake=FakeSlack(enforce_rate_limits=True))
    other = build_core(box.settings)  # a second process's core: its own engine and connections
    yield box, Pacing(box.core.engine), Pacing(other.engine)
    other.shutdown()


def create_when_allowed(box, pacing: Pacing, severity: str, names: list[str], made: list[str],
                        refused: list[str]) -> None:
    """Ask for a channel for each name, calling Slack only when the pacing allows it."""
    for name in names:
        if pacing.wait_until("create_channel", severity) is not None:
            continue
        try:
            box.core.slack.conversations_create(name=name)
            made.append(name)
        except SlackApiError as exc:
            refused.append(exc.response["error"])


def test_two_processes_spend_one_budget_and_slack_never_refuses(two_processes):
    box, first, second = two_processes
    with freeze_time(START) as clock:
        made: list[str] = []
        refused: list[str] = []
        threads = [threading.Thread(target=create_when_allowed,
                                    args=(box, pacing, "low", [f"low-{who}-{n}" for n in range(20)], made, refused))
                   for who, pacing in (("a", first), ("b", second))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert refused == []
        assert len(made) == TIER_2_PER_MINUTE - KEPT_FOR_URGENT  # low rooms leave the last calls to urgent ones

        create_when_allowed(box, second, "critical", [f"critical-{n}" for n in range(10)], made, refused)
        assert refused == []
        assert len(made) == TIER_2_PER_MINUTE
        assert len(box.fake.calls_to("conversations.create")) == TIER_2_PER_MINUTE

        # Full for everyone now: each process says when the oldest call leaves Slack's one-minute window.
        assert first.wait_until("create_channel", "critical") == utcnow() + timedelta(seconds=60)
        clock.tick(timedelta(seconds=61))
        assert first.wait_until("create_channel", "low") is None
        box.core.slack.conversations_create(name="next-minute")


def test_a_retry_after_told_to_one_process_holds_for_the_other(two_processes):
    _box, first, second = two_processes
    with freeze_time(START) as clock:
        reopen = first.refused("create_channel", 30)
        assert reopen == utcnow() + timedelta(seconds=30)
        assert second.wait_until("create_channel", "critical") == reopen
        # A shorter Retry-After told later does not open the method earlier.
        assert second.refused("create_channel", 5) == reopen
        # Methods without a per-minute budget keep their Retry-After as well.
        invite_reopen = second.refused("invite", 10)
        assert first.wait_until("invite", "low") == invite_reopen
        assert first.wait_until("post_briefing", "low") is None  # not paced here (limited per channel)
        clock.tick(timedelta(seconds=31))
        assert second.wait_until("create_channel", "low") is None
        assert first.wait_until("invite", "low") is None


def test_a_pacing_without_a_database_paces_its_own_process_alone():
    with freeze_time(START):
        pacing = Pacing()
        allowed = [pacing.wait_until("pin_briefing", "medium") is None for _ in range(TIER_2_PER_MINUTE)]
        assert allowed.count(True) == TIER_2_PER_MINUTE - KEPT_FOR_URGENT
        assert pacing.wait_until("pin_briefing", "high") is None
        assert Pacing().wait_until("pin_briefing", "medium") is None  # another one's budget is its own
