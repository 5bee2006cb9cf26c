"""The publish webhook: approved statements only, signed, retried, and every delivery on the timeline."""

from __future__ import annotations

import json
import time

from app.statements import publish
from tests.test_statement_flow import Receiver, draft, events, room, statement_of, versions_of, wait_version

SECRET = "publish-secret"


def approve_all(box, incident, *users):
    for user in users:
        statement = statement_of(box, incident.id)
        box.driver.click(user, incident.channel_id, statement.message_ts, "statement_approve")
        box.fake.wait_for(lambda user=user: any(
            e.actor == user for e in events(box, incident.id, "statement_approval")))


def test_sign_and_verify():
    body = b'{"a":1}'
    signature = publish.sign(SECRET, "1700000000", body)
    assert signature.startswith("v1=") and len(signature) == 3 + 64
    assert publish.verify(SECRET, "1700000000", body, signature, now=1700000100)
    assert not publish.verify(SECRET, "1700000000", body + b" ", signature, now=1700000100)
    assert not publish.verify("other", "1700000000", body, signature, now=1700000100)
    assert not publish.verify(SECRET, "1700000000", body, signature, now=1700001000)  # too old


def test_the_approved_statement_is_delivered_signed_and_drafts_never_are(make_sandbox):
    receiver = Receiver()
    box = make_sandbox("hook", warroom_publish_webhook=receiver.url, warroom_publish_secret=SECRET)
    incident = room(box, kind="viral-complaint", severity="critical", dedup_key="complaint-2")
    statement, _ = draft(box, incident)
    statement_id = statement.id
    box.driver.click("U0COMMS", incident.channel_id, statement.message_ts, "statement_edit")
    view = box.fake.wait_for(lambda: box.fake.latest_view(user_id="U0COMMS", callback_id="statement_edit"))
    box.driver.submit_view("U0COMMS", view.id, {"note": {"text": "tone"}})
    wait_version(box, incident, 2)
    approve_all(box, incident, "U0COMMS", "U0LEGAL")
    assert receiver.requests == []  # drafts and partly approved versions are never sent

    approve_all(box, incident, "U0CEO")
    delivered = box.fake.wait_for(lambda: events(box, incident.id, "statement_webhook"))
    [(headers, body)] = receiver.requests
    assert publish.verify(SECRET, headers["X-Warroom-Timestamp"], body, headers["X-Warroom-Signature"],
                          now=time.time())
    payload = json.loads(body)
    v2 = versions_of(box, statement_id)[1]
    assert v2.locked
    assert payload["statement_id"] == statement_id and payload["version"] == 2 and payload["variants"] == v2.variants
    assert payload["incident_id"] == incident.id and payload["language"] == "en" and payload["approved_at"]
    assert [(a["role"], a["user"]) for a in payload["approvers"]] == [
        ("comms", "U0COMMS"), ("legal", "U0LEGAL"), ("exec", "U0CEO")]
    assert delivered[0].data["ok"] is True and delivered[0].data["status"] == 200
    assert receiver.url not in json.dumps(delivered[0].data)  # only the target's origin is kept
    receiver.stop()


def test_a_failed_delivery_is_retried_and_recorded(make_sandbox):
    receiver = Receiver(statuses=[503, 200])
    box = make_sandbox("retry", warroom_publish_webhook=receiver.url, warroom_publish_secret=SECRET)
    incident = room(box)
    draft(box, incident)
    approve_all(box, incident, "U0COMMS")
    [event] = box.fake.wait_for(lambda: events(box, incident.id, "statement_webhook"))
    assert event.data["ok"] is True and event.data["attempts"] == 2 and len(receiver.requests) == 2
    receiver.stop()


def test_a_rejected_delivery_is_not_retried_and_the_room_is_told(make_sandbox):
    receiver = Receiver(statuses=[400])
    box = make_sandbox("rejected", warroom_publish_webhook=receiver.url, warroom_publish_secret=SECRET)
    incident = room(box)
    statement, _ = draft(box, incident)
    approve_all(box, incident, "U0COMMS")
    [event] = box.fake.wait_for(lambda: events(box, incident.id, "statement_webhook"))
    assert event.data["ok"] is False and event.data["error"] == "the receiver answered HTTP 400"
    assert len(receiver.requests) == 1
    box.fake.wait_for(lambda: any("publish webhook did not take v1: the receiver answered HTTP 400." in (m.text or "")
                                  for m in box.fake.messages(incident.channel_id)))
    assert statement_of(box, incident.id).status == "approved"  # the sign-off stands
    receiver.stop()


def test_without_a_secret_nothing_is_sent(make_sandbox):
    receiver = Receiver()
    box = make_sandbox("nosecret", warroom_publish_webhook=receiver.url)
    incident = room(box)
    draft(box, incident)
    approve_all(box, incident, "U0COMMS")
    [event] = box.fake.wait_for(lambda: events(box, incident.id, "statement_webhook"))
    assert event.data["ok"] is False and "WARROOM_PUBLISH_SECRET" in event.data["error"]
    assert receiver.requests == []
    receiver.stop()


def test_unreachable_webhook_gives_up_after_the_retries():
    delivery = publish.deliver("http://127.0.0.1:9/nothing-listens", SECRET, {"a": 1}, timeout=0.5, retries=1,
                               backoff=0.01)
    assert not delivery.ok and delivery.attempts == 2 and delivery.status is None
    assert delivery.error == "the receiver could not be reached (ConnectError)"
