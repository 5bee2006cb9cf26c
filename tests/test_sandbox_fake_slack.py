"""The fake Slack Web API, exercised through the real slack_sdk WebClient."""

from __future__ import annotations

import json
import time
import types
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml
from freezegun import freeze_time
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from app.sandbox import FakeSlack, Workspace
from app.sandbox.validation import block_errors

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


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


def new_channel(client: WebClient, name: str = "war-room", *, private: bool = True) -> str:
    return client.conversations_create(name=name, is_private=private)["channel"]["id"]


def post_json(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def post_json_status(url: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}


def test_auth_test_and_tokens(fake: FakeSlack, client: WebClient) -> None:
    answer = client.auth_test()
    assert answer["user_id"] == fake.bot_user_id
    assert answer["team_id"] == "T0SANDBOX"
    assert answer["user"] == "warroom"
    assert answer["bot_id"] == fake.bot_id
    assert error_of(WebClient(base_url=fake.api_url, token="xoxb-wrong").auth_test) == "invalid_auth"
    assert error_of(WebClient(base_url=fake.api_url).auth_test) == "not_authed"
    assert error_of(lambda: client.api_call("nothing.here")) == "unknown_method"
    assert client.conversations_list(team_id="T0SANDBOX")["ok"]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("x" * 81, "invalid_name_maxlength"),
        ("War Room", "invalid_name_specials"),
        ("Social", "invalid_name_specials"),
        ("café", "invalid_name_specials"),
        ("--__", "invalid_name_punctuation"),
    ],
)
def test_channel_name_rules(client: WebClient, name: str, error: str) -> None:
    assert error_of(lambda: client.conversations_create(name=name)) == error


def test_channel_create_and_name_taken_also_for_archived(fake: FakeSlack, client: WebClient) -> None:
    created = client.conversations_create(name="social-20261122-" + "x" * 64, is_private=True)["channel"]
    assert created["is_private"] and created["creator"] == fake.bot_user_id
    assert fake.channel(created["id"]).members == [fake.bot_user_id]
    public_id = new_channel(client, "outage_1", private=False)
    client.conversations_archive(channel=public_id)
    assert error_of(lambda: client.conversations_archive(channel=public_id)) == "already_archived"
    assert error_of(lambda: client.conversations_create(name="outage_1")) == "name_taken"
    assert fake.channel_by_name("outage_1").is_archived


def test_invite_semantics(fake: FakeSlack, client: WebClient) -> None:
    channel = new_channel(client)
    client.conversations_invite(channel=channel, users=["U0LEAD"])
    client.conversations_invite(channel=channel, users="U0LEAD,U0COMMS")
    assert fake.channel(channel).members == [fake.bot_user_id, "U0LEAD", "U0COMMS"]
    assert error_of(lambda: client.conversations_invite(channel=channel, users="U0LEAD")) == "already_in_channel"
    assert error_of(lambda: client.conversations_invite(channel=channel, users="U0NOBODY")) == "user_not_found"
    assert error_of(lambda: client.conversations_invite(channel=channel, users=fake.bot_user_id)) == (
        "cant_invite_self"
    )
    too_many = ",".join(["U0LEAD"] * 101)
    assert error_of(lambda: client.conversations_invite(channel=channel, users=too_many)) == "too_many_users"
    assert error_of(lambda: client.conversations_invite(channel="C404", users="U0LEAD")) == "channel_not_found"
    foreign = fake.add_channel("someone-elses", members=["U0CEO"], is_private=True, bot_member=False)
    assert error_of(lambda: client.conversations_invite(channel=foreign.id, users="U0LEAD")) == "not_in_channel"
    client.conversations_archive(channel=channel)
    assert error_of(lambda: client.conversations_invite(channel=channel, users="U0HR")) == "is_archived"


