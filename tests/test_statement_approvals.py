"""Signing off holding statements through Slack: the approval order, refusals, change requests, edits that
restart the approvals, the approved and locked state, deadline reminders (freezegun) and the export."""

from __future__ import annotations

import json
from datetime import timedelta

from freezegun import freeze_time
from sqlmodel import Session

import app.models  # noqa: F401  (load every table before freezegun patches datetime)
from app.reports.export import export
from app.sandbox.harness import Sandbox
from app.scheduling.scheduler import Scheduler
from app.statements import flows
from tests.conftest import open_room
from tests.test_statement_flow import (
    approvals_of,
    blocks_text,
    draft,
    events,
    room,
    statement_of,
    thread_texts,
    versions_of,
    wait_ephemeral,
    wait_version,
)

CRITICAL = {"kind": "viral-complaint", "severity": "critical", "dedup_key": "complaint-1",
            "title": "Complaint video about a broken tent goes viral"}


def click(box, incident, user, action_id, value=None):
    statement = statement_of(box, incident.id)
    box.driver.click(user, incident.channel_id, statement.message_ts, action_id, value=value)


def wait_signed(box, statement_id, count):
    return box.fake.wait_for(lambda: len([a for a in approvals_of(box, statement_id)
                                          if a.decision == "approved"]) == count)


def message_of(box, incident):
    statement = statement_of(box, incident.id)
    return box.fake.message(incident.channel_id, statement.message_ts)


def test_approval_order_comms_then_legal_then_exec_and_the_approved_state(sandbox):
    incident = room(sandbox, **CRITICAL)
    statement, message = draft(sandbox, incident)
    [version] = versions_of(sandbox, statement.id)
    assert version.approvers == ["comms", "legal", "exec"]
    sandbox.fake.wait_for(lambda: any("<@U0COMMS> your sign-off is needed" in t
                                      for t in thread_texts(sandbox, incident, statement)))

    click(sandbox, incident, "U0LEGAL", "statement_approve")  # not legal's turn yet
    text = wait_ephemeral(sandbox, "U0LEGAL", "only")
    assert "Step 1 (Communications lead) is next" in text and "<@U0COMMS>" in text and "<@U0COMMS2>" in text

    click(sandbox, incident, "U0COMMS", "statement_approve")
    wait_signed(sandbox, statement.id, 1)
    sandbox.fake.wait_for(lambda: "Legal counsel: <@U0LEGAL> (backup <@U0LEGAL2>) · waiting since"
                          in blocks_text(message_of(sandbox, incident)))
    sandbox.fake.wait_for(lambda: any("<@U0LEGAL> your sign-off is needed" in t
                                      for t in thread_texts(sandbox, incident, statement)))

    click(sandbox, incident, "U0COMMS", "statement_approve")  # comms may not sign legal's step
    wait_ephemeral(sandbox, "U0COMMS", "Step 2 (Legal counsel) is next")

    click(sandbox, incident, "U0LEGAL2", "statement_approve")  # the backup may sign
    wait_signed(sandbox, statement.id, 2)
    click(sandbox, incident, "U0CEO", "statement_approve")
    statement, message = wait_version(sandbox, incident, status="approved")

    signed = [(a.step, a.role, a.user_id) for a in approvals_of(sandbox, statement.id) if a.decision == "approved"]
    assert signed == [(0, "comms", "U0COMMS"), (1, "legal", "U0LEGAL2"), (2, "exec", "U0CEO")]
    [version] = versions_of(sandbox, statement.id)
    assert version.locked and statement.approved_at is not None
    shown = blocks_text(message)
    assert "Holding statement — approved v1" in shown and "*Approved* · version 1" in shown
    assert "Legal counsel: <@U0LEGAL2> at" in shown and "Executive sponsor: <@U0CEO> at" in shown
    assert "statement_approve" not in shown and "statement_edit" not in shown  # no buttons once approved

    def copies_posted():
        found = [t for t in thread_texts(sandbox, incident, statement) if "ready to copy" in t and t.count("```") == 2]
        return found if len(found) == len(version.variants) else None

    copies = sandbox.fake.wait_for(copies_posted)
    assert any(version.variants["x"].replace("&", "&amp;") in t for t in copies)
    assert events(sandbox, incident.id, "statement_approved")[0].data["approvers"][2]["user"] == "U0CEO"
    sandbox.fake.wait_for(lambda: events(sandbox, incident.id, "status_update"))
    sandbox.fake.wait_for(lambda: "approved v1 at" in blocks_text(
        sandbox.fake.message(incident.channel_id, incident.briefing_ts)))
    assert flows.edit_refusal(sandbox.core, statement.id, 1, "U0COMMS") == (
        "v1 is approved and locked: it cannot be edited.")


