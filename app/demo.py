"""``warroom demo``: a whole social-media crisis, from the first alert to the closed incident, run
against the built-in Slack sandbox, printed as a transcript of the war room."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session, col, select

from app.incidents.models import Incident
from app.reports.export import export
from app.reports.flows import build as build_report
from app.sandbox.harness import Sandbox
from app.sandbox.transcript import render_transcript
from app.statements.models import Approval, Statement, StatementVersion
from app.tasks.models import Task
from app.timeutil import local_clock, utcnow

ALERT = {
    "source": "social-listening",
    "kind": "shitstorm",
    "title": "Backlash over the #WinterCampaign ad",
    "description": "Mentions of the brand are at 6x the hourly baseline and 58% negative. Top post (quoted as "
                   "received): \"<!channel> boycott them, they mocked cold-weather workers\".",
    "severity": "high",
    "dedup_key": "social:wintercampaign",
    "labels": {"platform": "x", "hashtag": "wintercampaign"},
    "url": "https://listening.example.com/alerts/8812",
    "metrics": {"mentions_per_hour": 4200, "negative_share": 0.58},
}


class Demo:
    """Runs the story step by step and prints what the room would have seen in between."""

    def __init__(self, box: Sandbox, out: Callable[[str], None]) -> None:
        self.box, self.out, self.seen = box, out, 0
        self.incident: Incident | None = None

    def step(self, title: str) -> None:
        self.flush()
        self.out(f"\n=== {title} ===")

    def flush(self) -> None:
        text = render_transcript(self.box.fake, since=self.seen)
        self.seen = len(self.box.fake.log)
        if text.strip():
            self.out(text.rstrip())

    def wait_for_text(self, needle: str, timeout: float = 15.0) -> None:
        channel = self.incident.channel_id
        self.box.fake.wait_for(lambda: any(needle in (m.text or "") for m in self.box.fake.messages(channel)),
                               timeout=timeout)

    def reload(self) -> Incident:
        with Session(self.box.core.engine) as session:
            self.incident = session.get(Incident, self.incident.id)
        return self.incident

    def command(self, user: str, text: str, *, expect: str | None = None) -> None:
        self.box.driver.command(user, self.incident.channel_id, text)
        if expect:
            self.wait_for_text(expect)

    # The story -----------------------------------------------------------------------------------
    def alert_arrives(self) -> None:
        self.step("A social-listening alert arrives")
        answer = self.box.alert(ALERT)
        self.out(f"POST /alerts -> {answer.status_code} {answer.json()}")
        incident_id = answer.json()["incident_id"]

        def ready():
            with Session(self.box.core.engine) as session:
                incident = session.get(Incident, incident_id)
                return incident if incident.phase == "active" else None

        self.incident = self.box.fake.wait_for(ready, timeout=20)

    def more_alerts(self) -> None:
        self.step("The same alert keeps firing: repeats are counted, not posted one by one")
        for n in range(3):
            self.box.alert({**ALERT, "metrics": {"mentions_per_hour": 5100 + 900 * n, "negative_share": 0.61}})
        self.box.core.alert_updates.flush(self.incident.id)

    def first_minutes(self) -> None:
        self.step("The team works the room")
        self.command("U0SOCIAL", "fact public The ad ran on X and Instagram from 1 to 20 November.",
                     expect="Confirmed fact")
        self.command("U0SOCIAL", "fact 4,200 mentions per hour, 58% negative, at 09:00.", expect="4,200")
        self.command("U0LEAD", "fact private Jane Doe", expect=None)
        self.command("U0LEAD", "decision Pause all paid promotion of the campaign now.", expect="Decision")
        self.command("U0LEAD", "task Brief the agency that made the ad <@U0SOCIAL|lea> in 30m", expect="New task")
        with Session(self.box.core.engine) as session:
            task = session.exec(select(Task).where(Task.incident_id == self.incident.id, Task.role == "social")
                                .order_by(col(Task.id))).first()
        self.box.driver.click(task.owner_id, self.incident.channel_id, self.incident.briefing_ts, "task_done",
                              value=str(task.id))
        self.wait_for_text("completed")
        message = self.box.fake.post_as("U0SOCIAL", self.incident.channel_id,
                                        "Screenshot of the original post saved before anything is hidden.")
        self.box.driver.reaction_added("U0SOCIAL", self.incident.channel_id, message.ts)
        self.box.fake.wait_for(lambda: "memo" in str(self.box.fake.message(self.incident.channel_id,
                                                                          message.ts).reactions))

    def escalate(self) -> None:
        self.step("A journalist asks for comment: the lead raises the severity")
        self.command("U0LEAD", "severity critical", expect="CRITICAL")

    def reminder(self) -> None:
        self.step("Fast-forward: a first-hour task passes its due time")
        scheduler = self.box.core.scheduler
        job_ids = scheduler.job_ids(f"inc{self.incident.id}:task")
        if job_ids:
            scheduler.move(job_ids[0], utcnow())
            self.wait_for_text("is still open")

    # Holding statement --------------------------------------------------------------------------
    def current_statement(self) -> tuple[Statement, StatementVersion] | None:
        with Session(self.box.core.engine) as session:
            statement = session.exec(select(Statement).where(Statement.incident_id == self.incident.id)
                                     .order_by(col(Statement.id).desc())).first()
            if statement is None or not statement.current_version:
                return None
            version = session.exec(select(StatementVersion).where(
                StatementVersion.statement_id == statement.id,
                StatementVersion.number == statement.current_version)).one()
            return statement, version

    def wait_statement(self, number: int, status: str) -> tuple[Statement, StatementVersion]:
        def shown():
            found = self.current_statement()
            return found if found and found[1].number == number and found[0].status == status else None

        return self.box.fake.wait_for(shown, timeout=20)

    def click_statement(self, user: str, action_id: str) -> None:
        statement, _ = self.current_statement()
        self.box.driver.click(user, self.incident.channel_id, statement.message_ts, action_id)

    def statement(self) -> None:
        self.step("The communications lead asks for a holding statement")
        self.command("U0COMMS", "statement")
        self.wait_statement(1, "pending")
        self.wait_for_text("sign-off is needed on v1: step 1/")  # the draft is shown with its buttons
        self.flush()
        self.out("\n--- The CEO tries to sign before communications has ---")
        self.click_statement("U0CEO", "statement_approve")
        self.box.fake.wait_for(lambda: self.box.fake.ephemerals(user="U0CEO"))

    def edit_statement(self) -> None:
        self.step("Communications shortens the X post: a new version, and the approvals start over")
        self.click_statement("U0COMMS", "statement_edit")
        view = self.box.fake.wait_for(lambda: self.box.fake.latest_view(user_id="U0COMMS",
                                                                        callback_id="statement_edit"))
        tz = self.box.core.settings.warroom_timezone
        text = ("We know many of you are upset about our #WinterCampaign ad. We have paused it and are looking "
                f"into it. Next update at {local_clock(self.reload().next_update_at, tz)}: "
                "https://northwind.example/winter-campaign")
        self.box.driver.submit_view("U0COMMS", view.id, {"variant-x": {"text": text},
                                                         "note": {"text": "shorter, names the pause"}})
        self.wait_statement(2, "pending")

    def sign_off(self) -> None:
        self.step("The approvers sign in order")
        signers = {"comms": "U0COMMS", "legal": "U0LEGAL", "exec": "U0CEO", "lead": "U0LEAD", "dpo": "U0DPO",
                   "hr": "U0HR", "security": "U0SEC"}
        _, version = self.current_statement()
        for n, role in enumerate(version.approvers, start=1):
            self.wait_for_text(f"sign-off is needed on v{version.number}: step {n}/")
            self.click_statement(signers[role], "statement_approve")
            if n < len(version.approvers):
                self.box.fake.wait_for(lambda n=n: self.signed(version.id) == n, timeout=20)
        self.wait_statement(2, "approved")
        channel = self.incident.channel_id

        def copies() -> int:
            return sum("ready to copy" in (m.text or "") for m in self.box.fake.messages(channel))

        self.box.fake.wait_for(lambda: copies() == len(version.variants), timeout=20)

    def signed(self, version_id: int) -> int:
        with Session(self.box.core.engine) as session:
            return len(session.exec(select(Approval).where(Approval.version_id == version_id,
                                                           Approval.decision == "approved")).all())

    # Executives ---------------------------------------------------------------------------------
    def executive_status(self) -> None:
        self.step("The CEO asks for the status")
        before = len(self.box.fake.responses(user="U0CEO"))
        self.box.driver.command("U0CEO", self.incident.channel_id, "status")
        self.box.fake.wait_for(lambda: len(self.box.fake.responses(user="U0CEO")) > before, timeout=20)

    def executive_report(self) -> None:
        self.step("From the leadership channel, the CEO asks for the report")
        leadership = self.box.fake.add_channel("leadership", members=["U0CEO", "U0CFO"], is_private=True)
        self.box.driver.command("U0CEO", leadership.id, f"report {self.incident.id}")
        self.box.fake.wait_for(lambda: any(m.files for m in self.box.fake.dms("U0CEO")), timeout=30)
        self.box.fake.wait_for(lambda: any("direct messages" in (r.text or "")
                                           for r in self.box.fake.responses(user="U0CEO")), timeout=30)

    def close(self) -> None:
        self.step("The crisis lead closes the incident")
        self.command("U0LEAD", "close Campaign withdrawn, holding statement published, agency briefed.",
                     expect="Incident closed")
        self.box.fake.wait_for(lambda: self.box.fake.files(self.incident.channel_id), timeout=30)  # the report


def run_demo(directory: Path, out: Callable[[str], None] = print) -> Path:
    """Run the story in a fresh folder and return it."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    out("Running against the built-in Slack sandbox: a local fake of the Slack Web API with simulated people.")
    out("Nothing is sent to Slack or to any model. Configure a real workspace as the README explains.")
    with Sandbox(directory, warroom_company_name="Northwind Outdoor", warroom_timezone="Europe/Berlin",
                 warroom_info_source="https://northwind.example/winter-campaign") as box:
        demo = Demo(box, out)
        for story_step in (demo.alert_arrives, demo.more_alerts, demo.first_minutes, demo.escalate, demo.reminder,
                           demo.statement, demo.edit_statement, demo.sign_off,
                           demo.executive_status, demo.close, demo.executive_report):
            story_step()
        demo.flush()
        incident = demo.reload()
        record = directory / f"incident-{incident.id}.md"
        record.write_text(export(box.core.engine, incident.id, "md"), encoding="utf-8")
        (directory / f"incident-{incident.id}.json").write_text(export(box.core.engine, incident.id, "json"),
                                                                encoding="utf-8")
        report = build_report(box.core, incident.id)
        (directory / report.markdown_name).write_text(report.markdown, encoding="utf-8")
        if report.png is not None:
            (directory / report.chart_name).write_bytes(report.png)
    out("\n=== Files ===")
    out(f"database:       {directory / 'warroom.db'}")
    out(f"full record:    {record} (and .json)")
    out(f"report:         {directory / report.markdown_name} (chart: {report.chart_name})")
    return directory