def test_topic_and_purpose_length(fake: FakeSlack, client: WebClient) -> None:
    channel = new_channel(client)
    client.conversations_setTopic(channel=channel, topic="t" * 250)
    assert error_of(lambda: client.conversations_setTopic(channel=channel, topic="t" * 251)) == "too_long"
    assert error_of(lambda: client.conversations_setPurpose(channel=channel, purpose="p" * 251)) == "too_long"
    info = client.conversations_info(channel=channel)["channel"]
    assert info["topic"]["value"] == "t" * 250


def test_list_members_and_pagination(fake: FakeSlack, client: WebClient) -> None:
    for number in range(5):
        new_channel(client, f"room-{number}", private=number % 2 == 0)
    fake.add_channel("not-mine", members=["U0CEO"], is_private=True, bot_member=False)
    client.conversations_archive(channel=fake.channel_by_name("room-4").id)
    seen, cursor = [], None
    while True:
        page = client.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=2, cursor=cursor
        )
        seen.extend(c["name"] for c in page["channels"])
        assert all(
            {"creator", "is_private", "is_archived", "name", "id", "created"} <= c.keys() for c in page["channels"]
        )
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert seen == ["room-0", "room-1", "room-2", "room-3"]
    assert client.conversations_list()["channels"][0]["name"] == "room-1"
    room = fake.channel_by_name("room-0").id
    client.conversations_invite(channel=room, users="U0LEAD")
    assert client.conversations_members(channel=room)["members"] == [fake.bot_user_id, "U0LEAD"]


def test_users_and_usergroups(fake: FakeSlack, client: WebClient) -> None:
    profile = client.users_info(user="U0LEAD")["user"]["profile"]
    assert profile["real_name"] == "Dana Fischer"
    assert profile["email"].endswith("@northwind.example")
    assert client.users_info(user="U0LEAD")["user"]["tz"] == "Europe/Berlin"
    assert error_of(lambda: client.users_info(user="U0NOBODY")) == "user_not_found"
    groups = {g["handle"]: g for g in client.usergroups_list()["usergroups"]}
    assert set(groups) >= {"comms-team", "security-oncall"}
    users = client.usergroups_users_list(usergroup=groups["comms-team"]["id"])["users"]
    assert users == ["U0COMMS", "U0COMMS2"]
    assert error_of(lambda: client.usergroups_users_list(usergroup="S404")) == "no_such_subteam"
    first = client.users_list(limit=10)
    rest = client.users_list(limit=10, cursor=first["response_metadata"]["next_cursor"])
    assert len(first["members"]) + len(rest["members"]) == len(fake.users)


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_post_message_rules(fake: FakeSlack, client: WebClient) -> None:
    channel = new_channel(client)
    assert error_of(lambda: client.chat_postMessage(channel=channel)) == "no_text"
    assert error_of(lambda: client.chat_postMessage(channel="C404", text="x")) == "channel_not_found"
    foreign = fake.add_channel("private-other", members=["U0CEO"], is_private=True, bot_member=False)
    assert error_of(lambda: client.chat_postMessage(channel=foreign.id, text="x")) == "not_in_channel"
    public = fake.add_channel("general", members=["U0CEO"], bot_member=False)
    assert client.chat_postMessage(channel=public.id, text="public is fine")["ok"]
    first = client.chat_postMessage(channel=channel, text="a" * 40_001)
    second = client.chat_postMessage(channel=channel, text="reply", thread_ts=first["ts"])
    assert float(second["ts"]) > float(first["ts"])
    assert len(fake.message(channel, first["ts"]).text) == 40_000
    assert fake.message(channel, second["ts"]).thread_ts == first["ts"]
    client.conversations_archive(channel=channel)
    assert error_of(lambda: client.chat_postMessage(channel=channel, text="x")) == "is_archived"


