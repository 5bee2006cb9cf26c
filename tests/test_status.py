"""`/warroom status`: one incident in its room, the portfolio elsewhere, visibility, Block Kit limits, big timelines."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from sqlmodel import Session, select

from app.db import transaction
from app.incidents import service as incidents
from app.incidents.models import Incident, TimelineEvent
from app.slack.blocks import validate_blocks
from app.statements.models import Approval, Statement, StatementVersion
from app.status.listeners import parse_args
from app.status.service import gather
from app.status.views import metric_text
from app.timeutil import utcnow
from tests.conftest import social_alert
from tests.test_intake import wait_ready


def waiting_for_exec(box, incident, since: timedelta) -> None:
    """Statement v1 of the incident, signed by comms and waiting for the executive step for ``since``."""
    with transaction(box.core.engine) as session:
        statement = Statement(incident_id=incident.id, status="pending", current_version=1,
                              step_started_at=utcnow() - since)
        session.add(statement)
        session.flush()
        version = StatementVersion(statement_id=statement.id, number=1, approvers=["comms", "exec"])
        session.add(version)
        session.flush()
        session.add(Approval(version_id=version.id, step=0, role="comms", user_id="U0COMMS", decision="approved"))


def room(box, **alert):
    return wait_ready(box, box.alert(social_alert(**alert)).json()["incident_id"])


def scandal(box):
    return room(box, kind="executive-scandal", title="Allegations against a board member", severity="critical",
                dedup_key="scandal-1", labels={}, metrics={})


def posted(box, channel_id, needle):
    return box.fake.wait_for(lambda: [m for m in box.fake.messages(channel_id) if needle in (m.text or "")])


def answers(box, user):
    return box.fake.responses(user=user)


def ask(box, user, channel_id, text="status"):
    """Run the command and return the answer it produced (the newest response to ``user``)."""
    before = len(answers(box, user))
    box.driver.command(user, channel_id, text)
    box.fake.wait_for(lambda: len(answers(box, user)) > before, timeout=10)
    answer = answers(box, user)[-1]
    assert validate_blocks(answer.blocks or []) == []
    return answer


def content(answer) -> str:
    return answer.text + json.dumps(answer.blocks or [], ensure_ascii=False)


def general(box):
    return box.fake.add_channel("general", members=["U0CEO", "U0CFO", "U0HR", "U0LEGAL", "U0SUPPORT"])


def test_status_in_the_room_shows_the_incident_at_a_glance(sandbox):
    incident = room(sandbox, severity="critical")
    waiting_for_exec(sandbox, incident, timedelta(minutes=12))
    sandbox.driver.command("U0LEAD", incident.channel_id, "decision Pause all paid promotion")
    posted(sandbox, incident.channel_id, "Pause all")
    answer = ask(sandbox, "U0COMMS", incident.channel_id)
    text = content(answer)
    assert answer.response_type == "ephemeral"
    assert "Backlash over the #WinterCampaign ad" in text and "CRITICAL" in text
    assert "<@U0LEAD>" in text and "Communications lead" in text
    assert "negative share 58%" in text and "mentions per hour 4,200" in text
    assert "open of" in text and "Pause all paid promotion" in text
    assert "waiting for <@U0CEO> (Executive sponsor) since" in text and "(12m)" in text
    assert "Next status update" in text and "First public reply" in text and "left" in text
    assert f"<#{incident.channel_id}>" in text


def test_status_share_posts_in_the_room_and_counts_as_an_update(sandbox):
    incident = room(sandbox)
    sandbox.driver.command("U0COMMS", incident.channel_id, "status share")
    posted = sandbox.fake.wait_for(lambda: [m for m in sandbox.fake.messages(incident.channel_id)
                                            if (m.text or "").startswith("Status:")])
    assert validate_blocks(posted[0].blocks) == []

    def update_recorded():
        with Session(sandbox.core.engine) as session:
            return session.exec(select(TimelineEvent).where(TimelineEvent.incident_id == incident.id,
                                                            TimelineEvent.kind == "status_update")).first()

    assert sandbox.fake.wait_for(update_recorded).text == "status shared"


def test_status_button_on_the_briefing(sandbox):
    incident = room(sandbox)
    sandbox.driver.click("U0SOCIAL", incident.channel_id, incident.briefing_ts, "status_show")
    sandbox.fake.wait_for(lambda: any("Status:" in r.text for r in answers(sandbox, "U0SOCIAL")))


def test_confidential_incident_is_shown_to_members_and_executives_only(sandbox):
    public = room(sandbox)
    secret = scandal(sandbox)
    assert secret.confidential
    channel = general(sandbox)
    outsider = content(ask(sandbox, "U0HR", channel.id))
    assert public.title in outsider and secret.title not in outsider and "1 open incident (1 high)" in outsider
    for user in ("U0LEGAL", "U0CFO"):  # a member of the room, an executive from the roster
        shown = content(ask(sandbox, user, channel.id))
        assert secret.title in shown and public.title in shown
    refused = content(ask(sandbox, "U0HR", channel.id, f"status {secret.id}"))
    assert f"no incident #{secret.id} you can see" in refused and secret.title not in refused
    assert secret.title in content(ask(sandbox, "U0CFO", channel.id, f"status {secret.id}"))


def test_only_current_room_members_see_a_confidential_incident(sandbox):
    secret = scandal(sandbox)
    channel = general(sandbox)
    assert secret.title not in content(ask(sandbox, "U0SUPPORT", channel.id))
    # Acting in the room no longer grants anything: someone outside it is refused and still sees nothing.
    sandbox.driver.command("U0SUPPORT", secret.channel_id, "fact Three journalists asked for comment")
    sandbox.fake.wait_for(lambda: any("may record a confirmed fact" in (r.text or "")
                                      for r in answers(sandbox, "U0SUPPORT")))
    assert secret.title not in content(ask(sandbox, "U0SUPPORT", channel.id))
    # Joining the room shows it; leaving hides it again at once (Slack's member events drop the cache).
    sandbox.driver.join("U0SUPPORT", secret.channel_id)
    sandbox.fake.wait_for(lambda: secret.title in content(ask(sandbox, "U0SUPPORT", channel.id)))
    sandbox.driver.leave("U0SUPPORT", secret.channel_id)
    sandbox.fake.wait_for(lambda: secret.title not in content(ask(sandbox, "U0SUPPORT", channel.id)))


def test_two_hundred_open_incidents_fit_in_one_message(sandbox):
    core = sandbox.core
    levels = ["low", "medium", "high", "critical"]
    books = {key: core.playbooks.get(key).model_copy(update={"tasks": []})  # tasks are not what this is about
             for key in ("executive-scandal", "shitstorm")}
    with transaction(core.engine) as session:
        for n in range(200):
            playbook = books["executive-scandal" if n % 10 == 0 else "shitstorm"]
            incidents.open_incident(session, playbook, title=f"Incident number {n} " + "x" * 120, kind=playbook.id,
                                    severity=levels[n % 4])
    channel = general(sandbox)
    started = time.perf_counter()
    answer = ask(sandbox, "U0CEO", channel.id)
    assert time.perf_counter() - started < 5
    assert len(answer.blocks) <= 50 and "Open incidents: 200" in content(answer)
    assert "…and 150 more" in content(answer) and "/warroom status page 2" in content(answer)
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in answer.blocks)
    first = next(b for b in answer.blocks if b["type"] == "section")
    assert "CRITICAL" in first["text"]["text"]  # most severe first

    outsider = content(ask(sandbox, "U0HR", channel.id))
    assert "Open incidents: 180" in outsider  # the 20 confidential ones are not listed

    last = ask(sandbox, "U0CEO", channel.id, "status page 4")
    assert len(last.blocks) <= 50 and "more" not in last.blocks[-1].get("elements", [{}])[0].get("text", "")
    critical = content(ask(sandbox, "U0CEO", channel.id, "status critical"))
    assert "Open critical incidents: 50" in critical and "MEDIUM" not in critical


def test_status_answers_fast_with_fifty_thousand_timeline_events(sandbox):
    incident = room(sandbox)
    now = utcnow()
    rows = [{"incident_id": incident.id, "at": now - timedelta(seconds=n), "kind": "alert" if n % 3 else "reminder",
             "actor": "feed", "text": f"event {n}", "data": {}} for n in range(50_000)]
    with transaction(sandbox.core.engine) as session:
        session.bulk_insert_mappings(TimelineEvent, rows)
    with Session(sandbox.core.engine) as session:
        row = session.get(Incident, incident.id)
        started = time.perf_counter()
        status = gather(sandbox.core, session, row)
        assert time.perf_counter() - started < 0.5
    assert status.events > 50_000
    answer = ask(sandbox, "U0LEAD", incident.channel_id)
    assert "50,0" in content(answer) and len(answer.blocks) <= 50


def test_nothing_open():
    from app.status.views import portfolio_message

    message = portfolio_message([], [], total=[], page=1, tz="UTC", now=utcnow())
    assert message["text"] == "No open incidents you can see."


def test_arguments_and_metrics():
    assert parse_args("") == ("here", None, 1)
    assert parse_args("share") == ("share", None, 1)
    assert parse_args("Critical page 3") == ("all", "critical", 3)
    assert parse_args("#12") == ("id", None, 12)
    assert parse_args("page 2") == ("all", None, 2)
    assert metric_text("negative_share", 0.58) == "negative share 58%"
    assert metric_text("mentions_per_hour", 4200.0) == "mentions per hour 4,200"
    assert metric_text("<!channel>", 1.5) == "&lt;!channel&gt; 1.50"


def test_unknown_severity_is_explained(sandbox):
    channel = general(sandbox)
    assert "unknown severity" in content(ask(sandbox, "U0CEO", channel.id, "status huge"))


def test_metrics_never_name_a_confidential_playbook(sandbox):
    secret = scandal(sandbox)
    metrics = sandbox.http.get("/metrics").text
    assert "executive-scandal" not in metrics and secret.title not in metrics
    assert 'warroom_incidents_opened_total{playbook="confidential"}' in metrics


def test_a_private_incident_is_announced_without_its_title(make_sandbox):
    box = make_sandbox("announce", warroom_announce_channel="incidents")
    box.fake.add_channel("incidents", members=["U0CEO"])
    incident = room(box, kind="data-leak", title="Customer list of Jane Doe offered on a leak site",
                    dedup_key="leak-announce")
    channel = box.fake.channel_by_name("incidents")
    [announced] = box.fake.wait_for(lambda: [m for m in box.fake.messages(channel.id) if "incident" in m.text])
    assert f"#{incident.id}" in announced.text and "private war room" in announced.text
    assert "Jane Doe" not in announced.text and "leak" not in announced.text.lower()
    assert "personal-data-breach" not in announced.text
