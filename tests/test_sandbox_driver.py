"""The driver acts as Slack towards a small Bolt app served on loopback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

import pytest
from freezegun import freeze_time
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient

from app.sandbox import FakeSlack, SlackDriver, render_transcript

SECRET = "sandbox-signing-secret"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")

DECLARE_VIEW = {
    "type": "modal",
    "callback_id": "declare",
    "private_metadata": "incident-7",
    "title": {"type": "plain_text", "text": "Declare incident"},
    "submit": {"type": "plain_text", "text": "Open room"},
    "blocks": [
        {
            "type": "input",
            "block_id": "summary",
            "label": {"type": "plain_text", "text": "Summary"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        },
        {
            "type": "input",
            "block_id": "severity",
            "label": {"type": "plain_text", "text": "Severity"},
            "element": {
                "type": "static_select",
                "action_id": "level",
                "options": [
                    {"text": {"type": "plain_text", "text": level.title()}, "value": level}
                    for level in ("low", "medium", "high", "critical")
                ],
            },
        },
        {
            "type": "input",
            "block_id": "lead",
            "label": {"type": "plain_text", "text": "Lead"},
            "element": {"type": "users_select", "action_id": "user", "initial_user": "U0LEAD"},
        },
        {
            "type": "input",
            "block_id": "notes",
            "optional": True,
            "label": {"type": "plain_text", "text": "Notes"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        },
    ],
}


@dataclass
class Seen:
    """What the Bolt app received (recorded before ack, so a test can read it once the request returns)."""

    commands: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[dict[str, Any], str | None]] = field(default_factory=list)
    shortcuts: list[dict[str, Any]] = field(default_factory=list)


def build_app(fake: FakeSlack, seen: Seen) -> App:
    app = App(client=WebClient(base_url=fake.api_url, token=fake.bot_token), signing_secret=SECRET)

    @app.command("/warroom")
    def warroom(ack, command, client, respond, body) -> None:
        seen.commands.append(command)
        ack()
        if command["text"] == "declare":
            client.views_open(trigger_id=body["trigger_id"], view=DECLARE_VIEW)
            return
        respond("Opening a room for <@" + command["user_id"] + ">")
        client.chat_postMessage(
            channel=command["channel_id"],
            text="Task: pause scheduled posts",
            blocks=[
                {
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": "*Task* pause scheduled posts in <#" + command["channel_id"] + ">",
                    },
                },
                {
                    "type": "actions",
                    "block_id": "task",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "done",
                            "value": "task-1",
                            "text": {"type": "plain_text", "text": "Done"},
                        },
                        {"type": "button", "action_id": "reassign", "text": {"type": "plain_text", "text": "Reassign"}},
                    ],
                },
            ],
        )

    @app.action("done")
    def done(ack, body, respond) -> None:
        seen.actions.append(body)
        ack()
        respond(replace_original=True, text=f"Done by <@{body['user']['id']}>")

    @app.action("refresh")
    def refresh(ack, body) -> None:
        seen.actions.append(body)
        ack()

    @app.view("declare")
    def declare(ack, body, view) -> None:
        values = view["state"]["values"]
        if values["summary"]["text"]["value"] == "bad":
            ack(response_action="errors", errors={"summary": "Say what happened"})
            return
        seen.submissions.append(body)
        ack()

    @app.event("reaction_added")
    def reaction(event, request) -> None:
        seen.events.append((event, request.headers.get("x-slack-retry-num", [None])[0]))

    @app.shortcut("capture")
    def capture(ack, body) -> None:
        seen.shortcuts.append(body)
        ack()

    return app


class _BoltHandler(BaseHTTPRequestHandler):
    app: App

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
        request = BoltRequest(body=body, headers={k.lower(): v for k, v in self.headers.items()})
        response = self.app.dispatch(request)
        self.send_response(response.status)
        for name, value in response.first_headers_without_set_cookie().items():
            self.send_header(name, value)
        payload = response.body.encode("utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        yield running


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def driver(fake: FakeSlack, seen: Seen) -> Iterator[SlackDriver]:
    handler = type("Handler", (_BoltHandler,), {"app": build_app(fake, seen)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    with SlackDriver(url, SECRET, fake) as running:
        yield running
    server.shutdown()
    server.server_close()


@pytest.fixture
def room(fake: FakeSlack) -> str:
    return fake.add_channel("general", members=["U0LEAD", "U0COMMS"]).id


def run_command(fake: FakeSlack, driver: SlackDriver, room: str) -> str:
    """Run /warroom and return the ts of the task message the bot posts."""
    assert driver.command("U0LEAD", room, "open").status_code == 200
    messages = fake.wait_for(lambda: fake.messages(room))
    return messages[0].ts


def test_command_is_signed_and_reaches_the_bot(fake: FakeSlack, driver: SlackDriver, seen: Seen, room: str) -> None:
    run_command(fake, driver, room)
    [command] = seen.commands
    assert (command["user_id"], command["channel_id"], command["text"]) == ("U0LEAD", room, "open")
    assert command["channel_name"] == "general" and command["team_id"] == "T0SANDBOX"
    ephemerals = fake.wait_for(lambda: fake.ephemerals(user="U0LEAD"))
    assert ephemerals[0].text == "Opening a room for <@U0LEAD>"
    assert fake.responses(user="U0LEAD")[0].response_type == "ephemeral"


def test_click_is_answered_through_the_response_url(
    fake: FakeSlack, driver: SlackDriver, seen: Seen, room: str
) -> None:
    ts = run_command(fake, driver, room)
    assert driver.click("U0COMMS", room, ts, "done").status_code == 200
    updated = fake.wait_for(lambda: [m for m in fake.messages(room) if m.edit_count == 1])
    assert updated[0].text == "Done by <@U0COMMS>"
    [action] = seen.actions
    assert action["actions"][0]["value"] == "task-1"
    assert action["actions"][0]["block_id"] == "task"
    assert action["container"]["message_ts"] == ts
    assert action["message"]["blocks"][1]["elements"][0]["action_id"] == "done"
    with pytest.raises(LookupError, match="no element with action_id 'approve'"):
        driver.click("U0COMMS", room, ts, "approve")


def test_click_on_an_ephemeral_message(fake: FakeSlack, driver: SlackDriver, seen: Seen, room: str) -> None:
    client = WebClient(base_url=fake.api_url, token=fake.bot_token)
    button = {"type": "button", "action_id": "done", "text": {"type": "plain_text", "text": "Done"}}
    ts = client.chat_postEphemeral(
        channel=room, user="U0LEAD", text="Only you", blocks=[{"type": "actions", "elements": [button]}]
    )["message_ts"]
    driver.click("U0LEAD", room, ts, "done")
    fake.wait_for(lambda: seen.actions)
    assert seen.actions[0]["container"]["is_ephemeral"] is True
    replaced = fake.wait_for(lambda: [e for e in fake.ephemerals(user="U0LEAD") if e.replaced])
    assert replaced[0].text == "Done by <@U0LEAD>"


def test_click_in_home_tab(fake: FakeSlack, driver: SlackDriver, seen: Seen) -> None:
    client = WebClient(base_url=fake.api_url, token=fake.bot_token)
    button = {
        "type": "button",
        "action_id": "refresh",
        "value": "all",
        "text": {"type": "plain_text", "text": "Refresh"},
    }
    view_id = client.views_publish(
        user_id="U0LEAD", view={"type": "home", "blocks": [{"type": "actions", "elements": [button]}]}
    )["view"]["id"]
    assert driver.click_in_view("U0LEAD", view_id, "refresh").status_code == 200
    [body] = seen.actions
    assert body["container"] == {"type": "view", "view_id": view_id}
    assert body["actions"][0]["value"] == "all"


def test_modal_submission(fake: FakeSlack, driver: SlackDriver, seen: Seen, room: str) -> None:
    driver.command("U0LEAD", room, "declare")
    view = fake.wait_for(lambda: fake.latest_view("U0LEAD", "declare"))
    with pytest.raises(ValueError, match="Summary"):
        driver.submit_view("U0LEAD", view.id, {"severity": {"level": "high"}})
    with pytest.raises(LookupError, match="no input"):
        driver.submit_view("U0LEAD", view.id, {"missing": {"x": "y"}})
    refused = driver.submit_view("U0LEAD", view.id, {"summary": {"text": "bad"}, "severity": {"level": "high"}})
    assert refused.json()["response_action"] == "errors"
    assert fake.view(view.id).is_open
    accepted = driver.submit_view(
        "U0LEAD", view.id, {"summary": {"text": "Hashtag trending"}, "severity": {"level": "critical"}}
    )
    assert accepted.status_code == 200
    [body] = seen.submissions
    values = body["view"]["state"]["values"]
    assert values["summary"]["text"] == {"type": "plain_text_input", "value": "Hashtag trending"}
    assert values["severity"]["level"]["selected_option"]["value"] == "critical"
    assert values["lead"]["user"] == {"type": "users_select", "selected_user": "U0LEAD"}
    assert values["notes"]["text"]["value"] is None
    assert body["view"]["private_metadata"] == "incident-7"
    assert not fake.view(view.id).is_open


def test_events_retries_and_shortcuts(fake: FakeSlack, driver: SlackDriver, seen: Seen, room: str) -> None:
    ts = run_command(fake, driver, room)
    assert driver.reaction_added("U0COMMS", room, ts, "white_check_mark").status_code == 200
    first_id = driver.last_event_id
    assert (
        driver.event(
            {
                "type": "reaction_added",
                "user": "U0COMMS",
                "reaction": "white_check_mark",
                "item": {"type": "message", "channel": room, "ts": ts},
            },
            event_id=first_id,
            retry_num=1,
        ).status_code
        == 200
    )
    fake.wait_for(lambda: len(seen.events) == 2)
    assert [retry for _, retry in seen.events] == [None, "1"]
    assert seen.events[0][0]["item"]["ts"] == ts
    assert fake.message(room, ts).reactions == {"white_check_mark": ["U0COMMS"]}
    assert driver.message_shortcut("U0COMMS", room, ts, "capture").status_code == 200
    assert seen.shortcuts[0]["message"]["ts"] == ts
    assert driver.url_verification("abc123").json() == {"challenge": "abc123"}


def test_bad_or_stale_signatures_are_refused(driver: SlackDriver, seen: Seen, room: str) -> None:
    body = urlencode(
        {"command": "/warroom", "text": "open", "user_id": "U0LEAD", "channel_id": room, "team_id": "T0SANDBOX"}
    )
    form = "application/x-www-form-urlencoded"
    assert driver.post(body, form, signature="v0=" + "0" * 64).status_code == 401
    assert driver.post(body, form, timestamp=int(time.time()) - 600).status_code == 401
    assert seen.commands == []
    event = json.dumps({"type": "event_callback", "event": {"type": "reaction_added"}})
    assert driver.post(event, "application/json", signature="v0=bad").status_code == 401


def test_requests_are_accepted_under_frozen_time(fake: FakeSlack, driver: SlackDriver, seen: Seen, room: str) -> None:
    with freeze_time("2026-11-22 10:00:00"):
        assert driver.command("U0LEAD", room, "open").status_code == 200
        fake.wait_for(lambda: fake.messages(room))
    assert len(seen.commands) == 1


def test_transcript(fake: FakeSlack, driver: SlackDriver, room: str) -> None:
    client = WebClient(base_url=fake.api_url, token=fake.bot_token)
    start = len(fake.log)
    channel = client.conversations_create(name="social-20261122-hashtag", is_private=True)["channel"]["id"]
    client.conversations_invite(channel=channel, users="U0LEAD,U0COMMS")
    client.chat_postMessage(
        channel=channel,
        text="x",
        blocks=[
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "*Lead:* <@U0LEAD> &amp; see <https://status.example|status>"},
            },
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "action_id": "approve", "text": {"type": "plain_text", "text": "Approve"}}
                ],
            },
        ],
    )
    ts = run_command(fake, driver, room)
    driver.click("U0LEAD", room, ts, "done")
    fake.wait_for(lambda: any(m.edit_count for m in fake.messages(room)))
    text = render_transcript(fake, since=start)
    assert "#social-20261122-hashtag  channel created (private) by warroom" in text
    assert "invited: Dana Fischer (crisis lead), Mia Schneider (communications lead)" in text
    assert "[warroom] *Lead:* @Dana Fischer & see status (https://status.example)" in text
    assert "[Approve]" in text
    assert "Dana Fischer ran /warroom open" in text
    assert "(only visible to Dana Fischer) Opening a room for @Dana Fischer" in text
    assert "*Task* pause scheduled posts in #general" in text
    assert 'Dana Fischer clicked [Done] on "Task: pause scheduled posts"' in text
    assert "(updated message) Done by @Dana Fischer" in text
