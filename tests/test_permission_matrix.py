"""The permission matrix, walked through signed requests: every action, by every kind of person.

What each kind of person may do comes from the rules (app/access/rules.yml); what each test person is
comes from this file. Every action needs a probe here, so no action can be added without being walked.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlmodel import Session, col, select

from app.access.actions import Action
from app.access.policy import default_policy
from app.db import transaction
from app.incidents import briefing, flows
from app.incidents import service as incidents
from app.incidents.models import Incident, TimelineEvent
from app.roles import service as roles
from app.roles.models import RoleAssignment
from app.roles.roster import RosterError, load_roster
from app.sandbox.harness import Sandbox, shipped_playbooks
from app.sandbox.workspace import Member, Workspace
from app.statements import flows as statement_flows
from app.statements import service as statement_service
from app.statements.models import Statement
from app.tasks import service as tasks
from tests.conftest import social_alert
from tests.test_intake import wait_ready

# Who each test person is in a shitstorm room at high severity (lead, comms, social, support and scribe
# staffed from the roster), besides "anyone".
PERSONAS: dict[str, set[str]] = {
    "U0LEAD": {"lead", "role:lead", "role_holder", "member", "crisis_team"},
    "U0SCRIBE": {"deputy", "role:scribe", "role_holder", "member", "crisis_team"},
    "U0COMMS": {"role:comms", "role_holder", "member", "crisis_team"},
    "U0SOCIAL": {"role:social", "role_holder", "member", "crisis_team"},
    "U0MEMBER": {"member"},  # joined the room, holds no role and is not in the roster
    "U0CEO": {"executive", "crisis_team"},  # a roster executive outside the room
    "U0LEGAL2": {"crisis_team"},  # a backup in the roster, outside the room
    "U0OUTSIDE": set(),  # any other member of the workspace
}


def expected(action: Action, persona: str) -> bool:
    who = set(default_policy().rule(action).who)
    return "anyone" in who or bool(who & PERSONAS[persona])


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    workspace = Workspace.demo()
    workspace.members += [Member("U0MEMBER", "kim", "Kim Wolf", "kim.wolf@northwind.example", title="marketing"),
                          Member("U0OUTSIDE", "jo", "Jo Berg", "jo.berg@northwind.example", title="logistics")]
    with Sandbox(tmp_path_factory.mktemp("matrix"), workspace=workspace) as sandbox:
        sandbox.general = sandbox.fake.add_channel("general", members=list(PERSONAS))
        yield sandbox


_rooms = iter(range(1_000_000))


def new_room(box, *, restricted: bool = False, closed: bool = False) -> Incident:
    """A fresh shitstorm room at high severity with the member persona in it."""
    number = next(_rooms)
    incident = wait_ready(box, box.alert(social_alert(dedup_key=f"matrix-{number}", title=f"Matrix room {number}"))
                          .json()["incident_id"])
    box.driver.join("U0MEMBER", incident.channel_id)
    with transaction(box.core.engine) as session:
        row = session.get(Incident, incident.id)
        row.private = restricted
        session.add(row)
    if closed:
        flows.close(box.core, incident.id, "Matrix test", by="U0LEAD")
    with Session(box.core.engine) as session:
        return session.get(Incident, incident.id)


@dataclass
class Seen:
    """What the bot has told one person and written in their name so far."""

    texts: list[str]
    rows: list[tuple[str, str]]  # (kind, data) of the incident's timeline rows with them as actor
    views: int


def seen(box, user: str, incident_id: int | None = None) -> Seen:
    texts = [e.text or "" for e in box.fake.ephemerals(user=user)]  # ephemeral response_url answers too
    texts += [m.text or "" for m in box.fake.dms(user) if m.user == box.fake.bot_user_id]
    with Session(box.core.engine) as session:
        rows = [(e.kind, json.dumps(e.data)) for e in session.exec(
            select(TimelineEvent).where(TimelineEvent.actor == user, TimelineEvent.incident_id == incident_id)
            .order_by(col(TimelineEvent.id)))]
    return Seen(texts, rows, sum(1 for v in box.fake.views if v.user_id == user))


def new_since(before: list[str], now: list[str]) -> list[str]:
    """What was added (answers come from three lists, so new ones are not all at the end)."""
    left = Counter(before)
    added = []
    for text in now:
        if left[text]:
            left[text] -= 1
        else:
            added.append(text)
    return added


def outcome(box, user: str, incident_id: int, before: Seen, action: Action, *, hidden: str | None = None,
            success: str | None = None) -> bool:
    """True when the request went through, False when it was refused (or the incident hidden from them).

    Waits for the decisive answer: a refusal, or ``success`` in what they were told (without it, anything
    the bot told them or wrote in their name)."""

    def refused(now: Seen) -> bool:  # the refusal's answer (its timeline row comes first: wait for both)
        new_texts = new_since(before.texts, now.texts)
        texts = [t for t in new_texts if t.startswith((":no_entry: Only", ":no_entry: Incident", ":no_entry: You"))]
        return bool(texts or (hidden and any(hidden in t for t in new_texts)))

    def pending_refusal(now: Seen) -> bool:
        return any(r[0] == "refused" and action.value in r[1] for r in now.rows[len(before.rows):])

    def succeeded(now: Seen) -> bool:
        answers = new_since(before.texts, now.texts)
        if success is not None:
            return any(success in t for t in answers)
        rows = [r for r in now.rows[len(before.rows):] if r[0] != "refused"]
        return bool(rows or now.views > before.views or any(not t.startswith(":no_entry:") for t in answers))

    def decided() -> tuple[bool] | None:
        now = seen(box, user, incident_id)
        if refused(now):
            return (False,)
        if pending_refusal(now):
            return None
        return (True,) if succeeded(now) else None

    result = box.fake.wait_for(decided, timeout=15)[0]
    told[user] = new_since(before.texts, seen(box, user).texts)
    return result


told: dict[str, list[str]] = {}  # what each person was told by their latest probe (shown when a case fails)


# Sends the request; may return the baseline to compare against when it had to wait for an earlier answer.
Probe = Callable[[Sandbox, Incident, str], "Seen | None"]


def command(text: str, *, where: str = "room") -> Probe:
    def send(box, incident, user) -> None:
        channel = incident.channel_id if where == "room" else box.general.id
        box.driver.command(user, channel, text.format(id=incident.id))

    return send


def declare_restricted(box, incident, user) -> Seen:
    known = {v.id for v in box.fake.views}
    box.driver.command(user, box.general.id, "declare Board member under investigation")
    view = box.fake.wait_for(lambda: next((v for v in box.fake.views if v.id not in known and v.user_id == user
                                           and v.callback_id == "declare"), None))
    baseline = seen(box, user, incident.id)  # the open modal is not the answer; what the submission brings is
    box.driver.submit_view(user, view.id, {"title": {"value": "Board member under investigation"},
                                           "playbook": {"value": "executive-scandal"},
                                           "severity": {"value": "critical"}})
    return baseline


def done_own(box, incident, user) -> None:
    with transaction(box.core.engine) as session:
        task = tasks.add(session, incident.id, f"Task of {user}", owner_id=user, by="U0LEAD")
    briefing.refresh(box.core, incident.id)
    box.driver.click(user, incident.channel_id, incident.briefing_ts, "task_done", value=str(task.id))


def done_other(box, incident, user) -> None:
    with transaction(box.core.engine) as session:
        task = tasks.add(session, incident.id, f"Someone else's task ({user})", owner_id="U0SUPPORT", by="U0LEAD")
    briefing.refresh(box.core, incident.id)
    box.driver.click(user, incident.channel_id, incident.briefing_ts, "task_done", value=str(task.id))


def pin(box, incident, user) -> None:
    message = box.fake.post_as("U0LEAD", incident.channel_id, f"Worth keeping ({user})")
    box.driver.reaction_added(user, incident.channel_id, message.ts, "pushpin")


def approve(box, incident, user) -> None:
    statement = box.fake.wait_for(lambda: _pending(box, incident.id), timeout=15)
    message = box.fake.wait_for(lambda: [m for m in box.fake.messages(incident.channel_id)
                                         if "statement_approve" in json.dumps(m.blocks or [])])[-1]
    box.driver.click(user, incident.channel_id, message.ts, "statement_approve",
                     value=f"{statement.id}:{statement.current_version}")


def _pending(box, incident_id: int) -> Statement | None:
    with Session(box.core.engine) as session:
        return session.exec(select(Statement).where(Statement.incident_id == incident_id,
                                                    Statement.status == "pending")).first()


def with_statement(box) -> Incident:
    incident = new_room(box)
    box.driver.command("U0COMMS", incident.channel_id, "statement x")
    box.fake.wait_for(lambda: _pending(box, incident.id), timeout=15)
    return incident


def shared_room(box) -> Incident:
    """One room for the actions that leave it usable (Slack lets a workspace create ~20 channels a minute)."""
    if getattr(box, "shared", None) is None:
        box.shared = new_room(box)
    return box.shared


def restricted_room(box) -> Incident:
    if getattr(box, "restricted", None) is None:
        box.restricted = new_room(box, restricted=True)
    return box.restricted


HIDDEN = "you can see"
# action -> (probe, which room it needs, the answer that hides an incident from those who may not see it)
PROBES: dict[Action, tuple[Probe, Callable[[Sandbox], Incident], str | None]] = {
    Action.DECLARE: (command("declare Something is brewing", where="general"), shared_room, None),
    Action.DECLARE_RESTRICTED: (declare_restricted, shared_room, None),
    Action.CHANGE_SEVERITY: (command("severity medium"), shared_room, None),
    Action.ASSIGN_ROLE: (command("assign hr <@U0HR>"), shared_room, None),
    Action.CLOSE: (command("close Matrix done"), new_room, None),
    Action.REOPEN: (command("reopen Matrix again"), lambda b: new_room(b, closed=True), None),
    Action.RECORD_DECISION: (command("decision Keep the campaign paused"), shared_room, None),
    Action.RECORD_FACT: (command("fact The ad ran for three days"), shared_room, None),
    Action.ADD_TASK: (command("task Draft the FAQ"), shared_room, None),
    Action.COMPLETE_OWN_TASK: (done_own, shared_room, None),
    Action.COMPLETE_TASK: (done_other, shared_room, None),
    Action.PIN_MESSAGE: (pin, shared_room, None),
    Action.DRAFT_STATEMENT: (command("statement x"), new_room, None),
    Action.DRAFT_PACK: (command("replies"), new_room, None),
    Action.REVIEW_STATEMENT: (approve, with_statement, None),
    Action.VIEW_STATUS: (command("status {id}", where="general"), restricted_room, HIDDEN),
    Action.SHARE_STATUS: (command("status share"), shared_room, None),
    Action.BRIEF: (command("brief"), shared_room, None),
    Action.REPORT: (command("report {id}", where="general"), restricted_room, HIDDEN),
    Action.MANAGE_CLOCKS: (command("label nis2=yes"), shared_room, None),
    Action.RECUSE: (command("recuse <@U0OUTSIDE> the complaint names them"), new_room, None),
    Action.RETRY_SETUP: (command("retry-setup {id}", where="general"), shared_room, None),
    Action.RECORD_LESSON: (command("lesson Legal needs a weekend backup"), lambda b: new_room(b, closed=True), None),
}


# The answer that says it went through, where the first thing a person is told is not yet the end of it.
SUCCESS = {Action.DECLARE_RESTRICTED: "is open"}


def test_every_action_has_a_rule_and_a_probe():
    assert set(PROBES) == set(Action)
    assert set(default_policy().rules.actions) == {a.value for a in Action}


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_matrix(box, action):
    probe, make_room, hidden = PROBES[action]
    incident = make_room(box)
    results = {}
    # Those expected to be refused go first, so that an action that ends something (close, the approver's
    # sign-off) is tried by everyone before the one who does it.
    for user in sorted(PERSONAS, key=lambda u: (expected(action, u), u == "U0COMMS")):
        before = seen(box, user, incident.id)
        before = probe(box, incident, user) or before
        results[user] = outcome(box, user, incident.id, before, action, hidden=hidden, success=SUCCESS.get(action))
    wrong = {user: told[user] for user in PERSONAS if results[user] != expected(action, user)}
    assert results == {user: expected(action, user) for user in PERSONAS}, wrong


def test_a_closed_incident_accepts_only_reopen_status_and_report(box):
    incident = new_room(box, closed=True)
    for text in ("decision Too late", "task Too late", "fact Too late", "severity low"):
        known = seen(box, "U0LEAD", incident.id).texts
        box.driver.command("U0LEAD", incident.channel_id, text)
        box.fake.wait_for(lambda known=known: any("is closed: it accepts nothing but" in t
                                                  for t in new_since(known, seen(box, "U0LEAD").texts)))
    with Session(box.core.engine) as session:
        kinds = [e.kind for e in session.exec(select(TimelineEvent).where(TimelineEvent.incident_id == incident.id))]
    assert "decision" not in kinds and "fact" not in kinds and kinds.count("refused") == 4


def test_a_downgrade_keeps_the_executive_step_of_a_running_chain_and_only_the_roster_signs_it(box):
    incident = new_room(box)
    box.driver.command("U0LEAD", incident.channel_id, "severity critical")
    box.fake.wait_for(lambda: _severity(box, incident.id) == "critical")
    # The lead cannot hand the executive role to someone the roster does not list for it.
    before = seen(box, "U0LEAD")
    box.driver.command("U0LEAD", incident.channel_id, "assign exec <@U0SOCIAL>")
    box.fake.wait_for(lambda: any("roster lists for it" in t
                                  for t in new_since(before.texts, seen(box, "U0LEAD").texts)))
    with Session(box.core.engine) as session:
        assert roles.holder(session, incident.id, "exec") != "U0SOCIAL"
    box.driver.command("U0COMMS", incident.channel_id, "statement x")
    statement = box.fake.wait_for(lambda: _pending(box, incident.id), timeout=15)
    box.driver.command("U0LEAD", incident.channel_id, "severity high")
    box.fake.wait_for(lambda: _severity(box, incident.id) == "high")
    statement_flows.save_edit(box.core, statement.id, statement.current_version, user_id="U0COMMS",
                         variants={"x": "We hear the criticism and are looking into it. Next update at 18:00."},
                         note="", reply=lambda _text: None)
    with Session(box.core.engine) as session:
        _, version = statement_service.current(session, statement.id)
    assert "exec" in version.approvers


def _severity(box, incident_id: int) -> str:
    with Session(box.core.engine) as session:
        return incidents.get(session, incident_id).severity


def test_the_roster_can_change_who_may_do_what(tmp_path):
    directory = tmp_path / "override"
    directory.mkdir()
    roster = Workspace.demo_roster_yaml() + "permissions:\n  change_severity: [lead, deputy]\n  record_fact: [lead]\n"
    (directory / "roster.yml").write_text(roster, encoding="utf-8")
    with Sandbox(directory) as box:
        incident = wait_ready(box, box.alert(social_alert()).json()["incident_id"])
        box.driver.command("U0SCRIBE", incident.channel_id, "severity critical")
        box.fake.wait_for(lambda: _severity(box, incident.id) == "critical")
        box.driver.command("U0SOCIAL", incident.channel_id, "fact The ad ran for three days")
        box.fake.wait_for(lambda: any("Only the crisis lead (<@U0LEAD>) may record a confirmed fact" in (e.text or "")
                                      for e in box.fake.ephemerals(user="U0SOCIAL")))


def test_a_roster_naming_an_unknown_action_or_kind_is_refused_with_both_named(tmp_path):
    path = tmp_path / "roster.yml"
    path.write_text(Workspace.demo_roster_yaml() + "permissions:\n  change_sev: [lead]\n  close: [boss]\n")
    with pytest.raises(RosterError) as raised:
        load_roster(path)
    text = str(raised.value)
    assert "change_sev" in text and "boss" in text and "roster.yml" in text


def test_a_playbook_can_change_who_may_do_what_in_its_incidents(tmp_path):
    books = tmp_path / "playbooks"
    shutil.copytree(shipped_playbooks(), books)
    shitstorm = books / "shitstorm.yml"
    shitstorm.write_text(shitstorm.read_text(encoding="utf-8") + "\npermissions:\n  record_fact: [lead]\n",
                         encoding="utf-8")
    with Sandbox(tmp_path / "box", warroom_playbooks=books) as box:
        incident = wait_ready(box, box.alert(social_alert()).json()["incident_id"])
        box.driver.command("U0SOCIAL", incident.channel_id, "fact The ad ran for three days")
        box.fake.wait_for(lambda: any("Only the crisis lead (<@U0LEAD>) may record a confirmed fact" in (e.text or "")
                                      for e in box.fake.ephemerals(user="U0SOCIAL")))


def test_an_alert_whose_source_is_a_user_id_grants_nothing(box):
    secret = wait_ready(box, box.alert(social_alert(kind="executive-scandal", source="U0OUTSIDE", severity="critical",
                                                    title="Allegations against a board member", dedup_key="src-1",
                                                    labels={}, metrics={})).json()["incident_id"])
    before = seen(box, "U0OUTSIDE", secret.id)
    box.driver.command("U0OUTSIDE", box.general.id, f"status {secret.id}")
    assert outcome(box, "U0OUTSIDE", secret.id, before, Action.VIEW_STATUS, hidden="you can see") is False


def test_without_a_lead_only_the_roster_s_leads_act_as_lead(box):
    incident = new_room(box)
    with transaction(box.core.engine) as session:  # the lead role is vacant
        for row in session.exec(select(RoleAssignment).where(RoleAssignment.incident_id == incident.id,
                                                            RoleAssignment.role == "lead")):
            row.active = False
            session.add(row)
    for user, expect in (("U0SOCIAL", False), ("U0LEAD", True)):
        before = seen(box, user, incident.id)
        box.driver.command(user, incident.channel_id, "severity critical")
        assert outcome(box, user, incident.id, before, Action.CHANGE_SEVERITY) is expect