def test_dm_via_conversations_open(fake: FakeSlack, client: WebClient) -> None:
    dm = client.conversations_open(users="U0LEAD")["channel"]["id"]
    assert dm.startswith("D")
    assert client.conversations_open(users=["U0LEAD"])["channel"]["id"] == dm
    client.chat_postMessage(channel=dm, text="Please approve")
    client.chat_postMessage(channel="U0LEAD", text="Reminder")
    assert [m.text for m in fake.dms("U0LEAD")] == ["Please approve", "Reminder"]
    assert fake.channels == [] and [c.id for c in fake.conversations] == [dm]
    assert error_of(lambda: client.conversations_open(users="U0NOBODY")) == "user_not_found"



def test_reading_messages_needs_the_history_scope_of_the_conversation_type(fake: FakeSlack, client: WebClient) -> None:
    dm = client.conversations_open(users="U0LEAD")["channel"]["id"]
    client.chat_postMessage(channel="U0LEAD", text="Reminder")
    assert [m["text"] for m in client.conversations_history(channel=dm)["messages"]] == ["Reminder"]
    room = client.conversations_create(name="war-room-scopes", is_private=True)["channel"]["id"]
    fake.store.scopes = fake.store.scopes - {"im:history", "groups:history"}  # a token without them
    for channel, needed in ((dm, "im:history"), (room, "groups:history")):
        with pytest.raises(SlackApiError) as refused:
            client.conversations_history(channel=channel)
        assert refused.value.response["error"] == "missing_scope"
        assert refused.value.response["needed"] == needed and needed not in refused.value.response["provided"]

@pytest.mark.parametrize(
    ("blocks", "reason"),
    [
        ([SECTION] * 51, "too many blocks: 51"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}], "section text is 3001"),
        ([{"type": "sparkle", "text": "hi"}], "unknown block type 'sparkle'"),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}], "11 fields"),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}], "field 0 is 2001"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "header text is 151"),
        ([{**SECTION, "block_id": "a"}, {**SECTION, "block_id": "a"}], "duplicate block_id 'a'"),
        (
            [
                {
                    "type": "actions",
                    "elements": [
                        {"type": "button", "text": {"type": "plain_text", "text": "b" * 76}, "action_id": "x"}
                    ],
                }
            ],
            "is 76 characters (at most 75)",
        ),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}], "11 elements"),
        ([{"type": "input", "element": {"type": "plain_text_input"}}], "input block"),
    ],
)
def test_block_validation(client: WebClient, blocks: list, reason: str) -> None:
    channel = new_channel(client)
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel=channel, text="fallback", blocks=blocks)
    assert caught.value.response["error"] == "invalid_blocks"
    assert any(reason in e for e in caught.value.response["errors"]), caught.value.response["errors"]


def test_block_validation_accepts_a_realistic_message() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Holding statement"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Draft* v2"},
            "fields": [{"type": "mrkdwn", "text": "*Owner*\n<@U0COMMS>"}],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Next update 10:30"}]},
        {"type": "divider"},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Approve"},
                    "action_id": "approve",
                    "style": "primary",
                    "value": "42",
                },
                {"type": "button", "text": {"type": "plain_text", "text": "Request changes"}, "action_id": "changes"},
            ],
        },
    ]
    assert block_errors(blocks) == []


def test_chat_update_delete_and_permalink(fake: FakeSlack, client: WebClient) -> None:
    channel = new_channel(client)
    ts = client.chat_postMessage(channel=channel, text="draft")["ts"]
    client.chat_update(channel=channel, ts=ts, text="final", blocks=[SECTION])
    assert error_of(lambda: client.chat_update(channel=channel, ts=ts, text="x" * 4001)) == "msg_too_long"
    assert error_of(lambda: client.chat_update(channel=channel, ts="1.000001", text="x")) == "message_not_found"
    stored = fake.message(channel, ts)
    assert (stored.text, stored.edit_count, stored.edits[0]["text"]) == ("final", 1, "draft")
    human = fake.post_as("U0LEAD", channel, "mine")
    assert error_of(lambda: client.chat_update(channel=channel, ts=human.ts, text="x")) == "cant_update_message"
    link = client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    assert link == f"{fake.base_url}/archives/{channel}/p{ts.replace('.', '')}"
    client.chat_delete(channel=channel, ts=ts)
    assert fake.message(channel, ts) is None


