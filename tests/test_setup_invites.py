"""Invitations in a real workspace: deactivated people, guests, unknown ids, and people an incident concerns."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session, select

from app.alerts.parsers import parse_generic
from app.alerts.service import ingest
from app.db import transaction
from app.errors import UserError
from app.incidents.exclusions import exclude_person, excluded
from app.incidents.models import Incident, TimelineEvent
from app.incidents.setup import run_setup
from app.roles import service as roles
from app.sandbox.harness import Sandbox
from tests.conftest import social_alert
from tests.test_intake import wait_ready

ROSTER = """roles:
  lead: [U0LEAD]
  comms: [U0COMMS]
  social: [U0GONE, U0SOCIAL]
  support: [U0AGENCY, U0SUPPORT]
  scribe: [U0NOBODY42, U0SCRIBE]
  legal: [U0LEGAL]
executives: [U0CEO]
"""


def test_fake_invite_follows_slack_with_and_without_force(sandbox):
    client = WebClient(token=sandbox.fake.bot_token, base_url=sandbox.fake.api_url)
    channel = client.conversations_create(name="invite-check")["channel"]["id"]
    with pytest.raises(SlackApiError) as refused:
        client.conversations_invite(channel=channel, users="U0LEAD,U0GONE,U0COMMS")
    assert refused.value.response["error"] == "cant_invite"
    assert sandbox.fake.channel(channel).members == [sandbox.fake.bot_user_id]  # nobody was invited

    answer = client.conversations_invite(channel=channel, users="U0LEAD,U0GONE,U0AGENCY,U0NOBODY42,U0COMMS",
                                         force=True)
    assert sorted(sandbox.fake.channel(channel).members) == sorted([sandbox.fake.bot_user_id, "U0LEAD", "U0COMMS"])
    assert {e["user"]: e["error"] for e in answer["errors"]} == {
        "U0GONE": "cant_invite", "U0AGENCY": "user_is_ultra_restricted", "U0NOBODY42": "user_not_found"}
    with pytest.raises(SlackApiError) as nobody:
        client.conversations_invite(channel=channel, users="U0GONE", force=True)
    assert nobody.value.response["errors"] == [{"user": "U0GONE", "ok": False, "error": "cant_invite"}]


def test_room_is_set_up_with_whoever_can_be_invited_and_the_lead_hears_who_not(tmp_path):
    directory = tmp_path / "box"
    directory.mkdir()
    (directory / "roster.yml").write_text(ROSTER)
    with Sandbox(directory) as box:
        incident = wait_ready(box, box.alert(social_alert()).json()["incident_id"])
        members = set(box.fake.channel(incident.channel_id).members)
        assert {"U0LEAD", "U0COMMS", "U0SOCIAL", "U0SUPPORT", "U0SCRIBE"} <= members
        assert not members & {"U0GONE", "U0AGENCY", "U0NOBODY42"}
        invites = box.fake.calls_to("conversations.invite")
        assert invites[0].params.get("force") in (True, "true", "1")

        told = box.fake.wait_for(lambda: [m for m in box.fake.dms("U0LEAD") if "could not invite" in m.text])
        assert len(told) == 1
        text = told[0].text
        assert "<@U0GONE>: deactivated" in text
        assert "<@U0AGENCY>: a single-channel guest" in text
        assert "<@U0NOBODY42>: not a member of this workspace" in text
        assert "social → <@U0SOCIAL>" in text and "support → <@U0SUPPORT>" in text
        with Session(box.core.engine) as session:
            events = session.exec(select(TimelineEvent).where(TimelineEvent.incident_id == incident.id)).all()
            holders = roles.holders(session, incident.id)
        # Nobody who could not be invited holds a role: the next person on the roster does.
        assert holders["social"] == "U0SOCIAL" and holders["support"] == "U0SUPPORT"
        assert holders["scribe"] == "U0SCRIBE"
        kinds = [e.kind for e in events]
        assert "not_invited" in kinds and "setup_failed" not in kinds


def test_a_person_the_incident_concerns_is_never_invited_nor_given_a_role(tmp_path):
    with Sandbox(tmp_path / "box", serve=False) as box:
        body = social_alert(kind="executive-scandal", title="Allegations about the CEO", dedup_key="ceo")
        incident_id = ingest(box.core, parse_generic(body)).incident_id
        with transaction(box.core.engine) as session:
            assert exclude_person(session, incident_id, "U0CEO", by="U0LEAD", reason="the allegations concern them")
            assert not exclude_person(session, incident_id, "U0CEO", by="U0LEAD", reason="again")
        assert run_setup(box.core, incident_id)
        with Session(box.core.engine) as session:
            incident = session.get(Incident, incident_id)
            holders = roles.holders(session, incident_id)
            assert excluded(session, incident_id) == {"U0CEO"}
        assert "U0CEO" not in box.fake.channel(incident.channel_id).members
        assert "U0CEO" not in holders.values()
        assert holders.get("board") == "U0BOARD"  # the playbook's stand-in signs instead of the executive
        assert all("U0CEO" not in c.params.get("users", "") for c in box.fake.calls_to("conversations.invite"))


def test_excluding_a_role_holder_takes_the_role_and_bad_input_is_named(tmp_path):
    with Sandbox(tmp_path / "box", serve=False) as box:
        incident_id = ingest(box.core, parse_generic(social_alert())).incident_id
        with transaction(box.core.engine) as session:
            roles.assign(session, incident_id, "social", "U0SOCIAL", by="warroom")
        with transaction(box.core.engine) as session:
            exclude_person(session, incident_id, "U0SOCIAL", by="U0LEAD", reason="posted the ad")
        with Session(box.core.engine) as session:
            assert "social" not in roles.holders(session, incident_id)
        with transaction(box.core.engine) as session, pytest.raises(UserError, match="not a Slack user id"):
            exclude_person(session, incident_id, "@dana", by="U0LEAD", reason="")
        with transaction(box.core.engine) as session, pytest.raises(UserError, match="does not exist"):
            exclude_person(session, 999, "U0SOCIAL", by="U0LEAD", reason="")
