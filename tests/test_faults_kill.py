"""kill -9 of the real server at each step of drafting and approval, at the worst moment: Slack acted on the
calls in flight (their answers are held) and the process dies before it hears back. After each restart every
committed change shows exactly once in Slack: one placeholder that became the draft, one card showing every
sign-off, one copy text per channel, one publish-webhook delivery, and each person who acted sees the result.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, col, select

from app.config import SANDBOX_SECRET
from app.db import make_engine
from app.effects.models import Effect, EffectStatus
from app.incidents.models import Incident
from app.sandbox.driver import SlackDriver
from app.sandbox.fake_slack import FakeSlack
from app.sandbox.harness import ALERT_TOKEN, free_port
from app.sandbox.workspace import Workspace
from app.statements.models import Approval, Statement
from app.statements.views import PLACEHOLDER
from tests.conftest import social_alert
from tests.test_crash_recovery import start_server
from tests.test_statement_flow import Receiver

SECRET = "publish-secret"
CHAIN = ["U0COMMS", "U0LEGAL", "U0CEO"]  # a critical viral complaint: comms, legal, then the executive


class Bot:
    """``warroom serve`` on one database: started, killed with SIGKILL, started again."""

    def __init__(self, tmp_path: Path, fake: FakeSlack, database_url: str, **env: str) -> None:
        self.tmp_path, self.fake, self.env, self.database_url = tmp_path, fake, env, database_url
        self.port = free_port()
        self.process = None
        self.driver = SlackDriver(f"http://127.0.0.1:{self.port}/slack/events", SANDBOX_SECRET, fake)
        self.engine = make_engine(database_url)

    def start(self) -> None:
        for method in ("chat.postMessage", "chat.update"):
            self.fake.fail_next(method, times=0)  # held calls left over from the killed run are forgotten
        self.process = start_server(self.tmp_path, self.fake, self.port, database_url=self.database_url, **self.env)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.driver.close()
        self.engine.dispose()

    def read(self, reader):
        with Session(self.engine) as session:
            return reader(session)

    def idle(self) -> bool:
        """Nothing left in the outbox, and nothing failed for good."""
        statuses = self.read(lambda s: [e.status for e in s.exec(select(Effect))])
        assert EffectStatus.FAILED not in statuses
        return EffectStatus.PENDING not in statuses

    def kill_when(self, ready, holds: dict[str, int]) -> None:
        """Kill the process once ``ready()`` is true and each held method was called (Slack acted)."""
        counts = {m: len(self.fake.calls_to(m)) for m in holds}
        self.fake.wait_for(lambda: ready() and all(len(self.fake.calls_to(m)) > counts[m] for m in holds),
                           timeout=90, interval=0.02)  # a busy machine starts processes slowly
        self.kill()

    def hold(self, holds: dict[str, int]) -> None:
        for method, times in holds.items():
            self.fake.fail_next(method, answer="hold", times=times)


def statement(bot: Bot, incident_id: int) -> Statement | None:
    return bot.read(lambda s: s.exec(select(Statement).where(Statement.incident_id == incident_id)).first())


def approvals(bot: Bot) -> list[str]:
    return bot.read(lambda s: [a.user_id for a in s.exec(select(Approval).order_by(col(Approval.id)))
                               if a.decision == "approved"])


def card_text(fake: FakeSlack, channel: str, ts: str) -> str:
    message = fake.message(channel, ts)
    return json.dumps(message.blocks or [], ensure_ascii=False) if message else ""


def visible(fake: FakeSlack, channel: str, needle: str) -> list:
    return [m for m in fake.messages(channel) if needle in (m.text or "") or needle in json.dumps(m.blocks or [])]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_at_each_step_of_drafting_and_approval_every_change_shows_once(tmp_path, database_url):
    receiver = Receiver()
    with FakeSlack(Workspace.demo()) as fake:
        bot = Bot(tmp_path, fake, database_url, WARROOM_PUBLISH_WEBHOOK=receiver.url, WARROOM_PUBLISH_SECRET=SECRET)
        try:
            bot.start()
            alert = social_alert(kind="viral-complaint", severity="critical", dedup_key="complaint-kill")
            answer = httpx.post(f"http://127.0.0.1:{bot.port}/alerts", json=alert, trust_env=False, timeout=10,
                                headers={"Authorization": f"Bearer {ALERT_TOKEN}"})
            incident_id = answer.json()["incident_id"]
            incident = fake.wait_for(lambda: bot.read(lambda s: (i := s.get(Incident, incident_id)) and
                                                      i.phase == "active" and i), timeout=30)
            channel = incident.channel_id
            fake.wait_for(bot.idle, timeout=90)

            # 1. Draft requested: the placeholder reached Slack, its answer did not come back.
            bot.hold({"chat.postMessage": 1})
            assert bot.driver.command("U0COMMS", channel, "statement").status_code == 200
            bot.kill_when(lambda: statement(bot, incident_id) is not None, {"chat.postMessage": 1})
            assert len(visible(fake, channel, PLACEHOLDER)) == 1

            # 2. Placeholder posted, draft stored: killed while the draft replaces the placeholder.
            bot.hold({"chat.update": 20})
            bot.start()
            bot.kill_when(lambda: (statement(bot, incident_id) or Statement()).current_version == 1,
                          {"chat.update": 1})

            bot.start()
            fake.wait_for(bot.idle, timeout=90)
            drafted = statement(bot, incident_id)
            assert visible(fake, channel, PLACEHOLDER) == []
            assert len(visible(fake, channel, "draft v1")) == 1  # the placeholder became the draft: one message
            assert "draft v1" in card_text(fake, channel, drafted.message_ts)

            # 3. Each sign-off, killed while the card shows it; the last one while the copy texts are posted.
            for number, user in enumerate(CHAIN, start=1):
                final = number == len(CHAIN)
                holds = {"chat.postMessage": 20} if final else {"chat.update": 20}
                bot.hold(holds)
                assert bot.driver.click(user, channel, drafted.message_ts, "statement_approve").status_code == 200
                bot.kill_when(lambda number=number: len(approvals(bot)) == number, holds)
                bot.start()
                fake.wait_for(bot.idle, timeout=90)
                shown = card_text(fake, channel, drafted.message_ts)
                if not final:  # the person who signed sees their sign-off on the card, once
                    assert shown.count(" · approved") == number

            # After recovery: one approved card, each channel's copy text once, the webhook once.
            approved = statement(bot, incident_id)
            assert approved.status == "approved" and approvals(bot) == CHAIN
            assert "Approved" in card_text(fake, channel, drafted.message_ts)
            copies = [m for m in visible(fake, channel, "ready to copy") if m.thread_ts == drafted.message_ts]
            assert len(copies) == len(approved.channels) == len({m.text for m in copies})
            fake.wait_for(lambda: receiver.requests, timeout=10)
            assert len(receiver.requests) == 1
            headers, body = receiver.requests[0]
            assert json.loads(body)["statement_id"] == approved.id
            assert headers["X-Warroom-Delivery"] == f"statement-{approved.id}-v1"  # a repeat would carry it too
            asks = visible(fake, channel, "your sign-off is needed")
            assert len(asks) == len({m.text for m in asks})  # each request for a sign-off shown once
            assert fake.calls_to("conversations.history") and fake.calls_to("conversations.replies")
        finally:
            bot.stop()
            receiver.stop()