def test_a_refused_approver_is_told_who_may_and_the_attempt_is_recorded(sandbox):
    incident = room(sandbox)
    statement, _ = draft(sandbox, incident)
    click(sandbox, incident, "U0SOCIAL", "statement_approve")
    text = wait_ephemeral(sandbox, "U0SOCIAL", ":no_entry:")
    assert "only <@U0COMMS>, <@U0COMMS2> may approve it" in text and "recorded" in text
    [refused] = sandbox.fake.wait_for(lambda: approvals_of(sandbox, statement.id))
    assert (refused.decision, refused.user_id, refused.role, refused.step) == ("refused", "U0SOCIAL", "comms", 0)
    [event] = events(sandbox, incident.id, "statement_refused")
    assert event.actor == "U0SOCIAL" and event.data["allowed"] == ["U0COMMS", "U0COMMS2"]
    assert statement_of(sandbox, incident.id).status == "pending"


def test_edit_saves_a_new_version_and_restarts_the_approvals(sandbox):
    incident = room(sandbox, **CRITICAL)
    statement, _ = draft(sandbox, incident)
    click(sandbox, incident, "U0COMMS", "statement_approve")
    wait_signed(sandbox, statement.id, 1)

    click(sandbox, incident, "U0SUPPORT", "statement_edit")  # not comms, lead or an approver
    wait_ephemeral(sandbox, "U0SUPPORT", "Only the communications lead, the crisis lead or an approver")

    click(sandbox, incident, "U0COMMS", "statement_edit")
    view = sandbox.fake.wait_for(lambda: sandbox.fake.latest_view(user_id="U0COMMS", callback_id="statement_edit"))
    x_input = next(b for b in view.view["blocks"] if b.get("block_id") == "variant-x")
    assert x_input["element"]["max_length"] == 280
    answer = sandbox.driver.submit_view("U0COMMS", view.id, {"variant-x": {"text": "x" * 300}})
    errors = answer.json()["errors"]
    assert "at most 280 characters" in errors["variant-x"] and "300" in errors["variant-x"]
    assert sandbox.fake.view(view.id).is_open and len(versions_of(sandbox, statement.id)) == 1

    new_x = "We hear you & we are on it. Next update at 15:00 UTC: https://status.example.com"
    sandbox.driver.submit_view("U0COMMS", view.id, {"variant-x": {"text": new_x},
                                                    "note": {"text": "shorter X post"}})
    statement, message = wait_version(sandbox, incident, 2)
    v1, v2 = versions_of(sandbox, statement.id)
    assert v2.method == "edit" and v2.created_by == "U0COMMS" and v2.variants["x"] == new_x
    assert v1.variants["x"] != new_x and not v1.locked  # every version is kept
    assert [a.version_id for a in approvals_of(sandbox, statement.id) if a.decision == "approved"] == [v1.id]
    shown = blocks_text(message)
    assert "Edited by <@U0COMMS>: shorter X post" in shown and "We hear you &amp; we are on it" in shown
    assert "approved by" not in shown and ":white_check_mark: 1." not in shown  # the approvals start over
    assert "Communications lead: <@U0COMMS> (backup <@U0COMMS2>) · waiting since" in shown
    assert events(sandbox, incident.id, "statement_edited")[0].data["version"] == 2

    click(sandbox, incident, "U0LEGAL", "statement_approve", value=f"{statement.id}:1")  # an outdated message
    wait_ephemeral(sandbox, "U0LEGAL", "A newer version (v2) exists")
    click(sandbox, incident, "U0COMMS", "statement_approve")
    sandbox.fake.wait_for(lambda: [a for a in approvals_of(sandbox, statement.id)
                                   if a.decision == "approved" and a.version_id == v2.id])


