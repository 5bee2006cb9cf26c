"""Follow-ups that used to call Slack after their commit now store the call in the outbox, in the change's own
transaction: the invite of a person given a role comes before the announcement that names them, even when
Slack turns the invite away for a while, and a refusal reaches the person who assigned the role."""

from __future__ import annotations

from sqlmodel import Session

from app.incidents import timeline
from app.roles import service as roles
from tests.test_statement_flow import room


def announced(box, incident, needle: str):
    return box.fake.wait_for(lambda: next((m for m in box.fake.messages(incident.channel_id)
                                           if needle in (m.text or "")), None), timeout=15)


def test_the_invite_comes_from_the_outbox_before_the_announcement_even_when_slack_waits(sandbox):
    incident = room(sandbox)
    sandbox.fake.fail_next("conversations.invite", status=429, retry_after=1)  # Slack says: later
    sandbox.fake.reset_calls()
    sandbox.driver.command("U0LEAD", incident.channel_id, "assign legal <@U0LEGAL2|sara>")
    announced(sandbox, incident, "is now Legal counsel")
    assert "U0LEGAL2" in sandbox.fake.channel(incident.channel_id).members
    calls = sandbox.fake.calls
    invites = [i for i, c in enumerate(calls) if c.method == "conversations.invite"]
    [announcement] = [i for i, c in enumerate(calls) if c.method == "chat.postMessage"
                      and "is now Legal counsel" in str(c.params.get("text"))]
    assert len(invites) == 2 and calls[invites[0]].status == 429 and calls[invites[1]].status == 200
    assert invites[1] < announcement  # the room reads about Sara once she is in it
    with Session(sandbox.core.engine) as session:
        assert roles.holder(session, incident.id, "legal") == "U0LEGAL2"


def test_an_invite_slack_refuses_is_told_to_the_person_who_assigned_the_role(sandbox):
    incident = room(sandbox)
    sandbox.driver.command("U0LEAD", incident.channel_id, "assign scribe <@U0AGENCY|kim>")  # a single-channel guest
    told = sandbox.fake.wait_for(lambda: [m.text for m in sandbox.fake.dms("U0LEAD") if "could not invite" in m.text],
                                 timeout=15)
    assert told == [":warning: could not invite <@U0AGENCY>: user_is_ultra_restricted"]
    announced(sandbox, incident, "<@U0AGENCY> is now Scribe")  # the role is hers; the room is told so
    assert "U0AGENCY" not in sandbox.fake.channel(incident.channel_id).members
    with Session(sandbox.core.engine) as session:
        errors = [e for e in timeline.all_events(session, incident.id) if e.kind == "error"]
    assert [e.text for e in errors] == ["could not invite U0AGENCY: user_is_ultra_restricted"]
    assert sandbox.core.effects.drain()
    assert len([m for m in sandbox.fake.dms("U0LEAD") if "could not invite" in m.text]) == 1


def test_a_close_hook_that_fails_is_run_again_and_nothing_is_told_twice(sandbox):
    incident = room(sandbox)
    runs: list[int] = []

    def flaky(core, incident_id: int) -> None:  # runs after the shipped hooks (alerts, lessons)
        runs.append(incident_id)
        if len(runs) == 1:
            raise ConnectionError("the wiki is away")

    sandbox.core.close_hooks.append(flaky)
    try:
        sandbox.driver.command("U0LEAD", incident.channel_id, "close Campaign withdrawn")
        sandbox.fake.wait_for(lambda: len(runs) >= 2, timeout=20)
        assert sandbox.core.effects.drain()
    finally:
        sandbox.core.close_hooks.remove(flaky)
    assert runs == [incident.id, incident.id]
    lessons = [m for m in sandbox.fake.messages(incident.channel_id) if "lesson_add" in str(m.blocks)]
    assert len(lessons) == 1  # asked once, though the hooks ran twice
    with Session(sandbox.core.engine) as session:
        errors = [e.text for e in timeline.all_events(session, incident.id) if e.kind == "error"]
    assert errors == ["flaky failed: the wiki is away"]
