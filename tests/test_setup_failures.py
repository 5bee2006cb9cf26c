"""Permanent set-up failures stop, are stored with their reason and told; a retry resumes once fixed."""

from __future__ import annotations

from prometheus_client import REGISTRY
from sqlmodel import Session, select

from app.incidents.models import Incident, SetupNotice, SetupStep
from app.incidents.naming import channel_name
from app.incidents.setup import retry_setup
from app.incidents.setup_health import check_channels, setup_health
from app.incidents.setup_queue import line
from app.sandbox.fake_slack import FakeSlack
from app.sandbox.harness import Sandbox
from app.timeutil import utcnow
from tests.conftest import social_alert
from tests.test_intake import wait_ready


def _step(box, incident_id: int, name: str) -> SetupStep:
    with Session(box.core.engine) as session:
        return session.exec(select(SetupStep).where(SetupStep.incident_id == incident_id,
                                                    SetupStep.step == name)).one()


def _failures(step: str, error: str) -> float:
    return REGISTRY.get_sample_value("warroom_setup_failures_total", {"step": step, "error": error}) or 0.0


def test_permanent_error_stops_tells_everyone_and_retry_resumes(tmp_path):
    fake = FakeSlack()
    fake.start()
    announce = fake.add_channel("crisis-announcements", members=["U0LEAD"])
    before = _failures("bookmark", "missing_scope")
    with Sandbox(tmp_path / "box", fake=fake, warroom_announce_channel=announce.id) as box:
        fake.fail_next("bookmarks.add", error="missing_scope")
        incident_id = box.alert(social_alert()).json()["incident_id"]
        box.fake.wait_for(lambda: _step(box, incident_id, "bookmark").status == "failed", timeout=10)

        step = _step(box, incident_id, "bookmark")
        assert "missing_scope" in step.error and "permission" in step.error
        told = fake.wait_for(lambda: [m for m in fake.dms("U0LEAD") if "could not be set up" in m.text])
        assert "`bookmark`" in told[0].text and f"/warroom retry-setup {incident_id}" in told[0].text
        fake.wait_for(lambda: [m for m in fake.messages(announce.id) if "could not be set up" in m.text])
        assert _failures("bookmark", "missing_scope") == before + 1
        health = setup_health(box.core)
        assert health["setups_failed"] == [{"incident_id": incident_id, "step": "bookmark", "error": "missing_scope",
                                            "reason": step.error}]
        with Session(box.core.engine) as session:
            assert incident_id not in line(session)[0]  # not retried on its own: nothing would change
            assert session.get(Incident, incident_id).phase == "setup"

        def notices_sent():
            with Session(box.core.engine) as session:
                notices = session.exec(select(SetupNotice).where(SetupNotice.incident_id == incident_id)).all()
            return len(notices) == 2 and {n.status for n in notices} == {"sent"}

        fake.wait_for(notices_sent)
        assert len(fake.calls_to("bookmarks.add")) == 1

        answer = retry_setup(box.core, incident_id)
        assert answer.startswith(f"The war room of incident #{incident_id} is ready")
        incident = wait_ready(box, incident_id)
        assert len(fake.bookmarks(incident.channel_id)) == 1
        assert setup_health(box.core)["setups_failed"] == []
        assert retry_setup(box.core, incident_id).startswith(f"The war room of incident #{incident_id} is already")
        assert retry_setup(box.core, 999) == "There is no incident #999."
    fake.stop()