def test_request_changes_needs_a_comment_and_blocks_approval_until_edited(sandbox):
    incident = room(sandbox, **CRITICAL)
    statement, _ = draft(sandbox, incident)

    click(sandbox, incident, "U0SOCIAL", "statement_changes")  # not an approver
    wait_ephemeral(sandbox, "U0SOCIAL", "Only the approvers of this statement may request changes")
    assert [a.decision for a in approvals_of(sandbox, statement.id)] == ["refused"]

    click(sandbox, incident, "U0LEGAL", "statement_changes")
    view = sandbox.fake.wait_for(lambda: sandbox.fake.latest_view(user_id="U0LEGAL", callback_id="statement_changes"))
    answer = sandbox.driver.submit_view("U0LEGAL", view.id, {"comment": {"text": "   "}})
    assert answer.json() == {"response_action": "errors", "errors": {"comment": "Say what should change."}}
    sandbox.driver.submit_view("U0LEGAL", view.id, {"comment": {"text": "Drop <b>the</b> second sentence"}})

    sandbox.fake.wait_for(lambda: statement_of(sandbox, incident.id).status == "changes_requested")
    sandbox.fake.wait_for(lambda: "Changes requested" in blocks_text(message_of(sandbox, incident)))
    shown = blocks_text(message_of(sandbox, incident))
    assert "Drop &lt;b&gt;the&lt;/b&gt; second sentence" in shown and "statement_approve" not in shown
    change = next(a for a in approvals_of(sandbox, statement.id) if a.decision == "changes_requested")
    assert (change.user_id, change.role, change.comment) == ("U0LEGAL", "legal", "Drop <b>the</b> second sentence")
    assert events(sandbox, incident.id, "statement_changes_requested")[0].actor == "U0LEGAL"
    sandbox.fake.wait_for(lambda: any("requested changes on v1" in t and "<@U0COMMS>" in t
                                      for t in thread_texts(sandbox, incident, statement)))

    answers = []
    assert flows.approve(sandbox.core, statement.id, 1, user_id="U0COMMS", reply=answers.append) == "blocked"
    assert "Changes were requested on this version" in answers[0]

    click(sandbox, incident, "U0COMMS", "statement_edit")
    view = sandbox.fake.wait_for(lambda: sandbox.fake.latest_view(user_id="U0COMMS", callback_id="statement_edit"))
    sandbox.driver.submit_view("U0COMMS", view.id, {})
    statement, message = wait_version(sandbox, incident, 2)
    assert "statement_approve" in blocks_text(message)


def test_export_has_versions_approvals_and_the_timeline(sandbox):
    incident = room(sandbox)
    statement, _ = draft(sandbox, incident)
    click(sandbox, incident, "U0SOCIAL", "statement_approve")
    wait_ephemeral(sandbox, "U0SOCIAL", ":no_entry:")
    click(sandbox, incident, "U0COMMS", "statement_approve")
    wait_version(sandbox, incident, status="approved")
    sandbox.fake.wait_for(lambda: events(sandbox, incident.id, "status_update"))
    record = json.loads(export(sandbox.core.engine, incident.id, "json"))
    [exported] = record["statements"]
    [version] = exported["versions"]
    assert exported["status"] == "approved" and version["locked"] and version["variants"]
    assert [a["decision"] for a in version["approvals"]] == ["refused", "approved"]
    kinds = {event["kind"] for event in record["timeline"]}
    assert {"statement_requested", "statement_drafted", "statement_lint", "statement_refused", "statement_approval",
            "statement_approved", "statement_final_text", "status_update"} <= kinds


