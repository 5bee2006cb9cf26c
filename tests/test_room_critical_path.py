"""The room's critical chain (create -> briefing -> pin) kept clear: the briefing gathered while Slack creates
the channel, shown up to date when the record changed meanwhile; effects and steps recorded in one commit."""

from __future__ import annotations

from concurrent.futures import Future

from sqlmodel import Session, select

from app.db import transaction
from app.effects.models import Effect
from app.incidents import service
from app.incidents.models import SetupStep
from app.incidents.setup import _check_posted
from app.incidents.setup_steps import gather_briefing
from app.incidents.views import Briefing
from tests.conftest import social_alert
from tests.test_intake import wait_ready


def _gathered(briefing: Briefing) -> Future[Briefing]:
    future: Future[Briefing] = Future()
    future.set_result(briefing)
    return future


def _briefing_refreshes(box, incident_id: int) -> list[Effect]:
    with Session(box.core.engine) as session:
        return list(session.exec(select(Effect).where(Effect.kind == "briefing", Effect.incident_id == incident_id)))


def test_room_posts_the_briefing_with_the_people_and_records_each_step_once(sandbox):
    incident = wait_ready(sandbox, sandbox.alert(social_alert()).json()["incident_id"])
    briefings = [m for m in sandbox.fake.messages(incident.channel_id) if m.blocks]
    assert len(briefings) == 1 and briefings[0].ts == incident.briefing_ts
    lead = gather_briefing(sandbox.core, incident.id).holders["lead"]
    assert f"<@{lead}>" in str(briefings[0].blocks)  # gathered after the roles were given, ahead of the channel
    assert [m.ts for m in sandbox.fake.pins(incident.channel_id)] == [incident.briefing_ts]
    with Session(sandbox.core.engine) as session:
        steps = {s.step: s for s in session.exec(select(SetupStep).where(SetupStep.incident_id == incident.id))}
    assert all(s.status == "done" and s.attempts == 1 for s in steps.values())
    assert steps["create_channel"].detail["channel_id"] == incident.channel_id
    assert steps["create_channel"].detail["name"] == incident.channel_name
    post = steps["post_briefing"].detail
    assert post["ts"] == incident.briefing_ts and post["found"] is False
    assert len(post["key"]) == 16 and post["since"] > 0  # the marker, stored when the try began
    assert briefings[0].metadata["event_payload"]["key"] == post["key"]
    # Nothing changed between the early gather and the post: no update of the message during set-up.
    assert not [c for c in sandbox.fake.calls_to("chat.update") if c.params.get("ts") == incident.briefing_ts]


def test_a_change_after_the_early_gather_is_shown_by_an_update(sandbox):
    incident = wait_ready(sandbox, sandbox.alert(social_alert()).json()["incident_id"])
    early = gather_briefing(sandbox.core, incident.id)
    before = len(_briefing_refreshes(sandbox, incident.id))
    # An alert counted while the briefing was on its way: its own refresh found no message yet.
    with transaction(sandbox.core.engine) as session:
        row = service.get(session, incident.id)
        row.alert_count = 7
    _check_posted(sandbox.core, incident.id, _gathered(early))
    assert len(_briefing_refreshes(sandbox, incident.id)) == before + 1

    def updated():
        return [c for c in sandbox.fake.calls_to("chat.update")
                if c.params.get("ts") == incident.briefing_ts and "7 alerts so far" in str(c.params)]

    assert sandbox.fake.wait_for(updated, timeout=10)


def test_no_update_when_the_record_did_not_change(sandbox):
    incident = wait_ready(sandbox, sandbox.alert(social_alert()).json()["incident_id"])
    before = len(_briefing_refreshes(sandbox, incident.id))
    _check_posted(sandbox.core, incident.id, _gathered(gather_briefing(sandbox.core, incident.id)))
    assert len(_briefing_refreshes(sandbox, incident.id)) == before
    failed: Future[Briefing] = Future()
    failed.set_exception(RuntimeError("the database was away"))
    _check_posted(sandbox.core, incident.id, failed)  # the post gathered again itself: nothing to compare
    assert len(_briefing_refreshes(sandbox, incident.id)) == before
