"""Slack failing while an incident is closed: the post-incident report's upload (announce, bytes, share), the
room's archiving and the pin receipt go out from the outbox. Whatever Slack answers (429 with Retry-After, 503,
an answer lost after Slack acted), after recovery the room holds the report once, is archived once and after
the report, and the timeline says so once; nothing is given up."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from app.effects.models import Effect, EffectStatus
from app.incidents import timeline
from app.timeutil import utcnow
from tests.test_faults_outbox import FAULTS, statuses
from tests.test_statement_flow import room

SEND_FAULTS = {name: fault for name, fault in FAULTS.items() if name != "slack error"}
UPLOAD_STEPS = ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]


def closed(box, summary: str = "Volume back to normal"):
    """An incident whose room is ready, closed by its lead; the report and the archiving are queued."""
    incident = room(box)
    assert box.driver.command("U0LEAD", incident.channel_id, f"close {summary}").status_code == 200
    return incident


def finished(box, channel_id: str) -> None:
    """The room is archived and no effect is still pending (bounded wait); none failed for good."""
    box.fake.wait_for(lambda: (box.fake.channel(channel_id).is_archived
                               and EffectStatus.PENDING not in statuses(box.core.engine)) or box.core.deliver(),
                      timeout=40, interval=0.05)
    assert EffectStatus.FAILED not in statuses(box.core.engine)


def report_messages(box, channel_id: str) -> list:
    return [m for m in box.fake.messages(channel_id) if m.files]


def counted(box, incident_id: int, kind: str) -> int:
    with Session(box.core.engine) as session:
        return timeline.count(session, incident_id, kind)


def archived_entries(box, channel_id: str) -> list:
    return [e for e in box.fake.log if e.kind == "archived" and e.channel == channel_id]


def assert_once(box, incident) -> None:
    """One message with the report's two files, one archiving after it, each on the timeline once."""
    [shared] = report_messages(box, incident.channel_id)
    names = sorted(f.name for f in box.fake.files(incident.channel_id))
    assert names == [f"incident-{incident.id}-report.md", f"incident-{incident.id}-timeline.png"]
    assert "Post-incident report" in shared.text
    assert len(archived_entries(box, incident.channel_id)) == 1
    shared_at = max(c.at for c in box.fake.calls_to("files.completeUploadExternal") if c.error is None)
    archived_at = min(c.at for c in box.fake.calls_to("conversations.archive") if c.error is None)
    assert shared_at < archived_at, "the room was archived before the report was in it"
    assert counted(box, incident.id, "report") == 1
    assert counted(box, incident.id, "archived") == 1


@pytest.mark.parametrize("fault", SEND_FAULTS.values(), ids=SEND_FAULTS.keys())
@pytest.mark.parametrize("step", UPLOAD_STEPS)
def test_the_report_is_in_the_room_once_whatever_slack_answers(make_sandbox, step, fault):
    box = make_sandbox("upload", warroom_archive_after="1s")
    box.fake.fail_next(step, **fault)
    incident = closed(box)
    finished(box, incident.channel_id)
    assert_once(box, incident)
    announced = len(box.fake.calls_to("files.getUploadURLExternal"))
    if step == "files.completeUploadExternal" and fault.get("answer") == "drop":
        assert announced == 2  # shared already: adopted (see the next test), never announced again
    else:  # the fault hit a step that was then repeated: the files are announced again after it
        assert announced >= (3 if step == UPLOAD_STEPS[0] else 4)
    if step.startswith("files.") and fault.get("answer") != "drop":
        assert len(box.fake.calls_to(step)) >= 2


def test_a_share_whose_answer_was_lost_is_adopted_by_its_file_ids(make_sandbox):
    box = make_sandbox("adopt", warroom_archive_after="1s")
    box.fake.fail_next("files.completeUploadExternal", answer="drop")  # shared in the room, the answer lost
    incident = closed(box)
    finished(box, incident.channel_id)
    assert_once(box, incident)
    assert len(box.fake.calls_to("files.completeUploadExternal")) == 1  # never shared a second time
    assert len(box.fake.calls_to("files.getUploadURLExternal")) == 2  # nor announced again
    assert box.fake.calls_to("files.info"), "the files were looked up before uploading again"
    with Session(box.core.engine) as session:
        [upload] = session.exec(select(Effect).where(Effect.kind == "upload")).all()
    assert upload.result["adopted"] is True
    assert sorted(upload.result["files"]) == sorted(f.id for f in box.fake.files(incident.channel_id))


