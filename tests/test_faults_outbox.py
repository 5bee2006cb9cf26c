"""Slack failing under the outbox: 429 with Retry-After, 5xx, Slack's own errors and answers lost after Slack
acted, on every Web API method the outbox's messages use. After recovery every committed change shows once:
one placeholder turned into one draft, one request for the next sign-off, one copy text per channel, one
webhook delivery; a message whose answer was lost is found by its metadata and adopted, never posted twice."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from app.effects.models import Effect, EffectStatus
from app.statements.views import PLACEHOLDER
from tests.test_statement_flow import Receiver, blocks_text, draft, room, statement_of, wait_version
from tests.test_statement_publish import SECRET, approve_all

FAULTS = {
    "lost answer": {"answer": "drop"},
    "429": {"status": 429, "retry_after": 1},
    "503": {"status": 503},
    "slack error": {"error": "internal_error"},
}


def room_messages(box, channel: str, needle: str) -> list:
    return [m for m in box.fake.messages(channel) if needle in (m.text or "") or needle in blocks_text(m)]


def statuses(engine) -> list[str]:
    with Session(engine) as session:
        return [effect.status for effect in session.exec(select(Effect))]


def settled(box) -> None:
    """Every effect delivered, including those backing off after a fault (bounded wait); none failed."""
    box.fake.wait_for(lambda: EffectStatus.PENDING not in statuses(box.core.engine) or box.core.deliver(),
                      timeout=30, interval=0.05)
    assert EffectStatus.FAILED not in statuses(box.core.engine)


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
@pytest.mark.parametrize("method", ["chat.postMessage", "chat.update"])
def test_a_draft_shows_once_whatever_slack_answers(make_sandbox, method, fault):
    box = make_sandbox("draft")
    incident = room(box)
    box.fake.fail_next(method, **fault)
    statement, message = draft(box, incident)
    settled(box)
    assert len(room_messages(box, incident.channel_id, "draft v1")) == 1
    assert room_messages(box, incident.channel_id, PLACEHOLDER) == []
    [asked] = room_messages(box, incident.channel_id, "your sign-off is needed")
    assert asked.thread_ts == statement.message_ts
    assert len(box.fake.calls_to(method)) >= 2  # the fault really hit a call that was then repeated


def test_a_lost_answer_is_adopted_by_its_metadata_not_posted_again(make_sandbox):
    box = make_sandbox("adopt")
    incident = room(box)
    before = len(box.fake.calls_to("chat.postMessage"))
    box.fake.fail_next("chat.postMessage", answer="drop")  # the placeholder: posted, its answer lost
    statement, message = draft(box, incident)
    settled(box)
    placeholder_calls = box.fake.calls_to("chat.postMessage")[before:]
    assert [c.params.get("text") for c in placeholder_calls].count(PLACEHOLDER) == 1
    assert box.fake.calls_to("conversations.history"), "the channel was read back before posting again"
    with Session(box.core.engine) as session:
        [placeholder] = session.exec(select(Effect).where(Effect.key == f"statement:{statement.id}:placeholder")).all()
    assert placeholder.result == {"ts": message.ts, "channel": incident.channel_id, "adopted": True}
    assert message.metadata == {"event_type": "warroom_effect", "event_payload": {"effect": placeholder.id}}


def test_a_direct_message_whose_answer_was_lost_is_adopted_not_sent_twice(make_sandbox):
    from app.db import transaction
    from app.effects import service as effects

    box = make_sandbox("dm")
    incident = room(box)
    settled(box)
    box.fake.fail_next("chat.postMessage", answer="drop")  # posted to the person, the answer lost
    with transaction(box.core.engine) as session:
        effects.post(session, "test:dm:U0CEO", incident_id=incident.id, channel="U0CEO",
                     text="Executive digest: the breach is contained")
    box.core.deliver()
    settled(box)
    assert [m.text for m in box.fake.dms("U0CEO")].count("Executive digest: the breach is contained") == 1
    assert box.fake.calls_to("conversations.open"), "the person's DM conversation was looked up"
    with Session(box.core.engine) as session:
        [delivered] = session.exec(select(Effect).where(Effect.key == "test:dm:U0CEO")).all()
    assert delivered.result["adopted"] is True
    assert delivered.result["channel"].startswith("D")

def test_reading_back_fails_too_and_the_message_still_shows_once(make_sandbox):
    box = make_sandbox("history")
    incident = room(box)
    box.fake.fail_next("chat.postMessage", answer="drop")
    box.fake.fail_next("conversations.history", status=503)
    draft(box, incident)
    settled(box)
    assert len(room_messages(box, incident.channel_id, "draft v1")) == 1
    assert len(box.fake.calls_to("conversations.history")) >= 2


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_the_final_sign_off_posts_each_copy_text_and_the_webhook_once(make_sandbox, fault):
    receiver = Receiver()
    box = make_sandbox("final", warroom_publish_webhook=receiver.url, warroom_publish_secret=SECRET)
    try:
        incident = room(box)
        statement, _ = draft(box, incident)
        settled(box)
        box.fake.fail_next("chat.postMessage", times=2, **fault)  # the first copy texts
        approve_all(box, incident, "U0COMMS")
        wait_version(box, incident, status="approved")
        settled(box)
        channels = list(statement_of(box, incident.id).channels)
        copies = [m for m in room_messages(box, incident.channel_id, "ready to copy")
                  if m.thread_ts == statement.message_ts]
        assert len(copies) == len(channels) == len({m.text for m in copies})  # each channel's text once
        assert len(receiver.requests) == 1
    finally:
        receiver.stop()


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_status_share_and_the_brief_show_once_and_reach_who_asked(make_sandbox, fault):
    from app.status.brief import PLACEHOLDER as BRIEF_PLACEHOLDER

    box = make_sandbox("share")
    incident = room(box)
    settled(box)
    before = len(box.fake.messages(incident.channel_id))
    box.fake.fail_next("chat.postMessage", **fault)
    assert box.driver.command("U0LEAD", incident.channel_id, "status share").status_code == 200
    box.fake.fail_next("chat.update", **fault)
    assert box.driver.command("U0LEAD", incident.channel_id, "brief").status_code == 200
    box.fake.wait_for(lambda: len(box.fake.messages(incident.channel_id)) >= before + 2, timeout=20)
    settled(box)
    fresh = box.fake.messages(incident.channel_id)[before:]
    assert len(fresh) == 2, [m.text for m in fresh]  # the shared status and the brief, once each
    assert not [m for m in fresh if m.text == BRIEF_PLACEHOLDER]  # the placeholder became the brief
    assert all(m.metadata and m.metadata["event_type"] == "warroom_effect" for m in fresh)
