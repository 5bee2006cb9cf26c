"""kill -9 of the real server while an incident is closed, at the worst moments: after Slack shared the report
but before its answer came back, and after Slack archived the room but before its answer came back. After each
restart the room holds the report once and is archived once, after it."""

from __future__ import annotations

import sys

import httpx
import pytest

from app.incidents import timeline
from app.incidents.models import Incident
from app.sandbox.fake_slack import FakeSlack
from app.sandbox.harness import ALERT_TOKEN
from app.sandbox.workspace import Workspace
from tests.conftest import social_alert
from tests.test_faults_kill import Bot


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_while_the_report_is_shared_and_the_room_archived_each_happens_once(tmp_path, database_url):
    with FakeSlack(Workspace.demo()) as fake:
        bot = Bot(tmp_path, fake, database_url, WARROOM_ARCHIVE_AFTER="1s")
        try:
            bot.start()
            answer = httpx.post(f"http://127.0.0.1:{bot.port}/alerts", json=social_alert(), trust_env=False,
                                timeout=10, headers={"Authorization": f"Bearer {ALERT_TOKEN}"})
            incident_id = answer.json()["incident_id"]
            incident = fake.wait_for(lambda: bot.read(lambda s: (i := s.get(Incident, incident_id)) and
                                                      i.phase == "active" and i), timeout=30)
            channel = incident.channel_id
            fake.wait_for(bot.idle, timeout=30)

            # 1. Closed: the report is shared in the room, the answer never comes back.
            bot.hold({"files.completeUploadExternal": 1})
            assert bot.driver.command("U0LEAD", channel, "close Volume back to normal").status_code == 200
            bot.kill_when(lambda: True, {"files.completeUploadExternal": 1})
            assert len([m for m in fake.messages(channel) if m.files]) == 1

            # 2. Restarted: the shared files are adopted; the room is archived, the answer never comes back.
            bot.hold({"conversations.archive": 1})
            bot.start()
            bot.kill_when(lambda: True, {"conversations.archive": 1})
            assert fake.channel(channel).is_archived

            # 3. Restarted: "already archived" is done; nothing is repeated, nothing failed.
            bot.start()
            fake.wait_for(bot.idle, timeout=60)
            assert len([m for m in fake.messages(channel) if m.files]) == 1
            assert len(fake.files(channel)) == 2
            assert len(fake.calls_to("files.completeUploadExternal")) == 1
            assert len([e for e in fake.log if e.kind == "archived" and e.channel == channel]) == 1
            assert bot.read(lambda s: timeline.count(s, incident_id, "archived")) == 1
            assert bot.read(lambda s: timeline.count(s, incident_id, "report")) == 1
        finally:
            bot.stop()
