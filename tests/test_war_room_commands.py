"""Working in the room: /warroom subcommands, buttons, the decision shortcut, reactions, retried events."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from app.decisions.models import Decision
from app.incidents import timeline
from app.incidents.models import Fact, Incident
from app.roles import service as roles
from app.tasks.models import Task
from tests.conftest import social_alert
from tests.test_intake import wait_ready


def room(box):
    return wait_ready(box, box.alert(social_alert()).json()["incident_id"])


def ephemeral_texts(box, user):
    return [r.text or "" for r in box.fake.responses(user=user)]


def wait_text(box, channel_id, needle):
    return box.fake.wait_for(lambda: [m for m in box.fake.messages(channel_id) if needle in (m.text or "")])


def test_commands_are_acknowledged_at_once(sandbox):
    incident = room(sandbox)
    answer = sandbox.driver.command("U0LEAD", incident.channel_id, "decision Pause all paid promotion")
    assert answer.status_code == 200 and answer.text == ""


def test_decision_is_logged_with_who_when_and_permalink(sandbox):
    incident = room(sandbox)
    sandbox.driver.command("U0LEAD", incident.channel_id, "decision Pause all paid promotion <!channel>")
    wait_text(sandbox, incident.channel_id, "Decision")

    def linked():  # stored first, announced, then linked to the announcement
        with Session(sandbox.core.engine) as session:
            return session.exec(select(Decision).where(Decision.permalink.is_not(None))).first()

    decision = sandbox.fake.wait_for(linked)
    assert decision.decided_by == "U0LEAD" and decision.permalink.startswith("http")
    assert sandbox.fake.pings() == []


def test_facts_public_internal_and_private(sandbox):
    incident = room(sandbox)
    sandbox.driver.command("U0COMMS", incident.channel_id, "fact public The ad ran from 1 to 20 November")
    sandbox.driver.command("U0SOCIAL", incident.channel_id, "fact 4,200 mentions per hour, 58% negative")
    sandbox.driver.command("U0COMMS", incident.channel_id, "fact private Jane Doe")
    public = wait_text(sandbox, incident.channel_id, "The ad ran from")[0].text
    internal = wait_text(sandbox, incident.channel_id, "4,200 mentions")[0].text
    sandbox.fake.wait_for(lambda: any("Private fact" in t for t in ephemeral_texts(sandbox, "U0COMMS")))
    assert "Confirmed fact" in public and "public: may be published" in public
    assert "internal: not for statements" in internal and "/warroom fact publish" in internal
    with Session(sandbox.core.engine) as session:
        facts = session.exec(select(Fact)).all()
    # The commands run side by side, like messages sent in quick succession: any may be stored first.
    assert sorted((f.text, f.visibility, f.private) for f in facts) == [
        ("4,200 mentions per hour, 58% negative", "internal", False), ("Jane Doe", "private", True),
        ("The ad ran from 1 to 20 November", "public", False)]
    assert not any("Jane Doe" in (m.text or "") for m in sandbox.fake.messages(incident.channel_id))


def test_an_internal_fact_is_marked_for_publication_and_a_private_one_never(sandbox):
    incident = room(sandbox)
    sandbox.driver.command("U0SOCIAL", incident.channel_id, "fact The campaign video was removed at 09:40 CET")
    sandbox.driver.command("U0COMMS", incident.channel_id, "fact private Jane Doe")
    wait_text(sandbox, incident.channel_id, "The campaign video was removed")
    sandbox.fake.wait_for(lambda: any("Private fact" in t for t in ephemeral_texts(sandbox, "U0COMMS")))
    with Session(sandbox.core.engine) as session:
        ids = {f.visibility: f.id for f in session.exec(select(Fact)).all()}
    sandbox.driver.command("U0COMMS", incident.channel_id, f"fact publish {ids['internal']}")
    wait_text(sandbox, incident.channel_id, f"Fact #{ids['internal']} marked for publication by <@U0COMMS>")
    sandbox.driver.command("U0COMMS", incident.channel_id, f"fact publish #{ids['private']}")
    sandbox.driver.command("U0COMMS", incident.channel_id, "fact publish 9999")
    sandbox.fake.wait_for(lambda: any(f"fact #{ids['private']} is private" in t
                                      for t in ephemeral_texts(sandbox, "U0COMMS")))
    sandbox.fake.wait_for(lambda: any("this incident has no fact #9999" in t
                                      for t in ephemeral_texts(sandbox, "U0COMMS")))
    sandbox.driver.command("U0COMMS", incident.channel_id, "fact public")
    sandbox.fake.wait_for(lambda: any("a fact needs its text, e.g. `/warroom fact public" in t
                                      for t in ephemeral_texts(sandbox, "U0COMMS")))
    with Session(sandbox.core.engine) as session:
        stored = {f.id: f.visibility for f in session.exec(select(Fact)).all()}
        published = [e for e in timeline.all_events(session, incident.id) if e.kind == "fact_published"]
    assert stored == {ids["internal"]: "public", ids["private"]: "private"}
    assert [e.data["fact_id"] for e in published] == [ids["internal"]]


def test_task_with_owner_and_due_time_and_done_button(sandbox):
    incident = room(sandbox)
    sandbox.driver.command("U0LEAD", incident.channel_id, "task Call the agency <@U0SOCIAL|lea> in 30m")
    wait_text(sandbox, incident.channel_id, "New task")
    with Session(sandbox.core.engine) as session:
        task = session.exec(select(Task).where(Task.title == "Call the agency")).one()
    assert task.owner_id == "U0SOCIAL" and task.due_at is not None
    sandbox.fake.wait_for(lambda: f"task-{task.id}" in json.dumps(
        sandbox.fake.message(incident.channel_id, incident.briefing_ts).blocks))
    sandbox.driver.click("U0SOCIAL", incident.channel_id, incident.briefing_ts, "task_done", value=str(task.id))
    wait_text(sandbox, incident.channel_id, "completed")
    with Session(sandbox.core.engine) as session:
        done = session.get(Task, task.id)
    assert done.done_by == "U0SOCIAL" and done.done_at is not None
    sandbox.fake.wait_for(lambda: "done by <@U0SOCIAL>" in json.dumps(
        sandbox.fake.message(incident.channel_id, incident.briefing_ts).blocks))


def test_assign_by_lead_and_refusal_for_others(sandbox):
    incident = room(sandbox)
    sandbox.driver.command("U0SUPPORT", incident.channel_id, "assign legal <@U0LEGAL2|sara>")
    sandbox.fake.wait_for(lambda: any("Only the crisis lead (<@U0LEAD>) may give a role" in t
                                      for t in ephemeral_texts(sandbox, "U0SUPPORT")))
    sandbox.driver.command("U0LEAD", incident.channel_id, "assign legal <@U0LEGAL2|sara>")
    wait_text(sandbox, incident.channel_id, "is now Legal counsel")
    sandbox.fake.wait_for(lambda: "U0LEGAL2" in sandbox.fake.channel(incident.channel_id).members)
    with Session(sandbox.core.engine) as session:
        assert roles.holder(session, incident.id, "legal") == "U0LEGAL2"


def test_severity_change_is_logged_and_shown(sandbox):
    incident = room(sandbox)
    sandbox.driver.command("U0LEAD", incident.channel_id, "severity critical")
    wait_text(sandbox, incident.channel_id, "to *CRITICAL*")
    with Session(sandbox.core.engine) as session:
        assert session.get(Incident, incident.id).severity == "critical"
        assert timeline.count(session, incident.id, "severity") == 1
    sandbox.driver.command("U0LEAD", incident.channel_id, "severity apocalyptic")
    sandbox.fake.wait_for(lambda: any("unknown severity" in t for t in ephemeral_texts(sandbox, "U0LEAD")))


def test_close_is_for_the_lead_only(sandbox):
    incident = room(sandbox)
    sandbox.driver.command("U0COMMS", incident.channel_id, "close All good")
    sandbox.fake.wait_for(lambda: any("Only the crisis lead (<@U0LEAD>) may close" in t
                                      for t in ephemeral_texts(sandbox, "U0COMMS")))
    sandbox.driver.command("U0LEAD", incident.channel_id, "close Campaign withdrawn, statement published")
    wait_text(sandbox, incident.channel_id, "Incident closed")
    with Session(sandbox.core.engine) as session:
        closed = session.get(Incident, incident.id)
    assert closed.status == "closed" and closed.closed_by == "U0LEAD"
    assert sandbox.core.scheduler.job_ids(f"inc{incident.id}:") == [f"inc{incident.id}:archive"]

    def closed_headline():
        message = sandbox.fake.message(incident.channel_id, incident.briefing_ts)
        return message if message.text.startswith("CLOSED") or "Closed:" in json.dumps(message.blocks) else None

    shown = json.dumps(sandbox.fake.wait_for(closed_headline).blocks)
    assert "Campaign withdrawn, statement published" in shown and "_not done_" in shown
    assert '"type": "button"' not in shown and "left)" not in shown  # no buttons, and the clocks have stopped


def test_commands_outside_an_incident_channel_say_so(sandbox):
    general = sandbox.fake.add_channel("general", members=["U0LEAD"])
    sandbox.driver.command("U0LEAD", general.id, "decision Something")
    sandbox.fake.wait_for(
        lambda: any("works inside an incident channel" in t for t in ephemeral_texts(sandbox, "U0LEAD")))
    sandbox.driver.command("U0LEAD", general.id, "frobnicate")
    sandbox.fake.wait_for(lambda: any("Unknown subcommand" in t for t in ephemeral_texts(sandbox, "U0LEAD")))


def test_log_as_decision_shortcut(sandbox):
    incident = room(sandbox)
    message = sandbox.fake.post_as("U0LEGAL", incident.channel_id, "We will not delete the original post.")
    sandbox.driver.message_shortcut("U0LEAD", incident.channel_id, message.ts, "log_decision")
    with Session(sandbox.core.engine) as session:
        decision = sandbox.fake.wait_for(lambda: session.exec(select(Decision)).first())
    assert decision.source == "shortcut" and decision.text == "We will not delete the original post."


def test_pushpin_reaction_adds_to_timeline_and_retries_are_handled_once(sandbox):
    incident = room(sandbox)
    message = sandbox.fake.post_as("U0SOCIAL", incident.channel_id, "Screenshot of the original post")
    event = {"type": "reaction_added", "user": "U0SOCIAL", "reaction": "pushpin",
             "item": {"type": "message", "channel": incident.channel_id, "ts": message.ts},
             "item_user": "U0SOCIAL", "event_ts": message.ts}
    first = sandbox.driver.event(event, event_id="Ev0PIN1")
    retry = sandbox.driver.event(event, event_id="Ev0PIN1", retry_num=1)
    assert first.status_code == 200 and retry.status_code == 200

    def pinned():
        with Session(sandbox.core.engine) as session:
            return timeline.count(session, incident.id, "pinned_message")

    sandbox.fake.wait_for(lambda: pinned() == 1)
    sandbox.driver.event(event, event_id="Ev0PIN1", retry_num=2)
    assert pinned() == 1


def test_declare_opens_a_room_through_the_modal(sandbox):
    general = sandbox.fake.add_channel("general", members=["U0LEAD"])
    sandbox.driver.command("U0LEAD", general.id, "declare Hacked X account posting crypto scams")
    view = sandbox.fake.wait_for(lambda: sandbox.fake.latest_view(user_id="U0LEAD", callback_id="declare"))
    sandbox.driver.submit_view("U0LEAD", view.id, {
        "title": {"value": "Hacked X account posting crypto scams"},
        "playbook": {"value": "account-compromise"},
        "severity": {"value": "critical"},
        "description": {"value": "Unauthorised posts since 09:12"},
    })
    with Session(sandbox.core.engine) as session:
        incident = sandbox.fake.wait_for(lambda: session.exec(
            select(Incident).where(Incident.playbook_id == "account-compromise", Incident.phase == "active")).first(),
            timeout=10)
    assert incident.severity == "critical" and incident.declared_by == "U0LEAD"
    sandbox.fake.wait_for(lambda: any("is open" in (e.text or "") for e in sandbox.fake.ephemerals(user="U0LEAD")))


def _declare(sandbox, user: str, title: str, playbook: str = "generic", severity: str = "low"):
    general = sandbox.fake.add_channel("general", members=[user])
    sandbox.driver.command(user, general.id, f"declare {title}")
    view = sandbox.fake.wait_for(lambda: sandbox.fake.latest_view(user_id=user, callback_id="declare"))
    sandbox.driver.submit_view(user, view.id, {"title": {"value": title}, "playbook": {"value": playbook},
                                               "severity": {"value": severity}, "description": {"value": ""}})


def test_declare_answers_before_its_room_is_set_up(sandbox):
    """The answer does not wait for the room: Slack has not yet answered conversations.create when it comes."""
    sandbox.fake.fail_next("conversations.create", answer="hold")
    _declare(sandbox, "U0LEAD", "Checkout down in three countries")
    answer = sandbox.fake.wait_for(lambda: next((e.text for e in sandbox.fake.ephemerals(user="U0LEAD")
                                                 if "is open" in (e.text or "")), None), timeout=10)
    assert "being set up" in answer and "invited" in answer
    with Session(sandbox.core.engine) as session:
        incident = session.exec(select(Incident).where(Incident.declared_by == "U0LEAD")).one()
    assert incident.phase == "setup" and incident.channel_id is None  # the room's first call is still unanswered


def test_the_declarer_is_invited_to_the_room_even_when_the_playbook_does_not_staff_them(sandbox):
    _declare(sandbox, "U0LEGAL2", "Complaint thread about late refunds")  # a backup; generic rooms staff no lawyer
    with Session(sandbox.core.engine) as session:
        incident = sandbox.fake.wait_for(lambda: session.exec(
            select(Incident).where(Incident.declared_by == "U0LEGAL2", Incident.phase == "active")).first(),
            timeout=10)
    room = sandbox.fake.channel(incident.channel_id)
    assert "U0LEGAL2" in room.members and "U0LEAD" in room.members
    assert "U0LEGAL" not in room.members  # the playbook's staffing is otherwise unchanged


def test_help_lists_subcommands(sandbox):
    sandbox.driver.command("U0LEAD", "C0NONE", "help")
    text = sandbox.fake.wait_for(lambda: "".join(ephemeral_texts(sandbox, "U0LEAD")))
    for name in ("declare", "decision", "fact", "task", "assign", "severity", "close"):
        assert f"/warroom {name}" in text
