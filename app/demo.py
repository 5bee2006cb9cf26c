"""``warroom demo``: a whole social-media crisis, from the first alert to the closed incident, run
against the built-in Slack sandbox, printed as a transcript of the war room."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session, col, select

from app.incidents.models import Incident
from app.reports.export import export
from app.sandbox.harness import Sandbox
from app.sandbox.transcript import render_transcript
from app.tasks.models import Task

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
        self.command("U0SOCIAL", "fact The ad ran on X and Instagram from 1 to 20 November.", expect="Confirmed fact")
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
            from app.timeutil import utcnow

            scheduler.aps.modify_job(job_ids[0], next_run_time=utcnow())
            scheduler.wake()
            self.wait_for_text("is still open")

    def close(self) -> None:
        self.step("The crisis lead closes the incident")
        self.command("U0LEAD", "close Campaign withdrawn, holding statement published, agency briefed.",
                     expect="Incident closed")


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
                           *extra_steps(demo), demo.close):
            story_step()
        demo.flush()
        incident = demo.reload()
        record = directory / f"incident-{incident.id}.md"
        record.write_text(export(box.core.engine, incident.id, "md"), encoding="utf-8")
        (directory / f"incident-{incident.id}.json").write_text(export(box.core.engine, incident.id, "json"),
                                                                encoding="utf-8")
    out("\n=== Files ===")
    out(f"database:       {directory / 'warroom.db'}")
    out(f"full record:    {record} (and .json)")
    for report in sorted(directory.glob("*report*")):
        out(f"report:         {report}")
    return directory


def extra_steps(demo: Demo) -> list[Callable[[], None]]:
    """Story steps of the statement and executive capabilities."""
    return []
