"""Which Slack failures a room's set-up retries and which stop it, classified from real client errors."""

from __future__ import annotations

import pytest

from app.incidents.setup_errors import BACKOFF_CAP, backoff, classify
from app.sandbox.fake_slack import FakeSlack
from app.slack.client import make_client


@pytest.fixture
def fake():
    with FakeSlack() as running:
        yield running


def _failure(fake: FakeSlack, **fault):
    client = make_client(fake.bot_token, fake.api_url, max_retries=0)
    fake.fail_next("conversations.create", **fault)
    with pytest.raises(Exception) as raised:
        client.conversations_create(name="classify-me")
    return classify(raised.value)


def test_transient_failures_are_retried_and_lost_answers_are_uncertain(fake):
    limited = _failure(fake, status=429, retry_after=7)
    assert (limited.code, limited.transient, limited.uncertain, limited.retry_after) == ("ratelimited", True, False, 7)
    server = _failure(fake, status=503)
    assert (server.code, server.transient, server.uncertain) == ("http_503", True, True)
    lost = _failure(fake, answer="drop")
    assert (lost.code, lost.transient, lost.uncertain) == ("connection_lost", True, True)
    assert fake.channel_by_name("classify-me") is not None  # Slack did act on the lost one


@pytest.mark.parametrize("code", ["missing_scope", "restricted_action", "invalid_auth", "channel_not_found",
                                  "cant_invite", "not_in_channel", "some_new_error"])
def test_errors_retrying_cannot_fix_are_permanent_with_a_reason(fake, code):
    failure = _failure(fake, error=code)
    assert (failure.code, failure.transient) == (code, False)
    assert failure.reason.startswith(f"`{code}`")


def test_invalid_token_is_permanent(fake):
    client = make_client("xoxb-wrong", fake.api_url, max_retries=0)
    with pytest.raises(Exception) as raised:
        client.conversations_create(name="never")
    failure = classify(raised.value)
    assert not failure.transient and "SLACK_BOT_TOKEN" in failure.reason


def test_backoff_doubles_up_to_a_cap_and_respects_retry_after():
    assert [backoff(n) for n in range(1, 6)] == [1, 2, 4, 8, 16]
    assert backoff(30) == BACKOFF_CAP
    assert backoff(1, retry_after=42) == 42