def test_a_notice_whose_answer_was_lost_is_not_posted_twice_in_a_channel(tmp_path):
    fake = FakeSlack()
    fake.start()
    announce = fake.add_channel("crisis-announcements")
    with Sandbox(tmp_path / "box", fake=fake, serve=False, warroom_announce_channel=announce.id) as box:
        from app.alerts.parsers import parse_generic
        from app.alerts.service import ingest
        from app.incidents.setup import run_setup

        incident_id = ingest(box.core, parse_generic(social_alert())).incident_id
        fake.fail_next("bookmarks.add", error="restricted_action")
        assert not run_setup(box.core, incident_id)  # stopped; the notices are posted at the end of the round
        fake.wait_for(lambda: [m for m in fake.messages(announce.id) if "restricted_action" in m.text])

        fake.fail_next("bookmarks.add", error="missing_scope")
        fake.fail_next("chat.postMessage", answer="drop", times=2)  # both notices reach Slack, no answer comes
        assert retry_setup(box.core, incident_id).startswith(f"The set-up of incident #{incident_id} stopped again")

        def notices_sent():
            with Session(box.core.engine) as session:
                notices = session.exec(select(SetupNotice).where(SetupNotice.incident_id == incident_id)).all()
            return len(notices) == 4 and all(n.status == "sent" for n in notices)

        fake.wait_for(notices_sent, timeout=15)
        assert len([m for m in fake.messages(announce.id) if "missing_scope" in m.text]) == 1
        assert fake.calls_to("conversations.history")
        assert [m for m in fake.dms("U0LEAD") if "missing_scope" in m.text]
    fake.stop()


def test_wrong_announce_channel_is_found_at_start_and_stops_only_the_announcement(make_sandbox):
    box = make_sandbox(warroom_announce_channel="C0DOESNOTEXIST")
    assert check_channels(box.core) == [
        "WARROOM_ANNOUNCE_CHANNEL (C0DOESNOTEXIST): no such channel, or the app cannot see it "
        "(use the channel id, like C0123ABCD)"]
    incident_id = box.alert(social_alert()).json()["incident_id"]
    box.fake.wait_for(lambda: _step(box, incident_id, "announce").status == "failed", timeout=10)
    assert "channel_not_found" in _step(box, incident_id, "announce").error
    box.fake.wait_for(lambda: _step(box, incident_id, "pin_briefing").status == "done", timeout=10)
    told = box.fake.wait_for(lambda: [m for m in box.fake.dms("U0LEAD") if "could not be set up" in m.text])
    assert "`announce`" in told[0].text


def test_start_up_check_names_each_announce_channel_problem(tmp_path):
    fake = FakeSlack()
    fake.start()
    good = fake.add_channel("announcements")
    outside = fake.add_channel("general-news", bot_member=False, members=["U0LEAD"])
    with Sandbox(tmp_path / "a", fake=fake, serve=False, warroom_announce_channel=good.id) as box:
        assert check_channels(box.core) == []
    with Sandbox(tmp_path / "b", fake=fake, serve=False, warroom_announce_channel=outside.id) as box:
        assert check_channels(box.core) == [
            f"WARROOM_ANNOUNCE_CHANNEL ({outside.id}): the app is not a member of #general-news; invite it there "
            "so that it can post announcements"]
    fake.start()
    with Sandbox(tmp_path / "c", fake=fake, serve=False) as box:
        assert check_channels(box.core) == []  # not set: nothing to check
    fake.start()
    box.fake.store.channels[good.id].is_archived = True
    with Sandbox(tmp_path / "d", fake=fake, serve=False, warroom_announce_channel=good.id) as box:
        assert check_channels(box.core) == [f"WARROOM_ANNOUNCE_CHANNEL ({good.id}): #announcements is archived"]


def test_no_free_channel_name_is_a_permanent_failure_not_an_endless_retry(sandbox):
    title = social_alert()["title"]
    for attempt in range(1, 6):  # someone else holds every name the incident could use
        sandbox.fake.add_channel(channel_name("storm", utcnow(), title, attempt, number=1), creator="U0SOCIAL")
    incident_id = sandbox.alert(social_alert()).json()["incident_id"]
    sandbox.fake.wait_for(lambda: _step(sandbox, incident_id, "create_channel").status == "failed", timeout=10)
    assert "no free channel name" in _step(sandbox, incident_id, "create_channel").error
    assert len(sandbox.fake.calls_to("conversations.create")) == 5
    told = sandbox.fake.wait_for(lambda: [m for m in sandbox.fake.dms("U0LEAD") if "could not be set up" in m.text])
    assert "`create_channel`" in told[0].text
