"""The README's first command: the offline demo runs the whole story in crisis time, from a mention stream to the
closed incident, with the fake model drafting the statement and the reply macros, and leaves its files behind with
the durations a real incident of that shape would have."""

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
                 "Community management asks for reply macros: the model drafts them from the record",
                 "The statement is out: the curve calms over the next hour", "The CEO asks for the status",
                 "The crisis lead closes the incident", "The room is asked for lessons learned",
                 "From the leadership channel, the CEO asks for the report"):
        assert step in titles, step
    clock = [time for time, _ in steps]
    assert clock == sorted(clock) and clock[0] == "08:30" and clock[-1] >= "11:00"  # two and a half hours, in order

    # The room is opened by the monitor, from mentions: no ready-made alert was sent.
    assert re.search(r"monitor northwind: volume(, negative)? -> alert 1 \(shitstorm, \w+\), incident #1 opened",
                     transcript)
    assert "An alert for this incident is *CRITICAL*" in transcript  # the growing storm is an escalation
    assert "HOLDING STATEMENT — DRAFT V1" in transcript and "HOLDING STATEMENT — APPROVED V2" in transcript
    assert "(only visible to Claire Martin) :no_entry:" in transcript  # signing out of turn is refused
    assert "(only visible to Claire Martin) STATUS:" in transcript
    assert "is still open" in transcript  # a task passed its due time on the simulated clock: a reminder
    assert "Lesson noted by @Mia Schneider" in transcript and "Lesson noted by @Dana Fischer" in transcript
    assert "(only visible to Claire Martin) The report of incident #1 is in your direct messages" in transcript

    # The model (the local fake OpenAI server, through the real client) drafts the statement and the reply macros.
    assert "The model is a local fake OpenAI server" in transcript
    assert "HOLDING STATEMENT — DRAFT V1\n      Drafted by fake-model · English" in transcript
    assert ("SET OF REPLY MACROS — DRAFT V1\n      Drafted by fake-model from the record on the playbook's replies "
            "pack; 1 added by the model") in transcript
    assert re.search(r"^model: fake-model \(the local fake OpenAI server\) drafted 4 reply macros from the record",
                     transcript, flags=re.MULTILINE)
    assert "*Set of reply macros · approved v1, ready to copy*" in transcript

    record = json.loads((directory / "incident-1.json").read_text(encoding="utf-8"))
    incident = record["incident"]
    assert incident["status"] == "closed" and incident["source"] == "monitoring"
    assert [a["source"] for a in record["alerts"]] == ["monitoring"] * len(record["alerts"])
    statement, replies = record["statements"]
    assert statement["kind"] == "holding" and statement["status"] == "approved" and len(statement["versions"]) == 2
    assert [v["method"] for v in statement["versions"]] == ["model", "edit"]
    assert replies["kind"] == "replies" and replies["status"] == "approved"
    [macros] = replies["versions"]
    assert macros["method"] == "model" and macros["model"] == "fake-model"
    assert list(macros["variants"]) == ["criticism", "boycott-call", "abuse", "where-to-read"]  # one added
    assert all(text.startswith("The ad ran on X and Instagram") for key, text in macros["variants"].items()
               if key != "where-to-read")  # led by the public fact; the internal figures never reach them
    assert not any("three times" in text for text in macros["variants"].values())

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
