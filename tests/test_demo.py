"""The README's first command: the offline demo runs the whole story and leaves its files behind."""

from __future__ import annotations

import json

from app.demo import run_demo


def test_demo_runs_the_whole_story(tmp_path):
    printed: list[str] = []
    directory = run_demo(tmp_path / "demo", printed.append)
    transcript = "\n".join(printed)

    for step in ("A social-listening alert arrives", "The communications lead asks for a holding statement",
                 "The approvers sign in order", "The CEO asks for the status", "The crisis lead closes the incident",
                 "From the leadership channel, the CEO asks for the report"):
        assert f"=== {step} ===" in transcript, step
    assert "HOLDING STATEMENT — DRAFT V1" in transcript and "HOLDING STATEMENT — APPROVED V2" in transcript
    assert "(only visible to Claire Martin) :no_entry:" in transcript  # signing out of turn is refused
    assert "(only visible to Claire Martin) STATUS:" in transcript
    assert "(only visible to Claire Martin) The report of incident #1 is in your direct messages" in transcript

    record = json.loads((directory / "incident-1.json").read_text(encoding="utf-8"))
    assert record["incident"]["status"] == "closed"
    [statement] = record["statements"]
    assert statement["status"] == "approved" and len(statement["versions"]) == 2
    report = (directory / "incident-1-report.md").read_text(encoding="utf-8")
    assert "Backlash over the #WinterCampaign ad" in report and "v2" in report
    assert (directory / "incident-1-timeline.png").read_bytes().startswith(b"\x89PNG")