def test_ephemeral_needs_a_member(fake: FakeSlack, client: WebClient) -> None:
    channel = new_channel(client)
    client.conversations_invite(channel=channel, users="U0LEAD")
    client.chat_postEphemeral(channel=channel, user="U0LEAD", text="only you")
    assert error_of(lambda: client.chat_postEphemeral(channel=channel, user="U0HR", text="x")) == (
        "user_not_in_channel"
    )
    assert [e.text for e in fake.ephemerals(user="U0LEAD")] == ["only you"]
    assert fake.ephemerals(channel="C404") == []


def test_pins_bookmarks_reactions(fake: FakeSlack, client: WebClient) -> None:
    channel = new_channel(client)
    ts = client.chat_postMessage(channel=channel, text="Decision log")["ts"]
    client.pins_add(channel=channel, timestamp=ts)
    assert error_of(lambda: client.pins_add(channel=channel, timestamp=ts)) == "already_pinned"
    assert error_of(lambda: client.pins_add(channel=channel, timestamp="1.000002")) == "message_not_found"
    assert [m.ts for m in fake.pins(channel)] == [ts]
    bookmark = client.bookmarks_add(
        channel_id=channel, title="Status page", type="link", link="https://status.example"
    )["bookmark"]
    assert bookmark["title"] == "Status page"
    assert fake.bookmarks(channel)[0]["link"] == "https://status.example"
    client.reactions_add(channel=channel, timestamp=ts, name="eyes")
    assert error_of(lambda: client.reactions_add(channel=channel, timestamp=ts, name="eyes")) == "already_reacted"
    assert fake.message(channel, ts).reactions == {"eyes": [fake.bot_user_id]}


def modal(title: str = "Declare incident", **extra) -> dict:
    return {
        "type": "modal",
        "callback_id": "declare",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Open"},
        "blocks": [SECTION],
        **extra,
    }


def test_trigger_id_is_single_use_and_expires(fake: FakeSlack, client: WebClient) -> None:
    with freeze_time("2026-11-22 10:00:00") as frozen:
        trigger = fake.issue_trigger("U0LEAD")
        view = client.views_open(trigger_id=trigger, view=modal())["view"]
        assert view["id"].startswith("V")
        assert fake.latest_view("U0LEAD", "declare").id == view["id"]
        assert error_of(lambda: client.views_open(trigger_id=trigger, view=modal())) == "exchanged_trigger_id"
        late = fake.issue_trigger("U0LEAD")
        frozen.tick(3.5)
        assert error_of(lambda: client.views_open(trigger_id=late, view=modal())) == "expired_trigger_id"
    assert error_of(lambda: client.views_open(trigger_id="123.456.abc", view=modal())) == "invalid_trigger_id"


@pytest.mark.parametrize(
    ("view", "reason"),
    [
        (modal(title="A title that is far too long"), "at most 24"),
        (modal(blocks=[SECTION] * 101), "too many blocks: 101"),
        (modal(private_metadata="m" * 3001), "private_metadata"),
        (modal(callback_id="c" * 256), "callback_id"),
        ({**modal(), "type": "home"}, "view type must be modal"),
    ],
)
def test_view_validation(fake: FakeSlack, client: WebClient, view: dict, reason: str) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.views_open(trigger_id=fake.issue_trigger("U0LEAD"), view=view)
    assert caught.value.response["error"] == "invalid_arguments"
    assert any(reason in e for e in caught.value.response["errors"]), caught.value.response["errors"]


