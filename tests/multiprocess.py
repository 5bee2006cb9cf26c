"""What the multi-process tests on PostgreSQL share: the processes' settings and the "exactly once" checks.

Each test starts real processes on one database against one fake Slack; these helpers read the outcome back
from the database and the fake, so both layouts (two `warroom serve`, or two web and two worker processes)
are held to the same promise: one room, one briefing, one pin and one announcement per incident, and every
reminder made due at once posted once.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, col, select

from app.incidents.models import Incident, SetupStep
from app.sandbox.fake_slack import FakeSlack
from app.sandbox.harness import ALERT_TOKEN, shipped_playbooks
from app.sandbox.workspace import Workspace
from app.scheduling.models import SentReminder

ROOT = Path(__file__).resolve().parents[1]
PORT_ATTEMPTS = 3  # a port chosen free can be taken by another socket before the process binds it


def process_env(directory: Path, fake: FakeSlack, database_url: str, announce: str) -> dict[str, str]:
    """The environment of one bot process on the shared database (its roster written into ``directory``)."""
    roster = directory / "roster.yml"
    roster.write_text(Workspace.demo_roster_yaml())
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(SLACK_API_URL=fake.api_url, DATABASE_URL=database_url, WARROOM_ROSTER=str(roster),
               WARROOM_PLAYBOOKS=str(shipped_playbooks()), WARROOM_ALERT_TOKEN=ALERT_TOKEN,
               WARROOM_ANNOUNCE_CHANNEL=announce, PYTHONPATH=str(ROOT))
    return env


def log_tail(path: Path, since: int = 0) -> str:
    """A process's log from byte ``since`` (one start's own lines), its last 3,000 characters."""
    if not path.exists():
        return ""
    with open(path, "rb") as log:
        log.seek(since)
        return log.read().decode(errors="replace")[-3000:]


def port_taken(path: Path, since: int) -> bool:
    """Whether a process that exited at start did so because its port was taken (a retry on a fresh one helps)."""
    return "address already in use" in log_tail(path, since).lower()


def incidents(engine) -> list[Incident]:
    with Session(engine) as session:
        return list(session.exec(select(Incident).order_by(col(Incident.id))))


def setups(engine) -> dict[int, dict[str, str]]:
    """Each unfinished set-up's steps and their states (to say where one stopped)."""
    with Session(engine) as session:
        rows = session.exec(select(SetupStep).join(Incident, col(Incident.id) == col(SetupStep.incident_id))
                            .where(Incident.phase == "setup")).all()
    steps: dict[int, dict[str, str]] = {}
    for row in rows:
        steps.setdefault(row.incident_id, {})[row.step] = f"{row.status} x{row.attempts} {row.error or ''}".strip()
    return steps


def rooms_ready(engine, fake: FakeSlack, count: int | None, timeout: float) -> list[Incident]:
    """Wait until every incident (``count`` of them, when given) has its room; say where a set-up stopped."""
    def ready() -> list[Incident] | None:
        found = incidents(engine)
        done = found and all(i.phase == "active" for i in found) and (count is None or len(found) == count)
        return found if done else None

    try:
        return fake.wait_for(ready, timeout=timeout, interval=0.2)
    except TimeoutError:
        raise AssertionError(f"rooms not ready: {setups(engine)}") from None


def assert_one_room_each(fake: FakeSlack, found: list[Incident], announce: str) -> int:
    """One channel, one briefing, one pin (the briefing) and one announcement per incident; the rooms' count."""
    rooms = [c for c in fake.channels if c.id != announce]
    assert sorted(c.id for c in rooms) == sorted(i.channel_id for i in found)
    for incident in found:
        briefings = [m for m in fake.messages(incident.channel_id)
                     if m.user == fake.bot_user_id and (m.metadata or {}).get("event_type") == "warroom_setup"]
        assert len(briefings) == 1, f"incident {incident.id}: {len(briefings)} briefings"
        assert [m.ts for m in fake.pins(incident.channel_id)] == [briefings[0].ts]
        announced = [m for m in fake.messages(announce) if incident.channel_id in m.text]
        assert len(announced) == 1, f"incident {incident.id}: announced {len(announced)} times"
    return len(rooms)


def assert_due_reminders_post_once(engine, fake: FakeSlack, found: list[Incident]) -> int:
    """Make every planned task reminder due now, let the processes race for them: each is posted once."""
    with engine.begin() as connection:
        made_due = connection.execute(text(
            "UPDATE scheduled_job SET due_at = now() AT TIME ZONE 'UTC' - interval '1 second' "
            "WHERE kind LIKE 'task%' RETURNING id")).scalars().all()
    assert made_due, "no task reminders were planned"
    posted_before = {i.channel_id: len(fake.messages(i.channel_id)) for i in found}

    def ran() -> bool:
        with engine.connect() as connection:
            return not connection.execute(text("SELECT 1 FROM scheduled_job WHERE id = ANY(:ids)"),
                                          {"ids": list(made_due)}).first()

    fake.wait_for(ran, timeout=60, interval=0.2)

    def delivered() -> bool:  # the reminders are posted from the outbox, at Slack's pace per channel
        with engine.connect() as connection:
            return not connection.execute(text("SELECT 1 FROM effects WHERE status = 'pending'")).first()

    fake.wait_for(delivered, timeout=120, interval=0.2)
    with Session(engine) as session:
        sent = list(session.exec(select(SentReminder.key)))
    reminders = Counter((i.channel_id, m.text) for i in found
                        for m in fake.messages(i.channel_id)[posted_before[i.channel_id]:]
                        if m.user == fake.bot_user_id and "was due at" in m.text)
    assert [key for key, times in reminders.items() if times > 1] == [], "a reminder was posted twice"
    assert len(reminders) == len(made_due) == len([key for key in sent if key.startswith("task:")])
    return len(reminders)
