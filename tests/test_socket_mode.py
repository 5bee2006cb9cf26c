"""Socket Mode: the bot connects to the URL apps.connections.open gives it and handles commands, clicks,
modals and events arriving over the websocket; it reconnects on `disconnect`; /slack/events is not served."""

from __future__ import annotations

import json

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session, select
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from app.decisions.models import Decision
from app.incidents import timeline
from app.incidents.models import Incident
from app.sandbox.fake_slack import FakeSlack
from app.sandbox.fake_socket_mode import FakeSocketMode, SocketModeDriver
from app.sandbox.harness import Sandbox, ServerThread
from app.server import create_app
from app.tasks.models import Task
from tests.conftest import social_alert
from tests.test_intake import wait_ready


@pytest.fixture
def socket_box(tmp_path):
    """The bot in Socket Mode (no Request URL) against the fake Slack and its websocket edge."""
    fake = FakeSlack()
    socket = FakeSocketMode(fake)
    box = Sandbox(tmp_path / "socket", fake=fake, serve=False, slack_app_token=socket.app_token)
    socket.start()
    box.server = ServerThread(create_app(box.core, socket_mode=True), box.port)
    box.server.start()
    socket.wait_connected()
    driver = SocketModeDriver(socket)
    yield box, socket, driver
    driver.close()
    box.close()
    socket.stop()


def decisions(box) -> list[str]:
    with Session(box.core.engine) as session:
        return [d.text for d in session.exec(select(Decision)).all()]


def test_no_request_url_in_socket_mode(socket_box):
    box, _socket, _driver = socket_box
    incident = wait_ready(box, box.alert(social_alert()).json()["incident_id"])
    answer = box.driver.command("U0LEAD", incident.channel_id, "decision Signed, but over HTTP")  # correctly signed
    assert answer.status_code == 404
    assert box.http.get("/healthz").status_code == 200  # the rest of the server is there
    assert decisions(box) == []


def test_commands_buttons_modals_and_events_over_the_socket(socket_box):
    box, socket, driver = socket_box
    assert [c.method for c in box.fake.calls_to("apps.connections.open")] == ["apps.connections.open"]

    assert driver.command("U0LEAD", "C0ANYWHERE", "help").status_code == 200
    box.fake.wait_for(lambda: any("/warroom" in (r.text or "") for r in box.fake.responses(user="U0LEAD")))

    incident = wait_ready(box, box.alert(social_alert()).json()["incident_id"])
    driver.command("U0LEAD", incident.channel_id, "decision Pause all paid promotion")
    box.fake.wait_for(lambda: decisions(box) == ["Pause all paid promotion"])

    driver.command("U0LEAD", incident.channel_id, "task Call the agency <@U0SOCIAL|lea> in 30m")
    with Session(box.core.engine) as session:
        task = box.fake.wait_for(lambda: session.exec(select(Task).where(Task.title == "Call the agency")).first())
    box.fake.wait_for(lambda: f"task-{task.id}" in json.dumps(
        box.fake.message(incident.channel_id, incident.briefing_ts).blocks))
    driver.click("U0SOCIAL", incident.channel_id, incident.briefing_ts, "task_done", value=str(task.id))

    def done():
        with Session(box.core.engine) as session:
            return session.get(Task, task.id).done_by

    assert box.fake.wait_for(done) == "U0SOCIAL"

    message = box.fake.post_as("U0SOCIAL", incident.channel_id, "Screenshot of the original post")
    event = {"type": "reaction_added", "user": "U0SOCIAL", "reaction": "pushpin", "item_user": "U0SOCIAL",
             "item": {"type": "message", "channel": incident.channel_id, "ts": message.ts}}
    driver.event(event, event_id="Ev0SOCKETPIN")
    driver.event(event, event_id="Ev0SOCKETPIN", retry_num=1, retry_reason="timeout")

    def pinned():
        with Session(box.core.engine) as session:
            return timeline.count(session, incident.id, "pinned_message")

    box.fake.wait_for(lambda: pinned() == 1)

    general = box.fake.add_channel("general", members=["U0LEAD"])
    driver.command("U0LEAD", general.id, "declare Fake giveaway in our name")
    view = box.fake.wait_for(lambda: box.fake.latest_view(user_id="U0LEAD", callback_id="declare"))
    submitted = driver.submit_view("U0LEAD", view.id, {
        "title": {"value": "Fake giveaway in our name"},
        "playbook": {"value": "impersonation"},
        "severity": {"value": "high"},
        "description": {"value": "Look-alike account since 08:00"},
    })
    assert submitted.status_code == 200
    with Session(box.core.engine) as session:
        declared = box.fake.wait_for(lambda: session.exec(select(Incident).where(
            Incident.playbook_id == "impersonation", Incident.phase == "active")).first(), timeout=10)
    assert declared.declared_by == "U0LEAD"
    assert pinned() == 1 and socket.connects == 1


def test_a_modal_with_errors_is_answered_in_the_acknowledgement(socket_box):
    box, _socket, driver = socket_box
    general = box.fake.add_channel("general", members=["U0LEAD"])
    driver.command("U0LEAD", general.id, "declare Something")
    view = box.fake.wait_for(lambda: box.fake.latest_view(user_id="U0LEAD", callback_id="declare"))
    answer = driver.submit_view("U0LEAD", view.id, {"title": {"value": "   "}, "playbook": {"value": "impersonation"},
                                                   "severity": {"value": "high"}})
    body = answer.json()
    assert body["response_action"] == "errors" and "title" in body["errors"]


def test_reconnects_on_disconnect_with_a_fresh_url(socket_box):
    box, socket, driver = socket_box
    incident = wait_ready(box, box.alert(social_alert()).json()["incident_id"])
    socket.disconnect()
    assert socket.connects == 2
    assert len(box.fake.calls_to("apps.connections.open")) == 2
    driver.command("U0LEAD", incident.channel_id, "decision Decided after the reconnect")
    box.fake.wait_for(lambda: decisions(box) == ["Decided after the reconnect"])

    used = socket.issue_url()
    with connect(used, open_timeout=5):
        pass
    with pytest.raises(InvalidStatus) as refused, connect(used, open_timeout=5):
        pass
    assert refused.value.response.status_code == 401


def test_apps_connections_open_takes_only_the_app_token(socket_box):
    box, socket, _driver = socket_box
    client = WebClient(base_url=box.fake.api_url)
    url = client.apps_connections_open(app_token=socket.app_token)["url"]
    assert url.startswith(f"ws://127.0.0.1:{socket.port}/link/?ticket=")
    for token, error in (("xoxb-sandbox", "not_allowed_token_type"), ("xapp-1-A0OTHER-1-nope", "invalid_auth")):
        with pytest.raises(SlackApiError) as refused:
            client.apps_connections_open(app_token=token)
        assert refused.value.response["error"] == error
    with pytest.raises(SlackApiError) as refused:
        WebClient(token=socket.app_token, base_url=box.fake.api_url).chat_postMessage(channel="C1", text="hi")
    assert refused.value.response["error"] == "not_allowed_token_type"