# --- deadlines (freezegun: the core without the HTTP server) ------------------------------------

START = "2026-11-20 09:00:00"


def settle(box) -> None:
    """Run every due job and wait until all of them have finished and the outbox has delivered what they
    queued, so the test never races the scheduler."""
    box.core.scheduler.drain()
    assert box.core.effects.drain()


def room_texts(box, incident):
    return [m.text or "" for m in box.fake.messages(incident.channel_id) if not m.thread_ts]


def test_deadline_reminds_the_approver_then_the_backups(tmp_path):
    with freeze_time(START) as clock:
        box = Sandbox(tmp_path / "box", serve=False)
        Scheduler(box.core)
        incident = open_room(box)
        statement_id = flows.start_draft(box.core, incident.id, by="U0COMMS", channels=None, reply=print)
        assert box.core.scheduler.job_ids(f"inc{incident.id}:stmt{statement_id}:") == [
            f"inc{incident.id}:stmt{statement_id}:v1:s0"]

        clock.tick(timedelta(minutes=14))
        settle(box)
        assert not any("waited for your approval" in t for t in room_texts(box, incident))

        clock.tick(timedelta(minutes=2))  # the 15-minute deadline has passed
        settle(box)
        reminder = box.fake.wait_for(lambda: next(
            (t for t in room_texts(box, incident) if "waited for your approval" in t), None))
        assert reminder.startswith(":hourglass: <@U0COMMS>") and "since 09:00 UTC" in reminder

        clock.tick(timedelta(minutes=16))
        settle(box)
        escalation = box.fake.wait_for(lambda: next(
            (t for t in room_texts(box, incident) if "As backup you may approve" in t), None))
        assert "<@U0COMMS2>" in escalation and "<@U0COMMS> has not answered" in escalation
        dm = box.fake.wait_for(lambda: box.fake.dms("U0COMMS2"))
        assert "You are a backup approver" in dm[0].text

        box.core.scheduler.shutdown()  # a restart does not send them again
        Scheduler(box.core)
        clock.tick(timedelta(minutes=30))
        settle(box)
        with Session(box.core.engine) as session:
            from app.incidents import timeline

            kinds = [e.data.get("reminder") for e in timeline.all_events(session, incident.id) if e.kind == "reminder"]
        assert kinds.count("approval_due") == 1 and kinds.count("approval_backup") == 1
        box.close()


def test_no_reminder_once_the_step_is_signed(tmp_path):
    with freeze_time(START) as clock:
        box = Sandbox(tmp_path / "box", serve=False)
        Scheduler(box.core)
        incident = open_room(box)
        statement_id = flows.start_draft(box.core, incident.id, by="U0COMMS", channels=["x"], reply=print)
        clock.tick(timedelta(minutes=5))
        assert flows.approve(box.core, statement_id, 1, user_id="U0COMMS2", reply=print) == "final"
        assert box.core.scheduler.job_ids(f"inc{incident.id}:stmt") == []
        clock.tick(timedelta(minutes=40))
        settle(box)
        assert any("is still open" in t for t in room_texts(box, incident))  # the scheduler did run
        assert not any("waited for your approval" in t or "As backup" in t for t in room_texts(box, incident))
        box.close()


def test_legal_joins_the_chain_right_after_comms_for_liability_findings():
    from app.statements.service import approval_chain

    liability = [{"rule": "liability", "requires_legal": True}]
    assert approval_chain(["comms", "exec"], liability) == (["comms", "legal", "exec"], True)
    assert approval_chain(["security", "comms"], liability) == (["security", "comms", "legal"], True)
    assert approval_chain(["security"], liability) == (["legal", "security"], True)
    assert approval_chain(["dpo", "legal", "comms"], liability) == (["dpo", "legal", "comms"], False)
    assert approval_chain(["comms"], [{"rule": "speculation", "requires_legal": False}]) == (["comms"], False)
