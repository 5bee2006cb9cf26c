"""The README's first command: the offline demo runs the whole story in crisis time, from a mention stream to the
closed incident, and leaves its files behind with the durations a real incident of that shape would have."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from app.demo import START, run_demo
from app.reports.figures import figures, when


def test_demo_runs_the_whole_story_in_crisis_time(tmp_path):
    printed: list[str] = []
    directory = run_demo(tmp_path / "demo", printed.append)
    transcript = "\n".join(printed)

    steps = re.findall(r"^=== (\d\d:\d\d) CET · (.+) ===$", transcript, flags=re.MULTILINE)
    titles = [title for _, title in steps]
    for step in ("A quiet Monday morning: mentions of the brand stream in",
                 "The #WinterCampaign ad goes viral: the monitor sees the spike and opens the room",
                 "The communications lead asks for a holding statement", "The approvers sign in order",
                 "The statement is out: the curve calms over the next hour", "The CEO asks for the status",
                 "The crisis lead closes the incident", "The room is asked for lessons learned",
                 "From the leadership channel, the CEO asks for the report"):
        assert step in titles, step
    clock = [time for time, _ in steps]
    assert clock == sorted(clock) and clock[0] == "08:30" and clock[-1] >= "11:00"  # two and a half hours, in order

    # The room is opened by the monitor, from mentions: no ready-made alert was sent.
    assert re.search(r"monitor northwind: volume(, negative)? -> alert 1 \(shitstorm, \w+\), incident #1 opened",
                     transcript)
    assert "An alert for this incident is *critical*" in transcript  # the growing storm is an escalation
    assert "HOLDING STATEMENT — DRAFT V1" in transcript and "HOLDING STATEMENT — APPROVED V2" in transcript
    assert "(only visible to Claire Martin) :no_entry:" in transcript  # signing out of turn is refused
    assert "(only visible to Claire Martin) STATUS:" in transcript
    assert "is still open" in transcript  # a task passed its due time on the simulated clock: a reminder
    assert "Lesson noted by @Mia Schneider" in transcript and "Lesson noted by @Dana Fischer" in transcript
    assert "(only visible to Claire Martin) The report of incident #1 is in your direct messages" in transcript

    record = json.loads((directory / "incident-1.json").read_text(encoding="utf-8"))
    incident = record["incident"]
    assert incident["status"] == "closed" and incident["source"] == "monitoring"
    assert [a["source"] for a in record["alerts"]] == ["monitoring"] * len(record["alerts"])
    [statement] = record["statements"]
    assert statement["status"] == "approved" and len(statement["versions"]) == 2

    # Real durations, not 0 s: the story's times are those of the simulated clock.
    opened, closed = when(incident["created_at"]), when(incident["closed_at"])
    assert opened - START >= timedelta(minutes=30)  # the quiet half hour before the storm
    assert timedelta(hours=1, minutes=45) <= closed - opened <= timedelta(hours=2, minutes=15)
    f = figures(record)
    assert timedelta(minutes=10) <= f.room_to_first_draft <= timedelta(minutes=40)
    assert timedelta(minutes=5) <= f.draft_to_approved <= timedelta(minutes=30)
    assert f.first_statement_on_time is True and f.tasks_on_time >= 5 and f.reminders >= 1

    report = (directory / "incident-1-report.md").read_text(encoding="utf-8")
    assert "Northwind Outdoor: mention spike" in report and "v2" in report
    assert "| Incident duration | 0s |" not in report and "| Incident duration | 1h 5" in report
    found = re.search(r"\*\*Mentions:\*\* at most ([\d,]+) in a quarter hour \(from \d\d:\d\d CET\); ([\d,]+) in the "
                      r"quarter hour the first statement was approved, ([\d,]+) an hour later\.", report)
    peak, at_statement, later = (int(n.replace(",", "")) for n in found.groups())
    assert peak >= at_statement > later and later * 3 < peak  # the curve turned after the statement
    lessons = report.split("## Lessons learned / what to change in the playbook", 1)[1].split("\n## ", 1)[0]
    assert "confirm one public fact" in lessons and "campaign checklist" in lessons
    assert (directory / "incident-1-timeline.png").read_bytes().startswith(b"\x89PNG")


def test_the_demo_tells_the_same_story_every_time(tmp_path):
    """The simulated clock and the seeded stream make every run the same to the minute (the clock ticks with the
    wall clock between the story's moves, so seconds may differ)."""
    runs = []
    for name in ("one", "two"):
        printed: list[str] = []
        run_demo(tmp_path / name, printed.append)
        report = (tmp_path / name / "incident-1-report.md").read_text(encoding="utf-8")
        story = [line for line in printed if line.startswith(("===", "monitor ", "POST /mentions"))]
        mentions = re.search(r"^\*\*Mentions:\*\* .*$", report, flags=re.MULTILINE)
        runs.append((story, mentions.group(0) if mentions else None))
    assert runs[0] == runs[1] and runs[0][1] is not None
