"""The web role acks on its event loop: an ack that waits on Slack (the declare modal) stalls no other ack, and
an ack whose follow-up cannot be stored fails, so that Slack shows the person it did not work."""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from app.requests_queue.models import AcceptedRequest
from app.sandbox.harness import Sandbox, ServerThread
from app.server import create_app
from tests.conftest import open_room


@pytest.fixture
def web(tmp_path):
    """The web role alone on loopback: it acks and stores, nothing follows up."""
    box = Sandbox(tmp_path / "web", serve=False)
    box.server = ServerThread(create_app(box.core, role="web"), box.port)
    box.server.start()
    yield box
    box.close()


def stored(box) -> list[str]:
    with Session(box.core.engine) as session:
        return sorted(row.function for row in session.exec(select(AcceptedRequest)))


def test_an_ack_that_waits_on_slack_stalls_no_other_ack(web):
    incident = open_room(web)
    web.fake.fail_next("views.open", answer="hold")  # Slack takes the modal and never answers (until the fake stops)
    declared: list[object] = []

    def declare() -> None:  # its ack waits on views.open: the driver gives up after its timeout
        try:
            declared.append(web.driver.command("U0LEAD", incident.channel_id, "declare Outage").status_code)
        except httpx.HTTPError as exc:
            declared.append(type(exc).__name__)

    declaring = threading.Thread(target=declare, daemon=True)
    declaring.start()
    web.fake.wait_for(lambda: web.fake.calls_to("views.open"), timeout=10)

    answers = [web.driver.command("U0LEAD", incident.channel_id, "status"),
               web.driver.app_mention("U0COMMS", incident.channel_id, f"<@{web.fake.bot_user_id}> hi"),
               web.driver.command("U0COMMS", incident.channel_id, "help")]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len(web.fake.calls_to("views.open")) == 1  # answered while Slack still holds the modal's call
    assert stored(web) == ["after_ack", "after_ack", "guarded_mentioned"]


def test_an_ack_whose_follow_up_cannot_be_stored_fails(web):
    incident = open_room(web)
    with web.core.engine.begin() as connection:  # the table is gone: no follow-up can be stored
        connection.execute(text("ALTER TABLE accepted_requests RENAME TO accepted_requests_away"))

    answer = web.driver.command("U0LEAD", incident.channel_id, "status")

    assert answer.status_code == 500
    with web.core.engine.begin() as connection:
        connection.execute(text("ALTER TABLE accepted_requests_away RENAME TO accepted_requests"))
    assert stored(web) == []
    assert web.driver.command("U0LEAD", incident.channel_id, "status").status_code == 200  # and it recovers
    assert stored(web) == ["after_ack"]