def test_views_update_push_and_publish(fake: FakeSlack, client: WebClient) -> None:
    opened = client.views_open(trigger_id=fake.issue_trigger("U0LEAD"), view=modal(external_id="ext-1"))["view"]
    updated = client.views_update(view_id=opened["id"], view=modal(title="Step 2"), hash=opened["hash"])["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert error_of(lambda: client.views_update(view_id=opened["id"], view=modal(), hash=opened["hash"])) == (
        "hash_conflict"
    )
    assert client.views_update(external_id="ext-1", view=modal(title="Step 3"))["view"]["title"]["text"] == "Step 3"
    assert error_of(lambda: client.views_update(view_id="V404", view=modal())) == "not_found"
    pushed = client.views_push(trigger_id=fake.issue_trigger("U0LEAD"), view=modal(title="Details"))["view"]
    assert pushed["previous_view_id"] == opened["id"]
    home = {"type": "home", "blocks": [SECTION] * 100}
    client.views_publish(user_id="U0LEAD", view=home)
    assert len(fake.home_view("U0LEAD").view["blocks"]) == 100


def test_rate_limited_call_is_retried_after_retry_after(fake: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr(builtin_handlers, "time", types.SimpleNamespace(sleep=sleeps.append))
    client = WebClient(
        base_url=fake.api_url, token=fake.bot_token, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
    )
    channel = new_channel(client)
    fake.fail_next("chat.postMessage", status=429, retry_after=2)
    client.chat_postMessage(channel=channel, text="hello")
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]
    assert len(sleeps) == 1 and 2 <= sleeps[0] < 3
    assert len(fake.messages(channel)) == 1


def test_rate_limit_without_retry_handler_raises(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("users.info", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        client.users_info(user="U0LEAD")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "7"
    assert caught.value.response["error"] == "ratelimited"


def test_server_error_then_success(fake: FakeSlack) -> None:
    handler = ServerErrorRetryHandler(max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0.01))
    client = WebClient(base_url=fake.api_url, token=fake.bot_token, retry_handlers=[handler])
    fake.fail_next("conversations.create", status=503)
    assert client.conversations_create(name="after-outage")["ok"]
    assert [c.status for c in fake.calls_to("conversations.create")] == [503, 200]
    assert len(fake.channels) == 1


def test_injected_error_code_does_not_execute(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("conversations.create", error="name_taken", times=2)
    assert error_of(lambda: client.conversations_create(name="a")) == "name_taken"
    assert error_of(lambda: client.conversations_create(name="a")) == "name_taken"
    assert fake.channels == []
    assert client.conversations_create(name="a")["ok"]
    fake.fail_next("conversations.create", status=500, times=3)
    fake.fail_next("conversations.create", times=0)
    assert client.conversations_create(name="b")["ok"]
    fake.fail_next("response_url", status=503)
    url = fake.new_response_url("U0LEAD", fake.channel_by_name("a").id)
    assert post_json_status(url, {"text": "x"}) == 503


def test_enforced_rate_limits(fake: FakeSlack, client: WebClient) -> None:
    fake.enforce_rate_limits = True
    for number in range(20):
        client.conversations_create(name=f"tier-two-{number}")
    with pytest.raises(SlackApiError) as caught:
        client.conversations_create(name="one-too-many")
    assert caught.value.response.status_code == 429
    assert int(caught.value.response.headers["Retry-After"]) >= 1
    channel = fake.channel_by_name("tier-two-0").id
    for _ in range(5):
        client.chat_postMessage(channel=channel, text="burst")
    assert error_of(lambda: client.chat_postMessage(channel=channel, text="too fast")) == "ratelimited"
    other = fake.channel_by_name("tier-two-1").id
    assert client.chat_postMessage(channel=other, text="other channel has its own bucket")["ok"]


def test_file_upload_v2(fake: FakeSlack, client: WebClient) -> None:
    channel = new_channel(client)
    answer = client.files_upload_v2(
        channel=channel,
        content=b"timeline,ok\n",
        filename="timeline.csv",
        title="Timeline",
        initial_comment="Situation report attached",
    )
    assert answer["file"]["title"] == "Timeline"
    [stored] = fake.files(channel)
    assert stored.data == b"timeline,ok\n" and stored.name == "timeline.csv"
    [message] = fake.messages(channel)
    assert message.text == "Situation report attached" and message.files == [stored.id]


def test_response_url(fake: FakeSlack, client: WebClient) -> None:
    channel = new_channel(client)
    client.conversations_invite(channel=channel, users="U0LEAD")
    url = fake.new_response_url("U0LEAD", channel)
    assert post_json(url, {"text": "Working on it"}) == (200, {"ok": True})
    assert [e.text for e in fake.ephemerals(user="U0LEAD")] == ["Working on it"]
    post_json(url, {"text": "Room is open", "response_type": "in_channel"})
    assert fake.messages(channel)[-1].text == "Room is open"
    status, body = post_json(url, {"text": "x", "blocks": [SECTION] * 51})
    assert status == 400 and body["error"] == "invalid_blocks"
    for _ in range(3):
        post_json(url, {"text": "again"})
    assert post_json(url, {"text": "sixth"})[0] == 404
    assert [r.response_type for r in fake.responses(user="U0LEAD")][:2] == ["ephemeral", "in_channel"]
    ts = client.chat_postMessage(channel=channel, text="Approve?")["ts"]
    click_url = fake.new_response_url("U0LEAD", channel, message_ts=ts)
    post_json(click_url, {"text": "Approved by Dana", "replace_original": True})
    assert fake.message(channel, ts).text == "Approved by Dana"
    with freeze_time("2026-11-22 10:00:00") as frozen:
        late = fake.new_response_url("U0LEAD", channel)
        frozen.tick(31 * 60)
        assert post_json(late, {"text": "too late"})[0] == 404


def test_pings_find_unescaped_broadcasts(fake: FakeSlack, client: WebClient) -> None:
    channel = new_channel(client)
    client.chat_postMessage(channel=channel, text="Alert: &lt;!channel&gt; escaped")
    client.chat_postMessage(channel=channel, text="Alert: <!channel> from a tweet")
    ts = client.chat_postMessage(
        channel=channel, text="fine", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "<!here|here>"}}]
    )["ts"]
    client.chat_update(channel=channel, ts=ts, text="<!everyone>")
    pings = fake.pings()
    assert [p.kind for p in pings] == ["message", "message", "updated"]
    assert "<!channel>" in pings[0].text


