"""The fake Slack's side of set-up recovery: message metadata, conversations.history, lost answers."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from app.sandbox.fake_slack import FakeSlack


@pytest.fixture
def fake():
    with FakeSlack() as running:
        yield running


@pytest.fixture
def client(fake):
    return WebClient(token=fake.bot_token, base_url=fake.api_url, retry_handlers=[])


def test_history_reads_newest_first_since_oldest_with_metadata_only_when_asked(fake, client):
    channel = client.conversations_create(name="history-check")["channel"]["id"]
    first = client.chat_postMessage(channel=channel, text="one")["ts"]
    client.chat_postMessage(channel=channel, text="two", metadata={"event_type": "mark", "event_payload": {"k": 1}})
    client.chat_postMessage(channel=channel, text="three")
    page = client.conversations_history(channel=channel, oldest=first, limit=1)
    assert [m["text"] for m in page["messages"]] == ["three"] and page["has_more"]
    rest = client.conversations_history(channel=channel, oldest=first, limit=5,
                                        cursor=page["response_metadata"]["next_cursor"], include_all_metadata=True)
    assert [m["text"] for m in rest["messages"]] == ["two"] and not rest["has_more"]
    assert rest["messages"][0]["metadata"] == {"event_type": "mark", "event_payload": {"k": 1}}
    plain = client.conversations_history(channel=channel)
    assert [m["text"] for m in plain["messages"]] == ["three", "two", "one"]
    assert all("metadata" not in m for m in plain["messages"])


def test_history_of_a_private_channel_needs_membership_and_bad_metadata_is_refused(fake, client):
    private = fake.add_channel("board-only", members=["U0CEO"], is_private=True, bot_member=False)
    with pytest.raises(SlackApiError) as refused:
        client.conversations_history(channel=private.id)
    assert refused.value.response["error"] == "not_in_channel"
    channel = client.conversations_create(name="metadata-check")["channel"]["id"]
    with pytest.raises(SlackApiError) as bad:
        client.chat_postMessage(channel=channel, text="x", metadata={"event_type": "no spaces allowed",
                                                                      "event_payload": {}})
    assert bad.value.response["error"] == "invalid_metadata_schema"
    assert fake.messages(channel) == []


def test_a_dropped_answer_runs_the_method_and_closes_the_connection(fake, client):
    fake.fail_next("conversations.create", answer="drop")
    with pytest.raises(Exception) as lost:
        client.conversations_create(name="created-anyway")
    assert not isinstance(lost.value, SlackApiError)  # no answer at all, not an error answer
    assert fake.channel_by_name("created-anyway") is not None
    with pytest.raises(ValueError, match="answer must be"):
        fake.fail_next("conversations.create", answer="maybe")
