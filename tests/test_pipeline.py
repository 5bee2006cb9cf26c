"""The one way through: a person always gets an answer, and what they entered is kept when Slack fails."""

from __future__ import annotations

import logging

from sqlmodel import Session, select

from app.decisions.models import Decision
from app.incidents.models import Incident, TimelineEvent
from app.tasks.models import Task
from tests.conftest import social_alert
from tests.test_intake import wait_ready


def room(box):
    return wait_ready(box, box.alert(social_alert()).json()["incident_id"])


def told(box, user: str) -> list[str]:
    return [e.text or "" for e in box.fake.ephemerals(user=user)] + [m.text or "" for m in box.fake.dms(user)]


def announcements(box, channel_id: str, needle: str) -> list:
    return [m for m in box.fake.messages(channel_id) if needle in (m.text or "")]


def test_a_decision_is_stored_first_and_announced_once_slack_answers_again(sandbox):
    incident = room(sandbox)
    sandbox.fake.fail_next("chat.postMessage", error="internal_error")  # Slack has a bad moment
    sandbox.driver.command("U0LEAD", incident.channel_id, "decision Pause all paid promotion")
    with Session(sandbox.core.engine) as session:
        sandbox.fake.wait_for(lambda: session.exec(select(Decision)).all())  # stored before any post
    sandbox.fake.wait_for(lambda: announcements(sandbox, incident.channel_id, "Pause all paid promotion"), timeout=15)
    sandbox.core.effects.drain()
    assert len(announcements(sandbox, incident.channel_id, "Pause all paid promotion")) == 1
    with Session(sandbox.core.engine) as session:
        [decision] = session.exec(select(Decision)).all()
    assert decision.permalink  # linked to the announcement once it was posted


def test_an_announcement_slack_refuses_for_good_is_recorded_with_a_reference(sandbox, caplog):
    incident = room(sandbox)
    sandbox.fake.fail_next("chat.postMessage", error="channel_not_found")
    with caplog.at_level(logging.ERROR, logger="app.effects.delivery"):
        sandbox.driver.command("U0LEAD", incident.channel_id, "task Call the agency in 30m")

        def recorded():
            with Session(sandbox.core.engine) as session:
                return session.exec(select(TimelineEvent).where(TimelineEvent.kind == "error")).all()

        [error] = sandbox.fake.wait_for(recorded, timeout=10)
    assert "task:" in error.text and error.data["reference"]
    assert any(r.exc_info for r in caplog.records)
    health = sandbox.http.get("/healthz")  # the process serves on, and says what needs people
    assert health.status_code == 200 and health.json()["status"] == "degraded"
    assert health.json()["checks"]["work"]["effects_failed"] == 1
    with Session(sandbox.core.engine) as session:
        assert [t.title for t in session.exec(select(Task).where(Task.title == "Call the agency"))] == [
            "Call the agency"]


def test_an_unexpected_failure_gets_a_reference_and_keeps_what_was_entered(sandbox, caplog):
    incident = room(sandbox)
    sandbox.fake.fail_next("views.open", error="internal_error")
    with caplog.at_level(logging.ERROR, logger="app.slack.pipeline"):
        sandbox.driver.command("U0LEAD", incident.channel_id, "declare Another one")
        answer = sandbox.fake.wait_for(lambda: [t for t in told(sandbox, "U0LEAD") if "Reference" in t])[0]
    assert "nothing you entered was lost" in answer
    reference = answer.split("`")[1]
    assert any(reference in r.getMessage() and r.exc_info for r in caplog.records)  # the traceback, same reference
    with Session(sandbox.core.engine) as session:
        errors = session.exec(select(TimelineEvent).where(TimelineEvent.kind == "error")).all()
    assert [e.data["reference"] for e in errors] == [reference]


def test_a_mistake_is_told_plainly_without_a_reference(sandbox):
    incident = room(sandbox)
    sandbox.driver.command("U0LEAD", incident.channel_id, "fact private")
    answer = sandbox.fake.wait_for(lambda: [t for t in told(sandbox, "U0LEAD") if "a fact needs its text" in t])[0]
    assert answer.startswith(":warning:") and "Reference" not in answer
    with Session(sandbox.core.engine) as session:
        assert session.exec(select(TimelineEvent).where(TimelineEvent.kind == "fact")).all() == []


def test_a_declare_modal_with_field_errors_runs_no_follow_up_work(sandbox):
    general = sandbox.fake.add_channel("general", members=["U0LEAD"])
    sandbox.driver.command("U0LEAD", general.id, "declare")
    view = sandbox.fake.wait_for(lambda: sandbox.fake.latest_view("U0LEAD", "declare"))
    answer = sandbox.driver.submit_view("U0LEAD", view.id, {"title": {"value": "   "}})
    assert answer.json()["response_action"] == "errors" and "title" in answer.json()["errors"]
    sandbox.driver.submit_view("U0LEAD", view.id, {"title": {"value": "Outage of the web shop"},
                                                    "playbook": {"value": "service-outage"}})
    sandbox.fake.wait_for(lambda: [t for t in told(sandbox, "U0LEAD") if "is open" in t], timeout=10)
    with Session(sandbox.core.engine) as session:
        titles = [i.title for i in session.exec(select(Incident))]
    assert titles == ["Outage of the web shop"]  # no "Untitled incident" from the rejected submission


def test_log_as_decision_keeps_slack_text_as_written(sandbox):
    incident = room(sandbox)
    # Slack sends message text with & < > as entities and mentions as tokens.
    message = sandbox.fake.post_as("U0COMMS", incident.channel_id,
                                   "Pause ads &amp; e-mails, <@U0SOCIAL> confirms &lt;today&gt; <!channel>")
    sandbox.driver.message_shortcut("U0LEAD", incident.channel_id, message.ts, "log_decision")
    announced = sandbox.fake.wait_for(lambda: [m for m in sandbox.fake.messages(incident.channel_id)
                                               if (m.text or "").startswith(":scales:")])[0]
    assert "Pause ads &amp; e-mails, <@U0SOCIAL> confirms &lt;today&gt;" in announced.text
    assert "&amp;amp;" not in announced.text and "<!channel>" not in announced.text  # the broadcast is not repeated
    with Session(sandbox.core.engine) as session:
        [decision] = session.exec(select(Decision)).all()
    assert decision.text.startswith("Pause ads & e-mails, <@U0SOCIAL> confirms <today>")


def test_the_declare_modal_is_open_before_slack_gets_the_ack(sandbox):
    """A trigger lives three seconds: the modal must not wait behind follow-up work."""
    general = sandbox.fake.add_channel("general", members=["U0LEAD"])
    answer = sandbox.driver.command("U0LEAD", general.id, "declare Outage of the web shop")
    assert answer.status_code == 200
    view = sandbox.fake.latest_view("U0LEAD", "declare")  # no waiting: it is open already
    assert view is not None and view.is_open