def test_latency_applies_and_calls_run_concurrently(fake: FakeSlack, client: WebClient) -> None:
    fake.latency = 0.2
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: client.auth_test()["ok"], range(10)))
    elapsed = time.perf_counter() - started
    assert all(results)
    assert 0.2 <= elapsed < 1.0  # one after the other would take 2 s


def test_calls_and_reset(fake: FakeSlack, client: WebClient) -> None:
    new_channel(client)
    call = fake.calls_to("conversations.create")[0]
    assert call.params["name"] == "war-room" and call.status == 200 and call.at > 0
    fake.reset_calls()
    assert fake.calls == []


def test_wait_for(fake: FakeSlack) -> None:
    assert fake.wait_for(lambda: 42, timeout=0.1) == 42
    with pytest.raises(TimeoutError, match="still falsy after 0.05s"):
        fake.wait_for(lambda: [], timeout=0.05)

    def never() -> bool:
        return False

    with freeze_time("2026-11-22 10:00:00"), pytest.raises(TimeoutError, match="never"):
        fake.wait_for(never, timeout=0.05)


def test_demo_workspace_and_roster_agree() -> None:
    workspace = Workspace.demo()
    roster = yaml.safe_load(Workspace.demo_roster_yaml())
    expected_roles = {"lead", "comms", "social", "legal", "security", "hr", "support", "exec", "scribe", "dpo", "board"}
    assert set(roster["roles"]) == expected_roles
    entries = [e for ids in [*roster["roles"].values(), *roster["backups"].values()] for e in ids]
    for entry in [*entries, *roster["executives"]]:
        if entry.startswith("@"):
            assert workspace.usergroup(entry) is not None, entry
        else:
            assert workspace.member(entry) is not None, entry
    assert len({m.id for m in workspace.members}) == len(workspace.members)
