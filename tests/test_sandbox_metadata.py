"""The fake Slack's message metadata, as Slack treats it: written with chat.postMessage and chat.update,
validated (event_type pattern, payload object and size), and read back only with include_all_metadata, from a
channel's history and from a thread."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from app.sandbox import FakeSlack


@pytest.fixture
def fake():
    with FakeSlack() as running:
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.api_url, token=fake.bot_token)


def error_of(call) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value.response["error"]


MARK = {"event_type": "warroom_effect", "event_payload": {"effect": 7}}


def test_metadata_is_returned_only_when_asked_for(fake, client):
    channel = client.conversations_create(name="room")["channel"]["id"]
    posted = client.chat_postMessage(channel=channel, text="hello", metadata=MARK)
    assert posted["message"]["metadata"] == MARK
    plain = client.conversations_history(channel=channel)["messages"]
    assert [m.get("metadata") for m in plain] == [None]
    full = client.conversations_history(channel=channel, include_all_metadata=True)["messages"]
    assert [m.get("metadata") for m in full] == [MARK]


def test_thread_replies_carry_their_metadata(fake, client):
    channel = client.conversations_create(name="room")["channel"]["id"]
    parent = client.chat_postMessage(channel=channel, text="parent")["ts"]
    client.chat_postMessage(channel=channel, text="reply", thread_ts=parent, metadata=MARK)
    history = client.conversations_history(channel=channel, include_all_metadata=True)["messages"]
    assert [m["text"] for m in history] == ["parent"]  # replies are not in the channel's history
    thread = client.conversations_replies(channel=channel, ts=parent, include_all_metadata=True)["messages"]
    assert [(m["text"], m.get("metadata")) for m in thread] == [("parent", None), ("reply", MARK)]
    assert error_of(lambda: client.conversations_replies(channel=channel, ts="1.000001")) == "thread_not_found"


def test_update_replaces_metadata_only_when_given(fake, client):
    channel = client.conversations_create(name="room")["channel"]["id"]
    ts = client.chat_postMessage(channel=channel, text="v1", metadata=MARK)["ts"]
    client.chat_update(channel=channel, ts=ts, text="v2")
    [kept] = client.conversations_history(channel=channel, include_all_metadata=True)["messages"]
    assert kept["text"] == "v2" and kept["metadata"] == MARK
    other = {"event_type": "warroom_effect", "event_payload": {"effect": 8}}
    client.chat_update(channel=channel, ts=ts, text="v3", metadata=other)
    [changed] = client.conversations_history(channel=channel, include_all_metadata=True)["messages"]
    assert changed["metadata"] == other


@pytest.mark.parametrize("metadata, error", [
    ({"event_type": "has space", "event_payload": {}}, "invalid_metadata_schema"),
    ({"event_type": "", "event_payload": {}}, "invalid_metadata_schema"),
    ({"event_type": "ok_type"}, "invalid_metadata_format"),
    ({"event_type": "ok_type", "event_payload": "text"}, "invalid_metadata_format"),
    ({"event_type": "ok_type", "event_payload": {"blob": "x" * 9000}}, "metadata_too_large"),
])
def test_invalid_metadata_is_refused_and_nothing_is_posted(fake, client, metadata, error):
    channel = client.conversations_create(name="room")["channel"]["id"]
    assert error_of(lambda: client.chat_postMessage(channel=channel, text="x", metadata=metadata)) == error
    ts = client.chat_postMessage(channel=channel, text="kept")["ts"]
    assert error_of(lambda: client.chat_update(channel=channel, ts=ts, text="y", metadata=metadata)) == error
    assert [m.text for m in fake.messages(channel)] == ["kept"]
