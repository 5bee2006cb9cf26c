"""``warroom demo``: a whole social-media crisis in crisis time, run against the built-in Slack sandbox and printed
as a transcript of the war room.

The story runs on a simulated clock (freezegun, ticking) across two and a half hours of a Monday morning:
mentions of the brand stream in through ``POST /mentions``, the bot's monitor sees the spike and opens the room
(no ready-made alert), the team works, a holding statement is approved, the model drafts reply macros for the
community managers from the record and they are approved, the curve calms, the incident is closed and the room
gives its lessons learned. The model is the local fake OpenAI server (app.sandbox.fake_openai), reached through
the real client with the strict JSON schemas a real model gets: nothing leaves the machine. The report's
durations, figures and chart are those a real incident of that shape would have; the whole run takes seconds and
is the same every time.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar, cast

from sqlalchemy import insert
from sqlmodel import Session, col, select

from app.incidents.models import Incident
from app.monitoring import jobs as monitoring_jobs
from app.monitoring import signals
from app.monitoring.models import MentionRollup
from app.monitoring.runtime import get as monitoring
from app.reports.chart import available as chart_available
from app.reports.export import export
from app.reports.flows import build as build_report
from app.sandbox.fake_openai import FakeOpenAI
from app.sandbox.harness import ALERT_TOKEN, Sandbox
from app.sandbox.transcript import render_transcript
from app.statements.models import Approval, Statement, StatementKind, StatementVersion
from app.tasks.models import Task
from app.timeutil import local_clock, utcnow

if TYPE_CHECKING:
    from app.scheduling.scheduler import Scheduler

START = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)  # a Monday, 08:30 in Berlin
MONITOR = "northwind"
MODEL = "fake-model"  # the local fake OpenAI server's model
SIGNERS = {"comms": "U0COMMS", "legal": "U0LEGAL", "exec": "U0CEO", "lead": "U0LEAD", "dpo": "U0DPO", "hr": "U0HR",
           "security": "U0SEC"}
TIMEZONE = "Europe/Berlin"
HISTORY_DAYS = 8  # the weeks before: the monitor has been watching the brand, so it knows a normal Monday

QUIET = ["Just got my Northwind Trailmaster boots, so comfy", "Anyone tried the Northwind Summit Pro jacket?",
         "Northwind store in Hamburg has a sale on", "Hiking with my old Northwind backpack again today",
         "Northwind customer service sorted my return quickly"]
ANGRY = ["The Northwind #WinterCampaign ad mocks people who work outside in the cold. Disgusting.",
         "Northwind thinks cold-weather workers are a joke? Terrible, insulting ad. #WinterCampaign",
         "Never buying Northwind again after that awful #WinterCampaign video",
         "Shameful from Northwind. Delivery drivers freeze every day and you laugh at them? <!channel>",
         "Northwind's ad is cruel and tone-deaf. Who approved this? #WinterCampaign"]
CALMER = ["Northwind paused the #WinterCampaign ad, good that they listened",
          "At least Northwind responded quickly about the ad",
          "Northwind says it is reviewing the #WinterCampaign, let's see",
          "Still annoyed at Northwind but the statement was fair"]


def rate(minute: int) -> int:
    """Mentions per minute, ``minute`` minutes after the start: a quiet morning, the storm, then the calm."""
    for until, per_minute in ((30, 3), (45, 40), (80, 28), (95, 16), (120, 8), (10_000, 4)):
        if minute < until:
            return per_minute
    return 4


def mood(minute: int, approved_at: int | None) -> list[str]:
    if minute < 30:
        return QUIET
    if approved_at is None or minute < approved_at:
        return ANGRY
    return CALMER + QUIET


def quiet_rate(moment: datetime) -> int:
    """The daily rhythm of a normal day (per minute, by the hour in Berlin): quiet at night, busier by day."""
    hour = (moment.hour + 1) % 24
    return 1 if hour < 7 or hour >= 23 else 3


T = TypeVar("T")


class Clock(Protocol):
    """The simulated clock (freezegun's): the story moves it forward."""

    def move_to(self, target_datetime: datetime) -> None: ...


class Demo:
    """Runs the story step by step and prints what the room would have seen in between."""

    def __init__(self, box: Sandbox, out: Callable[[str], None], clock: Clock) -> None:
        self.box, self.out, self.clock, self.seen = box, out, clock, 0
        self.incident: Incident | None = None
        self.posted_until = 0  # minutes after START up to which mentions were sent
        self.approved_at: int | None = None
        self.random = random.Random(20261130)
        self.post_number = 0

    # The room, once the monitor has opened it -------------------------------------------------------
    @property
    def room(self) -> Incident:
        if self.incident is None or self.incident.id is None or not self.incident.channel_id:
            raise RuntimeError("the story needs the incident's room, and the monitor has not opened it yet")
        return self.incident

    @property
    def incident_id(self) -> int:
        return cast(int, self.room.id)

    @property
    def channel(self) -> str:
        return cast(str, self.room.channel_id)

    @property
    def scheduler(self) -> Scheduler:
        if self.box.core.scheduler is None:
            raise RuntimeError("the sandbox runs without a scheduler")
        return self.box.core.scheduler

    def briefing_ts(self) -> str:
        briefing = self.reload().briefing_ts
        if not briefing:
            raise RuntimeError("the room has no briefing message")
        return briefing

    def wait(self, found: Callable[[], T | None], timeout: float = 20.0) -> T:
        """``found``'s first answer that is there (not None, not empty), waiting at most ``timeout`` seconds."""
        result = self.box.fake.wait_for(found, timeout=timeout)
        if result is None:  # wait_for returns only a truthy answer; this tells the type checker so
            raise TimeoutError("nothing was found")
        return result

    # The clock and the stream -------------------------------------------------------------------
    def minute(self) -> int:
        return int((utcnow() - START).total_seconds() // 60)

    def at(self, minute: int) -> None:
        """Move the simulated clock forward to ``minute`` after the start (never back); mentions written
        meanwhile stream in, and reminders, digests and deadlines that fell due go out."""
        target = START + timedelta(minutes=minute)
        if utcnow() < target:
            self.clock.move_to(target)
        self.stream()
        storming = self.incident is not None and self.approved_at is None
        if storming and self.evaluate():  # the storm grows: a stronger signal is an escalation, told at once
            self.box.core.alert_updates.flush(self.incident_id)
        self.scheduler.drain(timeout=30)
        self.box.core.deliver()

    def step(self, title: str) -> None:
        self.flush()
        self.out(f"\n=== {local_clock(utcnow(), TIMEZONE)} · {title} ===")

    def flush(self) -> None:
        text = render_transcript(self.box.fake, since=self.seen)
        self.seen = len(self.box.fake.log)
        if text.strip():
            self.out(text.rstrip())

    def stream(self) -> None:
        """Send the mentions written since the last batch, as a social-listening feed would (POST /mentions)."""
        now = self.minute()
        posts = []
        for minute in range(self.posted_until, now):
            texts = mood(minute, self.approved_at)
            for n in range(max(0, rate(minute) + self.random.randint(-1, 1))):
                self.post_number += 1
                written = START + timedelta(minutes=minute, seconds=n * 60 // max(rate(minute), 1))
                posts.append({"platform": self.random.choice(["x", "mastodon", "instagram"]),
                              "post_id": str(100_000 + self.post_number), "author": f"user{self.post_number}",
                              "followers": self.random.randint(50, 5000), "text": self.random.choice(texts),
                              "language": "en", "created_at": written.isoformat(),
                              "url": f"https://social.example/p/{100_000 + self.post_number}",
                              "likes": self.random.randint(0, 20), "shares": self.random.randint(0, 5),
                              "replies": self.random.randint(0, 3)})
        self.posted_until = max(self.posted_until, now)
        for chunk in range(0, len(posts), 1000):
            answer = self.box.http.post("/mentions", json={"mentions": posts[chunk:chunk + 1000]},
                                        headers={"Authorization": f"Bearer {ALERT_TOKEN}"})
            answer.raise_for_status()

    def seed_history(self) -> None:
        """The monitor's per-minute counts of the days before: the baseline a normal Monday morning is judged by."""
        first = START - timedelta(days=HISTORY_DAYS)
        rows = [{"monitor_id": MONITOR, "minute": first + timedelta(minutes=m), "mentions": quiet_rate(
                    first + timedelta(minutes=m)) + (m % 3 == 0), "scored": 1, "negative": 0, "risky": 0, "reach": 400}
                for m in range(HISTORY_DAYS * 1440)]
        with Session(self.box.core.engine) as session:
            session.execute(insert(MentionRollup), rows)
            session.commit()

    def evaluate(self) -> list[signals.Raised]:
        """The bot's minute-by-minute look at its monitors (the scheduled job's work, run here in step)."""
        return signals.evaluate_all(self.box.core)

    def done(self, title: str) -> None:
        """The owner of the task whose title starts with ``title`` clicks its *Done* button on the briefing."""
        with Session(self.box.core.engine) as session:
            task = session.exec(select(Task).where(Task.incident_id == self.incident_id,
                                                   col(Task.title).startswith(title))).one()
        task_id = cast(int, task.id)
        if task.owner_id is None:
            raise RuntimeError(f"the task {task.title!r} has no owner to click its Done button")
        self.box.driver.click(task.owner_id, self.channel, self.briefing_ts(), "task_done", value=str(task_id))
        self.box.fake.wait_for(lambda: self.task_done(task_id), timeout=15)

    def task_done(self, task_id: int) -> bool:
        with Session(self.box.core.engine) as session:
            task = session.get(Task, task_id)
            return bool(task and task.done_at)

    def wait_for_text(self, needle: str, timeout: float = 15.0) -> None:
        channel = self.channel
        self.box.fake.wait_for(lambda: any(needle in (m.text or "") for m in self.box.fake.messages(channel)),
                               timeout=timeout)

    def reload(self) -> Incident:
        with Session(self.box.core.engine) as session:
            incident = session.get(Incident, self.incident_id)
        if incident is None:
            raise RuntimeError(f"incident #{self.incident_id} is gone from the database")
        self.incident = incident
        return incident

    def command(self, user: str, text: str, *, expect: str | None = None) -> None:
        self.box.driver.command(user, self.channel, text)
        if expect:
            self.wait_for_text(expect)

    # The story -----------------------------------------------------------------------------------
    def quiet_morning(self) -> None:
        self.step("A quiet Monday morning: mentions of the brand stream in")
        self.seed_history()
        self.scheduler.cancel(monitoring_jobs.EVALUATE_ID)  # evaluated in step below, so the story
        self.scheduler.drain(timeout=30)                      # is the same on every run
        self.scheduler.cancel(monitoring_jobs.EVALUATE_ID)
        for minute in (10, 20, 30):
            self.at(minute)
            if self.evaluate():
                raise RuntimeError("a quiet morning raised an alert: the demo's stream is miscalibrated")
        self.out(f"POST /mentions: {self.post_number} mentions of Northwind by {local_clock(utcnow(), TIMEZONE)}, "
                 f"as many as on a normal Monday: no alert")

    def storm(self) -> None:
        self.step("The #WinterCampaign ad goes viral: the monitor sees the spike and opens the room")
        raised: list[signals.Raised] = []
        for minute in range(31, 46):
            self.at(minute)
            raised = self.evaluate()
            if raised:
                break
        if not raised:
            raise RuntimeError("the spike was not detected: the demo's stream is miscalibrated")
        signal = raised[0]
        self.out(f"monitor {signal.monitor_id}: {', '.join(signal.signals)} -> alert {signal.alert_id} "
                 f"({signal.kind}, {signal.severity}), incident #{signal.incident_id} {signal.status}")

        def ready() -> Incident | None:
            with Session(self.box.core.engine) as session:
                incident = session.get(Incident, signal.incident_id)
                return incident if incident is not None and incident.phase == "active" else None

        self.incident = self.wait(ready)

    def first_minutes(self) -> None:
        self.at(self.minute() + 2)
        self.step("The team works the room")
        self.done("Open the decision log")
        self.command("U0SOCIAL", "fact public The ad ran on X and Instagram from 1 to 20 November.",
                     expect="Confirmed fact")
        self.command("U0SOCIAL", "fact Mentions at three times a normal Monday morning, mostly negative.",
                     expect="three times")
        self.command("U0LEAD", "fact private Jane Doe", expect=None)
        self.at(self.minute() + 2)
        self.command("U0LEAD", "decision Pause all paid promotion of the campaign now.", expect="Decision")
        self.done("Pause all scheduled social posts")
        self.command("U0LEAD", "task Brief the agency that made the ad <@U0SOCIAL|lea> in 30m", expect="New task")
        self.at(self.minute() + 3)
        message = self.box.fake.post_as("U0SOCIAL", self.channel,
                                        "Screenshot of the original post saved before anything is hidden.")
        self.box.driver.reaction_added("U0SOCIAL", self.channel, message.ts)
        self.box.fake.wait_for(lambda: "memo" in str(getattr(self.box.fake.message(self.channel, message.ts),
                                                             "reactions", "")))
        self.done("Screenshot the original post")
        self.at(self.minute() + 4)
        self.done("Fact-finders report back")

    def escalate(self) -> None:
        self.at(self.minute() + 4)
        self.step("A journalist asks for comment: the lead raises the severity")
        self.command("U0LEAD", "severity critical", expect="CRITICAL")

    def huddle(self) -> None:
        self.at(self.minute() + 5)
        self.step("The scoping huddle: themes read, the original post kept, no apology yet")
        self.done("Read the replies")
        self.command("U0LEAD", "decision Keep the original post up with a reply pointing to the statement; no "
                     "apology before legal has seen the wording.", expect="Keep the original post")
        self.done("Decide whether to keep, hide or delete")
        self.done("Scoping huddle")

    # Holding statement --------------------------------------------------------------------------
    def current_statement(self, kind: str = StatementKind.HOLDING) -> tuple[Statement, StatementVersion] | None:
        with Session(self.box.core.engine) as session:
            statement = session.exec(select(Statement).where(Statement.incident_id == self.incident_id,
                                                             Statement.kind == kind)
                                     .order_by(col(Statement.id).desc())).first()
            if statement is None or not statement.current_version:
                return None
            version: StatementVersion = session.exec(select(StatementVersion).where(
                StatementVersion.statement_id == statement.id,
                StatementVersion.number == statement.current_version)).one()
            return statement, version

    def wait_statement(self, number: int, status: str,
                       kind: str = StatementKind.HOLDING) -> tuple[Statement, StatementVersion]:
        def shown() -> tuple[Statement, StatementVersion] | None:
            found = self.current_statement(kind)
            return found if found and found[1].number == number and found[0].status == status else None

        return self.wait(shown)

    def shown_statement(self, kind: str = StatementKind.HOLDING) -> tuple[Statement, StatementVersion, str]:
        """The current statement of ``kind``, its current version and the ts of its card in the room (the card
        is posted from the outbox after the version is stored: waited for)."""
        def shown() -> tuple[Statement, StatementVersion, str] | None:
            found = self.current_statement(kind)
            return (found[0], found[1], found[0].message_ts) if found and found[0].message_ts else None

        try:
            return self.wait(shown)
        except TimeoutError as error:
            raise RuntimeError(f"no {kind} statement is shown in the room") from error

    def click_statement(self, user: str, action_id: str, kind: str = StatementKind.HOLDING) -> None:
        self.box.driver.click(user, self.channel, self.shown_statement(kind)[2], action_id)

    def statement(self) -> None:
        self.at(self.minute() + 2)
        self.step("The communications lead asks for a holding statement")
        self.command("U0COMMS", "statement")
        self.wait_statement(1, "pending")
        self.done("Draft the holding statement")
        self.wait_for_text("sign-off is needed on v1: step 1/")  # the draft is shown with its buttons
        self.flush()
        self.out("\n--- The CEO tries to sign before communications has ---")
        self.click_statement("U0CEO", "statement_approve")
        self.box.fake.wait_for(lambda: self.box.fake.ephemerals(user="U0CEO"))

    def edit_statement(self) -> None:
        self.at(self.minute() + 6)
        self.step("Communications shortens the X post: a new version, and the approvals start over")
        self.click_statement("U0COMMS", "statement_edit")
        view = self.wait(lambda: self.box.fake.latest_view(user_id="U0COMMS", callback_id="statement_edit"))
        drafted_x = self.shown_statement()[1].variants["x"]
        promised = re.search(r"Next update at (\d{1,2}:\d\d(?: [A-Z]{3,4})?)", drafted_x)
        text = ("We know many of you are upset about our #WinterCampaign ad. We have paused it and are looking "
                f"into it. Next update at {promised.group(1) if promised else 'noon'}: "
                "https://northwind.example/winter-campaign")
        self.box.driver.submit_view("U0COMMS", view.id, {"variant-x": {"text": text},
                                                         "note": {"text": "shorter, names the pause"}})
        self.wait_statement(2, "pending")

    def sign_off(self) -> None:
        self.at(self.minute() + 3)
        self.step("The approvers sign in order")
        _, version, _ = self.shown_statement()
        for n, role in enumerate(version.approvers, start=1):
            self.wait_for_text(f"sign-off is needed on v{version.number}: step {n}/")
            self.click_statement(SIGNERS[str(role)], "statement_approve")
            if n < len(version.approvers):
                self.wait_signed(version, n)
                self.at(self.minute() + 4)  # each approver reads it first
        self.wait_statement(2, "approved")
        self.approved_at = self.minute()
        channel = self.channel

        def copies() -> int:
            return sum("ready to copy" in (m.text or "") for m in self.box.fake.messages(channel))

        self.box.fake.wait_for(lambda: copies() == len(version.variants), timeout=20)
        self.done("Get the holding statement approved")
        self.at(self.minute() + 3)
        self.done("Publish the holding statement")
        self.done("Brief staff")
        self.done("Brief customer service")
        self.done("Brief the agency that made the ad")

    def reply_macros(self) -> None:
        self.at(self.minute() + 2)
        self.step("Community management asks for reply macros: the model drafts them from the record")
        self.command("U0SOCIAL", "replies")
        _, version = self.wait_statement(1, "pending", StatementKind.REPLIES)
        card = self.shown_statement(StatementKind.REPLIES)[2]
        if version.method != "model":
            raise RuntimeError(f"the reply macros were not drafted by the model: {version.note}")
        channel = self.channel

        def shown() -> bool:  # the card shows the draft and its note
            message = self.box.fake.message(channel, card)
            return message is not None and "Drafted by" in json.dumps(message.blocks or [])

        self.box.fake.wait_for(shown, timeout=20)
        self.flush()
        self.out(f"model: {MODEL} (the local fake OpenAI server) drafted {len(version.variants)} reply macros from "
                 "the record, in the strict JSON schema of the pack, checked item by item before anyone saw them")
        self.at(self.minute() + 3)
        for n, role in enumerate(version.approvers, start=1):
            self.click_statement(SIGNERS[str(role)], "statement_approve", StatementKind.REPLIES)
            if n < len(version.approvers):
                self.wait_signed(version, n)
        self.wait_statement(1, "approved", StatementKind.REPLIES)
        self.wait_for_text("reply macros · approved v1, ready to copy", timeout=20)

    def wait_signed(self, version: StatementVersion, count: int) -> None:
        """Until ``count`` approvers have signed ``version``."""
        version_id = cast(int, version.id)
        self.box.fake.wait_for(lambda: self.signed(version_id) == count, timeout=20)

    def signed(self, version_id: int) -> int:
        with Session(self.box.core.engine) as session:
            return len(session.exec(select(Approval).where(Approval.version_id == version_id,
                                                           Approval.decision == "approved")).all())

    def calm(self) -> None:
        self.step("The statement is out: the curve calms over the next hour")
        for n, minute in enumerate(range(self.minute() + 10, 146, 10)):
            self.at(minute)
            self.evaluate()
            if n == 0:
                self.done("Prepare a customer service FAQ")
        self.flush()
        with Session(self.box.core.engine) as session:
            last = session.exec(select(MentionRollup).where(MentionRollup.monitor_id == MONITOR)
                                .order_by(col(MentionRollup.minute).desc())).first()
        self.out(f"POST /mentions: {self.post_number} mentions in all; {last.mentions if last else 0} in the last "
                 "minute, back near a normal Monday")

    # Executives ---------------------------------------------------------------------------------
    def executive_status(self) -> None:
        self.step("The CEO asks for the status")
        before = len(self.box.fake.responses(user="U0CEO"))
        self.box.driver.command("U0CEO", self.channel, "status")
        self.box.fake.wait_for(lambda: len(self.box.fake.responses(user="U0CEO")) > before, timeout=20)

    def close(self) -> None:
        self.at(150)
        self.step("The crisis lead closes the incident")
        self.command("U0LEAD", "close Campaign withdrawn, holding statement published, agency briefed.",
                     expect="Incident closed")
        self.box.fake.wait_for(lambda: self.box.fake.files(self.channel), timeout=30)  # the report

    def lessons(self) -> None:
        self.at(self.minute() + 5)
        self.step("The room is asked for lessons learned")
        channel = self.channel
        prompt = self.wait(lambda: next((m for m in self.box.fake.messages(channel)
                                         if "lesson_add" in json.dumps(m.blocks or [])), None))
        self.box.driver.click("U0COMMS", channel, prompt.ts, "lesson_add", value=str(self.incident_id))
        view = self.wait(lambda: self.box.fake.latest_view(user_id="U0COMMS", callback_id="lesson"))
        self.box.driver.submit_view("U0COMMS", view.id, {"lesson": {"text": (
            "The first draft waited for a confirmed public fact: make 'confirm one public fact' a task due at 10 "
            "minutes in the shitstorm playbook.")}})
        self.wait_for_text("confirm one public fact")
        self.command("U0LEAD", "lesson Ads need a review for how they portray outdoor workers before launch: "
                     "add it to the campaign checklist.", expect="campaign checklist")

    def executive_report(self) -> None:
        self.at(self.minute() + 5)
        self.step("From the leadership channel, the CEO asks for the report")
        leadership = self.box.fake.add_channel("leadership", members=["U0CEO", "U0CFO"], is_private=True)
        self.box.driver.command("U0CEO", leadership.id, f"report {self.incident_id}")
        self.box.fake.wait_for(lambda: any(m.files for m in self.box.fake.dms("U0CEO")), timeout=30)
        self.box.fake.wait_for(lambda: any("direct messages" in (r.text or "")
                                           for r in self.box.fake.responses(user="U0CEO")), timeout=30)


@contextlib.contextmanager
def crisis_time() -> Iterator[Clock]:
    """The simulated clock: it ticks with the wall clock and the story moves it forward."""
    try:
        from freezegun import freeze_time
    except ImportError as exc:
        raise RuntimeError('the demo runs on a simulated clock and needs freezegun: pip install "warroom[demo]"') \
            from exc
    with contextlib.suppress(ImportError):  # loaded before the clock is frozen: its date converters keep real types
        import matplotlib.dates  # noqa: F401
    with freeze_time(START, tick=True, real_asyncio=True) as clock:
        yield clock


def run_demo(directory: Path, out: Callable[[str], None] = print) -> Path:
    """Run the story in a fresh folder and return it."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    out("Running against the built-in Slack sandbox: a local fake of the Slack Web API with simulated people.")
    out("The model is a local fake OpenAI server, reached through the real client. Nothing is sent to Slack or to "
        "any real model. Configure a real workspace as the README explains.")
    out(f"The clock is simulated: the story runs from {local_clock(START, TIMEZONE)} on Monday 30 November 2026, "
        "in crisis time.")
    with crisis_time() as clock, FakeOpenAI(model=MODEL) as model, \
            Sandbox(directory, warroom_company_name="Northwind Outdoor", warroom_timezone=TIMEZONE,
                    warroom_info_source="https://northwind.example/winter-campaign", openai_api_key="demo",
                    openai_base_url=model.base_url, warroom_llm_model=MODEL) as box:
        monitoring(box.core)
        demo = Demo(box, out, clock)
        for story_step in (demo.quiet_morning, demo.storm, demo.first_minutes, demo.escalate, demo.huddle,
                           demo.statement, demo.edit_statement, demo.sign_off, demo.reply_macros, demo.calm,
                           demo.executive_status,
                           demo.close, demo.lessons, demo.executive_report):
            story_step()
        demo.flush()
        incident_id = demo.incident_id
        record = directory / f"incident-{incident_id}.md"
        record.write_text(export(box.core.engine, incident_id, "md"), encoding="utf-8")
        (directory / f"incident-{incident_id}.json").write_text(export(box.core.engine, incident_id, "json"),
                                                                encoding="utf-8")
        report = build_report(box.core, incident_id)
        (directory / report.markdown_name).write_text(report.markdown, encoding="utf-8")
        if report.png is not None:
            (directory / report.chart_name).write_bytes(report.png)
    out("\n=== Files ===")
    out(f"database:       {directory / 'warroom.db'}")
    out(f"full record:    {record} (and .json)")
    chart = f"chart: {report.chart_name}" if chart_available() else "no chart: pip install \"warroom[charts]\""
    out(f"report:         {directory / report.markdown_name} ({chart})")
    return directory