def test_a_lost_share_that_slack_lists_late_is_still_adopted(make_sandbox):
    """Slack lists a share a moment after files.completeUploadExternal answers: a retry that looks before then
    finds the files unshared, and waits for them instead of uploading the report a second time."""
    box = make_sandbox("late", warroom_archive_after="1s")
    box.fake.store.share_delay = 2.5  # longer than the outbox's first backoff steps (1 s, 2 s)
    box.fake.fail_next("files.completeUploadExternal", answer="drop")
    incident = closed(box)
    finished(box, incident.channel_id)
    assert_once(box, incident)
    assert len(box.fake.calls_to("files.completeUploadExternal")) == 1
    assert len(box.fake.calls_to("files.getUploadURLExternal")) == 2
    assert len(box.fake.calls_to("files.info")) >= 2, "looked for the share again instead of uploading again"
    with Session(box.core.engine) as session:
        [upload] = session.exec(select(Effect).where(Effect.kind == "upload")).all()
    assert upload.result["adopted"] is True


@pytest.mark.parametrize("fault", SEND_FAULTS.values(), ids=SEND_FAULTS.keys())
def test_the_room_is_archived_once_whatever_slack_answers(make_sandbox, fault):
    box = make_sandbox("archive", warroom_archive_after="1s")
    box.fake.fail_next("conversations.archive", **fault)
    incident = closed(box)
    finished(box, incident.channel_id)
    assert_once(box, incident)
    assert len(box.fake.calls_to("conversations.archive")) == 2  # the fault, then once more (already_archived
    # after a lost answer counts as done)


def test_the_archiving_waits_for_a_report_that_slack_keeps_refusing(make_sandbox):
    box = make_sandbox("waits", warroom_archive_after="1s")
    box.fake.fail_next("files.completeUploadExternal", status=503, times=3)  # 2 + 4 + 8 s of backing off
    incident = closed(box)
    box.fake.wait_for(lambda: box.fake.calls_to("files.completeUploadExternal") and any(
        e.kind == "archive" for e in _effects(box)), timeout=20)
    assert not box.fake.channel(incident.channel_id).is_archived  # the archiving is due, but waits
    finished(box, incident.channel_id)
    assert_once(box, incident)
    [archive] = [e for e in _effects(box) if e.kind == "archive"]
    assert archive.status == EffectStatus.DONE


def test_a_room_reopened_before_its_archiving_stays_open(make_sandbox):
    box = make_sandbox("reopen", warroom_archive_after="1s")
    box.fake.fail_next("conversations.archive", status=429, retry_after=600)
    incident = closed(box)
    box.fake.wait_for(lambda: box.fake.calls_to("conversations.archive"), timeout=20)
    assert box.driver.command("U0LEAD", incident.channel_id, "reopen Second wave").status_code == 200
    box.fake.wait_for(lambda: any("Second wave" in (m.text or "") for m in box.fake.messages(incident.channel_id)),
                      timeout=20)
    with Session(box.core.engine) as session:  # Slack's Retry-After has passed
        [archive] = session.exec(select(Effect).where(Effect.kind == "archive")).all()
        assert archive.status == EffectStatus.PENDING and archive.last_error == "Slack: ratelimited"
        archive.due_at = utcnow()
        session.add(archive)
        session.commit()
    box.fake.wait_for(lambda: EffectStatus.PENDING not in statuses(box.core.engine) or box.core.deliver(),
                      timeout=30, interval=0.05)
    assert not box.fake.channel(incident.channel_id).is_archived
    [archive] = [e for e in _effects(box) if e.kind == "archive"]
    assert archive.result == {"skipped": "the incident is open again"}
    assert counted(box, incident.id, "archived") == 0
    assert len(box.fake.calls_to("conversations.archive")) == 1


@pytest.mark.parametrize("fault", SEND_FAULTS.values(), ids=SEND_FAULTS.keys())
def test_a_pinned_message_gets_one_memo_receipt_whatever_slack_answers(make_sandbox, fault):
    box = make_sandbox("memo")
    incident = room(box)
    message = box.fake.post_as("U0SOCIAL", incident.channel_id, "Screenshot of the original post")
    box.fake.fail_next("reactions.add", **fault)
    assert box.driver.reaction_added("U0SOCIAL", incident.channel_id, message.ts, "pushpin").status_code == 200
    box.fake.wait_for(lambda: (box.fake.message(incident.channel_id, message.ts).reactions.get("memo")
                               and EffectStatus.PENDING not in statuses(box.core.engine)) or box.core.deliver(),
                      timeout=30, interval=0.05)
    assert EffectStatus.FAILED not in statuses(box.core.engine)
    assert box.fake.message(incident.channel_id, message.ts).reactions["memo"] == [box.fake.bot_user_id]
    assert counted(box, incident.id, "pinned_message") == 1
    assert len(box.fake.calls_to("reactions.add")) == 2


def _effects(box) -> list[Effect]:
    with Session(box.core.engine) as session:
        return list(session.exec(select(Effect)))
