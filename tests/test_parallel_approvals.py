"""Parallel approval steps: a group of roles signs one step in any order (DPO and legal together), through Slack,
in the playbook schema, in the reminders, in `/warroom status`, and in the database's one-sign-off rule."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from freezegun import freeze_time
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

import app.models  # noqa: F401  (load every table before freezegun patches datetime)
from app.db import transaction
from app.playbooks.schema import Playbook
from app.sandbox.harness import Sandbox
from app.scheduling.scheduler import Scheduler
from app.statements import chain, flows, service
from app.statements.models import Approval
from app.statements.service import StepPeople
from app.status.service import statement_state
from app.status.views import statement_text
from app.timeutil import utcnow
from tests.conftest import open_room
from tests.test_statement_approvals import START, click, message_of, room_texts, settle, wait_signed
from tests.test_statement_flow import (
    approvals_of,
    blocks_text,
    draft,
    room,
    thread_texts,
    versions_of,
    wait_ephemeral,
    wait_version,
)

BREACH = {"kind": "personal-data-breach", "severity": "high", "dedup_key": "breach-1",
          "title": "Customer e-mail addresses posted on a forum"}
PLAYBOOKS = Path(__file__).resolve().parent.parent / "playbooks"


def test_dpo_and_legal_sign_in_any_order_before_comms(sandbox):
    incident = room(sandbox, **BREACH)
    statement, message = draft(sandbox, incident)
    [version] = versions_of(sandbox, statement.id)
    assert version.approvers == [["dpo", "legal"], "comms"]

    asked = sandbox.fake.wait_for(lambda: next((t for t in thread_texts(sandbox, incident, statement)
                                                if "your sign-off is needed" in t), None))
    assert "<@U0DPO>" in asked and "<@U0LEGAL>" in asked and "step 1/2" in asked and "any order" in asked
    shown = blocks_text(message)
    assert shown.count(":hourglass_flowing_sand:") == 2  # both waiting approvers are shown as waiting
    assert "Data protection officer (together, any order): <@U0DPO>" in shown
    assert "Legal counsel (together, any order): <@U0LEGAL> (backup <@U0LEGAL2>)" in shown
    with Session(sandbox.core.engine) as session:
        assert statement_state(session, incident.id, {}).waiting_roles == ["dpo", "legal"]
        both = statement_state(session, incident.id, {"dpo": "U0DPO", "legal": "U0LEGAL"})
    shown_in_status = statement_text(both, "UTC", utcnow())  # what /warroom status and the brief say
    assert "<@U0DPO> + <@U0LEGAL> (Data protection officer + Legal counsel)" in shown_in_status

    click(sandbox, incident, "U0COMMS", "statement_approve")  # comms signs after the group, not before
    text = wait_ephemeral(sandbox, "U0COMMS", "is next")
    assert "Step 1 (Data protection officer + Legal counsel) is next" in text
    assert "<@U0DPO>" in text and "<@U0LEGAL>" in text and "<@U0LEGAL2>" in text

    click(sandbox, incident, "U0LEGAL", "statement_approve")  # legal first this time
    wait_signed(sandbox, statement.id, 1)
    sandbox.fake.wait_for(lambda: ":white_check_mark: 1. Legal counsel" in blocks_text(message_of(sandbox, incident)))
    with Session(sandbox.core.engine) as session:
        state = statement_state(session, incident.id, {"dpo": "U0DPO"})
    assert (state.waiting_roles, state.waiting_role, state.waiting_user) == (["dpo"], "dpo", "U0DPO")

    click(sandbox, incident, "U0LEGAL2", "statement_approve")  # legal's backup: legal has signed already
    wait_ephemeral(sandbox, "U0LEGAL2", "Step 1 (Data protection officer) is next")

    click(sandbox, incident, "U0DPO", "statement_approve")
    wait_signed(sandbox, statement.id, 2)
    sandbox.fake.wait_for(lambda: any("<@U0COMMS> your sign-off is needed on v1: step 2/2" in t
                                      for t in thread_texts(sandbox, incident, statement)))
    click(sandbox, incident, "U0COMMS", "statement_approve")
    statement, message = wait_version(sandbox, incident, status="approved")
    signed = [(a.step, a.role, a.user_id) for a in approvals_of(sandbox, statement.id) if a.decision == "approved"]
    assert signed == [(0, "legal", "U0LEGAL"), (0, "dpo", "U0DPO"), (1, "comms", "U0COMMS")]
    shown = blocks_text(message)
    assert "Data protection officer: <@U0DPO> at" in shown and "Legal counsel: <@U0LEGAL> at" in shown


def test_one_person_never_signs_two_roles_of_a_group(sandbox):
    incident = room(sandbox, **BREACH)
    statement, _ = draft(sandbox, incident)
    people = {"dpo": StepPeople("U0BOTH"), "legal": StepPeople("U0BOTH"), "comms": StepPeople("U0COMMS")}
    with transaction(sandbox.core.engine) as session:
        first = service.decide(session, statement.id, 1, user_id="U0BOTH", decision="approved", people=people)
    with transaction(sandbox.core.engine) as session:
        second = service.decide(session, statement.id, 1, user_id="U0BOTH", decision="approved", people=people)
    assert (first.status, first.role, first.waiting.roles) == ("approved", "dpo", ("legal",))
    assert second.status == "refused" and second.key == "statement.signed_twice"
    assert "You already approved step 1: each step needs a different person." in flows.refusal_text(second)


def test_the_database_keeps_one_sign_off_per_role_of_a_step(sandbox):
    incident = room(sandbox, **BREACH)
    statement, _ = draft(sandbox, incident)
    [version] = versions_of(sandbox, statement.id)
    with transaction(sandbox.core.engine) as session:  # two roles of one step: both stand
        session.add(Approval(version_id=version.id, step=0, role="dpo", user_id="U0DPO", decision="approved"))
        session.add(Approval(version_id=version.id, step=0, role="legal", user_id="U0LEGAL", decision="approved"))
    with pytest.raises(IntegrityError), transaction(sandbox.core.engine) as session:
        session.add(Approval(version_id=version.id, step=0, role="legal", user_id="U0LEGAL2", decision="approved"))


def test_the_reminder_names_every_waiting_approver_and_then_only_who_still_has_to_sign(tmp_path):
    with freeze_time(START) as clock:
        box = Sandbox(tmp_path / "box", serve=False)
        Scheduler(box.core)
        incident = open_room(box, **BREACH)
        statement_id = flows.start_draft(box.core, incident.id, by="U0COMMS", channels=None, reply=print)
        clock.tick(timedelta(minutes=16))
        settle(box)
        reminder = box.fake.wait_for(lambda: next(
            (t for t in room_texts(box, incident) if "waited for your approval" in t), None))
        assert reminder.startswith(":hourglass: <@U0DPO>, <@U0LEGAL>")
        assert "Data protection officer + Legal counsel" in reminder

        assert flows.approve(box.core, statement_id, 1, user_id="U0LEGAL", reply=print) == "approved"
        clock.tick(timedelta(minutes=16))
        settle(box)
        escalation = box.fake.wait_for(lambda: next(
            (t for t in room_texts(box, incident) if "As backup you may approve" in t), None))
        assert "(Data protection officer)" in escalation and "Legal counsel" not in escalation
        assert "<@U0DPO> has not answered" in escalation
        box.close()


def _breach_data() -> dict:
    return yaml.safe_load((PLAYBOOKS / "personal-data-breach.yml").read_text(encoding="utf-8"))


def test_the_schema_takes_groups_and_the_flat_form_and_names_the_field_of_a_bad_one():
    data = _breach_data()
    breach = Playbook.model_validate(data)
    assert breach.approvers_for("critical") == [["dpo", "legal"], "comms", "exec"]
    assert breach.approver_roles("critical") == ["dpo", "legal", "comms", "exec"]
    assert breach.staffed_roles("critical")[-1] == "exec"

    flat = {**data, "statement": {**data["statement"], "approvers": ["dpo", "legal", "comms"]}}
    assert Playbook.model_validate(flat).approvers_for("high") == ["dpo", "legal", "comms"]

    for approvers, field, words in (
        ([["dpo"], "comms"], "statement.approvers.0", "two or more roles"),
        ([["dpo", "dpo"], "comms"], "statement.approvers.0", "listed twice"),
        ([["dpo", "lawyer"], "comms"], "statement.approvers.0", "unknown role 'lawyer'"),
        ([["dpo", "legal"], "legal"], "statement", "legal listed twice"),
        ([{"dpo": 1}], "statement.approvers.0", "bad approval step"),
    ):
        bad = {**data, "statement": {**data["statement"], "approvers": approvers}}
        with pytest.raises(ValidationError) as caught:
            Playbook.model_validate(bad)
        error = caught.value.errors()[0]
        assert ".".join(str(part) for part in error["loc"]).startswith(field) and words in error["msg"], error


def test_who_is_next_is_one_function_over_the_stored_chain():
    stored = ["comms", ["dpo", "legal"], "exec"]
    assert chain.waiting(stored, []).roles == ("comms",)
    assert chain.waiting(stored, [(0, "comms")]).roles == ("dpo", "legal")
    waiting = chain.waiting(stored, [(0, "comms"), (1, "legal")])
    assert (waiting.index, waiting.group, waiting.roles, waiting.last) == (1, ("dpo", "legal"), ("dpo",), False)
    assert chain.waiting(stored, [(0, "comms"), (1, "legal"), (1, "dpo")]).roles == ("exec",)
    assert chain.waiting(stored, [(0, "comms"), (1, "legal"), (1, "dpo"), (2, "exec")]) is None
    # a sign-off recorded for a role on another step does not count for this one
    assert chain.waiting(stored, [(1, "comms")]).index == 0
    # legal added for a liability finding joins after the step with comms, and never twice
    assert service.approval_chain([["dpo", "hr"], "comms"], [{"requires_legal": True}])[0] == [
        ["dpo", "hr"], "comms", "legal"]
    assert service.approval_chain([["dpo", "legal"], "comms"], [{"requires_legal": True}])[0] == [
        ["dpo", "legal"], "comms"]
    assert chain.join([["dpo", "legal"], "comms"], ["comms", "exec"]) == [["dpo", "legal"], "comms", "exec"]
