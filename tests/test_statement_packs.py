"""The packs beside the holding statement: press Q&A, stakeholder map and reply macros, drafted from the playbook
and approved like statements (same chain, versions, message updated in place, checks that block the final
sign-off), posted ready to copy once approved; and every shipped playbook's packs in English and German."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError
from sqlmodel import Session, col, select

from app.playbooks import load_playbooks
from app.playbooks.schema import Playbook
from app.playbooks.templates import sample_context
from app.statements import packs
from app.statements.drafting import DraftContext
from app.statements.lint import REPLY_LIMIT
from app.statements.models import Statement, StatementKind
from tests.test_statement_flow import blocks_text, events, room, versions_of, wait_ephemeral

PLAYBOOKS = Path(__file__).resolve().parent.parent / "playbooks"
BREACH = {"kind": "personal-data-breach", "severity": "high", "dedup_key": "breach-2",
          "title": "Customer e-mail addresses posted on a forum"}
KINDS = (StatementKind.QA, StatementKind.STAKEHOLDERS, StatementKind.REPLIES)


def pack_of(box, incident_id: int, kind: str) -> Statement | None:
    with Session(box.core.engine) as session:
        query = (select(Statement).where(Statement.incident_id == incident_id, Statement.kind == kind)
                 .order_by(col(Statement.id).desc()))
        return session.exec(query).first()


def wait_pack(box, incident, kind: str, number: int = 1, status: str = "pending", timeout: float = 10):
    def shown():
        pack = pack_of(box, incident.id, kind)
        if pack is None or pack.current_version != number or pack.status != status:
            return None
        message = box.fake.message(incident.channel_id, pack.message_ts)
        words = ((f"— approved v{number}", f"— v{number} freigegeben") if status == "approved"
                 else (f"— draft v{number}", f"— Entwurf v{number}"))  # English or German card
        return (pack, message) if message and any(w in blocks_text(message) for w in words) else None

    return box.fake.wait_for(shown, timeout=timeout)


def click(box, incident, pack, user, action_id):
    box.driver.click(user, incident.channel_id, pack.message_ts, action_id)


def copies(box, incident, pack) -> list:
    return [m for m in box.fake.messages(incident.channel_id) if m.thread_ts == pack.message_ts
            and "ready to copy" in (m.text or "")]


def test_a_press_qa_pack_is_drafted_and_approved_beside_the_holding_statement(sandbox):
    incident = room(sandbox)  # a shitstorm at high severity: comms signs
    sandbox.driver.command("U0COMMS", incident.channel_id, "qa")
    pack, message = wait_pack(sandbox, incident, StatementKind.QA)
    shown = blocks_text(message)
    assert "Press Q&A pack — draft v1" in shown and "Question: criticism" in shown
    assert "Q: How do you respond to the criticism?" in shown and "Filled from the playbook's press_qa pack" in shown
    [version] = versions_of(sandbox, pack.id)
    assert list(version.variants) == ["criticism", "post-removed", "updates"] and version.approvers == ["comms"]
    assert not [f for f in version.findings if f["severity"] == "error"]

    sandbox.driver.command("U0COMMS", incident.channel_id, "statement")  # another kind: it may be open too
    sandbox.fake.wait_for(lambda: pack_of(sandbox, incident.id, StatementKind.HOLDING) is not None)
    sandbox.driver.command("U0LEAD", incident.channel_id, "qa")  # the same kind: one open per incident
    text = wait_ephemeral(sandbox, "U0LEAD", "already")
    assert "A press Q&A pack is already waiting for approval" in text and "one open press Q&A pack" in text

    click(sandbox, incident, pack, "U0SOCIAL", "statement_approve")  # not in the chain
    wait_ephemeral(sandbox, "U0SOCIAL", "Step 1 (Communications lead) is next")
    click(sandbox, incident, pack, "U0COMMS", "statement_approve")
    pack, message = wait_pack(sandbox, incident, StatementKind.QA, status="approved")
    assert message.ts == pack.message_ts and "Press Q&A pack — approved v1" in blocks_text(message)
    [posted] = sandbox.fake.wait_for(lambda: copies(sandbox, incident, pack) or None)
    assert len(posted.blocks) == 1 + len(version.variants)  # a heading, then one block per item
    assert all(block["text"]["text"].count("```") == 2 for block in posted.blocks[1:])
    assert pack_of(sandbox, incident.id, StatementKind.HOLDING).status != "approved"
    assert not [e for e in events(sandbox, incident.id, "status_update") if "Q&A" in (e.text or "")]


def test_reply_macros_are_checked_in_reply_mode_and_errors_block_the_last_sign_off(sandbox):
    incident = room(sandbox)
    sandbox.driver.command("U0SOCIAL", incident.channel_id, "replies")  # community managers may draft them
    pack, _ = wait_pack(sandbox, incident, StatementKind.REPLIES)
    [v1] = versions_of(sandbox, pack.id)
    assert set(v1.variants) == {"criticism", "boycott-call", "abuse"}
    assert all(len(text) <= REPLY_LIMIT for text in v1.variants.values())

    click(sandbox, incident, pack, "U0COMMS", "statement_edit")
    view = sandbox.fake.wait_for(lambda: sandbox.fake.latest_view(user_id="U0COMMS", callback_id="statement_edit"))
    box = next(b for b in view.view["blocks"] if b.get("block_id") == "variant-abuse")
    assert box["element"]["max_length"] == REPLY_LIMIT and box["label"]["text"] == "Reply: abuse"
    answer = sandbox.driver.submit_view("U0COMMS", view.id, {"variant-abuse": {"text": "y" * 300}})
    assert "at most 280 characters" in answer.json()["errors"]["variant-abuse"]

    sandbox.driver.submit_view("U0COMMS", view.id, {
        "variant-abuse": {"text": "This was our fault."},  # an admission, and no next step for the person
        "note": {"text": "blunter"}})
    pack, message = wait_pack(sandbox, incident, StatementKind.REPLIES, 2)
    [_, v2] = versions_of(sandbox, pack.id)
    rules = {(f["rule"], f["channel"], f["severity"]) for f in v2.findings}
    assert ("liability", "abuse", "error") in rules and ("missing_next_step", "abuse", "warning") in rules
    assert v2.approvers == ["comms", "legal"]  # the liability wording brings legal in, as for statements
    assert "Reply: abuse" in blocks_text(message) and "Legal review added" in blocks_text(message)

    click(sandbox, incident, pack, "U0COMMS", "statement_approve")
    sandbox.fake.wait_for(lambda: "1. Communications lead: <@U0COMMS>" in blocks_text(
        sandbox.fake.message(incident.channel_id, pack.message_ts)) and ":white_check_mark: 1." in blocks_text(
        sandbox.fake.message(incident.channel_id, pack.message_ts)))
    click(sandbox, incident, pack, "U0LEGAL", "statement_approve")  # the last step: the error blocks it
    override = sandbox.fake.wait_for(lambda: sandbox.fake.latest_view(user_id="U0LEGAL",
                                                                      callback_id="statement_override"))
    assert "The checks found 1 error(s) in v2" in blocks_text(type("M", (), {"blocks": override.view["blocks"]}))
    assert pack_of(sandbox, incident.id, StatementKind.REPLIES).status == "pending"

    sandbox.driver.submit_view("U0LEGAL", override.id, {"reason": {"text": "Legal approved the admission."}})
    pack, _ = wait_pack(sandbox, incident, StatementKind.REPLIES, 2, status="approved")
    [posted] = sandbox.fake.wait_for(lambda: copies(sandbox, incident, pack) or None)
    texts = [block["text"]["text"] for block in posted.blocks[1:]]
    assert len(texts) == 3 and all(t.startswith("*Reply: ") and t.count("```") == 2 for t in texts)
    assert any("This was our fault." in t for t in texts)
    assert events(sandbox, incident.id, "statement_override")


def test_the_stakeholder_map_names_audience_channel_owner_and_approval_chain(sandbox):
    incident = room(sandbox, **BREACH)
    sandbox.driver.command("U0COMMS", incident.channel_id, "stakeholders")
    pack, message = wait_pack(sandbox, incident, StatementKind.STAKEHOLDERS)
    [version] = versions_of(sandbox, pack.id)
    assert list(version.variants) == ["customers", "regulators", "staff", "insurer"]
    assert version.variants["regulators"].splitlines()[0] == (
        "Regulators · via: the authority's reporting portal · owner: Data protection officer · "
        "approval: Data protection officer + Legal counsel → Crisis lead")
    assert version.approvers == [["dpo", "legal"], "comms"]  # the pack itself goes through the statement chain
    shown = blocks_text(message)
    assert "Stakeholder map — draft v1" in shown and "Audience: regulators" in shown


def test_packs_are_drafted_in_german_for_a_german_incident(make_sandbox):
    box = make_sandbox(warroom_language="de")
    incident = room(box)
    box.driver.command("U0COMMS", incident.channel_id, "replies")
    pack, message = wait_pack(box, incident, StatementKind.REPLIES)
    [version] = versions_of(box, pack.id)
    assert version.variants["abuse"].startswith("Wir wünschen uns hier einen respektvollen Austausch")
    shown = blocks_text(message)
    assert "Antwortbaustein: Beleidigungen" in shown and "abuse" not in shown
    assert "Antwortbausteine — Entwurf v1" in shown and "Freigeben" in shown and "Approve" not in shown


def _context(language: str, with_facts: bool) -> DraftContext:
    values = sample_context(language, "press", with_facts)
    return DraftContext(company=values["company"], facts=values["facts"], severity="high",
                        next_update=values["next_update"], info_source=values["info_source"], language=language,
                        playbook_title="Incident", issue=values["issue"], affected=values["affected"],
                        actions_done=values["actions_done"], open_questions=values["open_questions"])


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_shipped_playbook_has_its_own_packs_that_pass_the_checks(language):
    playbooks = load_playbooks(PLAYBOOKS)
    for playbook in playbooks:
        for kind in KINDS:
            source, items = packs.items(playbooks, playbook.id, kind)
            assert source.id == playbook.id and items, (playbook.id, kind)
            for with_facts in (True, False):
                ctx = _context(language, with_facts)
                drafted = packs.draft_pack(playbooks, playbook.id, kind, ctx)
                assert all(text.strip() for text in drafted.variants.values())
                findings = packs.check_pack(kind, ctx, drafted.variants, [])
                assert findings == [], (playbook.id, kind, language, with_facts, findings)
                if kind == StatementKind.REPLIES:
                    assert all(len(text) <= REPLY_LIMIT for text in drafted.variants.values())


def test_a_playbook_without_packs_uses_the_generic_ones(tmp_path):
    for path in PLAYBOOKS.glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data["id"] == "viral-complaint":
            for key in ("press_qa", "stakeholders", "replies"):
                data.pop(key)
        (tmp_path / path.name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    playbooks = load_playbooks(tmp_path)
    source, _ = packs.items(playbooks, "viral-complaint", StatementKind.QA)
    assert source.id == "generic"
    drafted = packs.draft_pack(playbooks, "viral-complaint", StatementKind.QA, _context("en", True))
    assert drafted.note == "Filled from the generic playbook's press_qa pack"


def _generic() -> dict:
    return yaml.safe_load((PLAYBOOKS / "generic.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("change", "where", "words"), [
    (lambda d: d["stakeholders"][0].update(audience="aliens"), "stakeholders.0.audience", "unknown audience"),
    (lambda d: d["stakeholders"][0].update(via=["pigeon"]), "stakeholders.0.via.0", "unknown channel 'pigeon'"),
    (lambda d: d["stakeholders"][0].update(owner="boss"), "stakeholders.0.owner", "unknown role 'boss'"),
    (lambda d: d["stakeholders"][0].update(approvers=[["hr"]]), "stakeholders.0.approvers.0", "two or more"),
    (lambda d: d["press_qa"][0]["answer"].update(de="{{ ceo_name }}"), "press_qa.0.answer.de", "is undefined"),
    (lambda d: d["press_qa"][0].pop("answer"), "press_qa.0.answer", "Field required"),
    (lambda d: d["replies"].append(dict(d["replies"][0])), "replies", "theme what-is-happening listed twice"),
    (lambda d: d["replies"][0].update(fr="Bonjour"), "replies.0.fr", "Extra inputs"),
])
def test_a_bad_pack_is_refused_with_the_field_named(change, where, words):
    data = _generic()
    change(data)
    with pytest.raises(ValidationError) as caught:
        Playbook.model_validate(data)
    error = caught.value.errors()[0]
    named = ".".join(str(part) for part in error["loc"]) or error["msg"].removeprefix("Value error, ")
    assert named.startswith(where) and words in error["msg"], error


def test_the_report_figures_count_the_holding_statement_not_a_pack_approved_before_it():
    from app.reports.figures import first_approved, first_draft_at

    record = {"statements": [
        {"id": 1, "kind": "qa", "approved_at": "2026-11-30T09:10:00+00:00",
         "versions": [{"created_at": "2026-11-30T09:05:00+00:00"}]},
        {"id": 2, "kind": "holding", "approved_at": "2026-11-30T09:40:00+00:00",
         "versions": [{"created_at": "2026-11-30T09:20:00+00:00"}]},
    ]}
    assert first_approved(record)["id"] == 2
    assert first_draft_at(record).isoformat().startswith("2026-11-30T09:20")
