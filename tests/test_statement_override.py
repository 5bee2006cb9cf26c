"""Errors the statement checks find block the last sign-off, unless the approver gives a reason (recorded)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from app.db import make_engine, transaction
from app.statements.models import Approval, StatementVersion
from tests.test_statement_approvals import click, wait_signed
from tests.test_statement_flow import add_fact, approvals_of, draft, events, room, versions_of, wait_version


def test_the_last_sign_off_needs_a_reason_to_override_errors_and_the_reason_is_kept(sandbox):
    incident = room(sandbox)
    add_fact(sandbox, incident, "It was probably our fault")
    statement, _ = draft(sandbox, incident)
    [version] = versions_of(sandbox, statement.id)
    assert any(f["severity"] == "error" for f in version.findings) and version.approvers == ["comms", "legal"]

    click(sandbox, incident, "U0COMMS", "statement_approve")  # an earlier step is never blocked
    wait_signed(sandbox, statement.id, 1)
    click(sandbox, incident, "U0LEGAL", "statement_approve")  # the last one asks for a reason first
    modal = sandbox.fake.wait_for(lambda: sandbox.fake.latest_view("U0LEGAL", "statement_override"))
    assert "error" in str(modal.view["blocks"][0]) and modal.view["submit"]["text"] == "Approve"
    assert [a.decision for a in approvals_of(sandbox, statement.id)] == ["approved"]  # not signed yet

    empty = sandbox.driver.submit_view("U0LEGAL", modal.id, {"reason": {"text": "  "}})
    assert empty.json()["response_action"] == "errors" and "reason" in empty.json()["errors"]
    sandbox.driver.submit_view("U0LEGAL", modal.id, {"reason": {"text": "Wording cleared with outside counsel"}})
    wait_version(sandbox, incident, status="approved")
    [record] = events(sandbox, incident.id, "statement_override")
    assert record.actor == "U0LEGAL" and "outside counsel" in record.text
    assert {item["rule"] for item in record.data["overridden"]} >= {"liability"}


def test_warnings_alone_never_block(sandbox):
    incident = room(sandbox)
    statement, _ = draft(sandbox, incident)
    [version] = versions_of(sandbox, statement.id)
    assert not any(f["severity"] == "error" for f in version.findings)
    click(sandbox, incident, "U0COMMS", "statement_approve")
    wait_version(sandbox, incident, status="approved")
    assert events(sandbox, incident.id, "statement_override") == []


def test_the_promised_next_update_is_re_stamped_at_the_final_sign_off(sandbox):
    incident = room(sandbox)
    statement, _ = draft(sandbox, incident)
    [version] = versions_of(sandbox, statement.id)
    assert version.next_update and all(version.next_update in text for text in version.variants.values())
    with transaction(sandbox.core.engine) as session:  # drafted long ago: the time it promised has passed
        row = session.get(StatementVersion, version.id)
        row.variants = {k: v.replace(version.next_update, "00:01") for k, v in row.variants.items()}
        row.next_update = "00:01"
        session.add(row)
    click(sandbox, incident, "U0COMMS", "statement_approve")
    wait_version(sandbox, incident, status="approved")
    [restamped] = events(sandbox, incident.id, "next_update_restamped")
    fresh = restamped.data["new"]
    assert restamped.data["old"] == "00:01" and fresh != "00:01"
    copies = sandbox.fake.wait_for(lambda: [m.text for m in sandbox.fake.messages(incident.channel_id)
                                            if "ready to copy" in (m.text or "")])
    assert all("00:01" not in text for text in copies) and any(fresh in text for text in copies)


def test_german_staff_memos_say_du_when_the_organisation_does(make_sandbox):
    box = make_sandbox("du", warroom_language="de", warroom_staff_address="du")
    incident = room(box)
    statement, _ = draft(box, incident, args="staff")
    [version] = versions_of(box, statement.id)
    memo = version.variants["staff"]
    assert " euch" in memo or " ihr " in memo or "Euer" in memo
    assert " Sie " not in memo and " Ihnen" not in memo


def test_the_database_allows_one_sign_off_per_step_whichever_process_takes_the_click(sandbox):
    incident = room(sandbox)
    statement, _ = draft(sandbox, incident)
    [version] = versions_of(sandbox, statement.id)
    other_process = make_engine(str(sandbox.core.engine.url))  # its own engine on the same file
    try:
        with transaction(other_process) as session:
            session.add(Approval(version_id=version.id, step=0, role="comms", user_id="U0COMMS2",
                                 decision="approved"))
        with pytest.raises(IntegrityError), transaction(sandbox.core.engine) as session:
            session.add(Approval(version_id=version.id, step=0, role="comms", user_id="U0COMMS",
                                 decision="approved"))
        with transaction(sandbox.core.engine) as session:  # a change request on the same step is no sign-off
            session.add(Approval(version_id=version.id, step=0, role="comms", user_id="U0COMMS",
                                 decision="changes_requested", comment="shorter"))
    finally:
        other_process.dispose()
